"""Settings and the command line: bad configuration is one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph_api.cli import build_parser, main
from graph_api.config import Role, Settings, hash_api_key, load_settings
from graph_api.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "graph_api.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=REPO,
        timeout=60,
    )


def test_defaults_are_local_and_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("GRAPH_API_"):
            monkeypatch.delenv(key)
    s = load_settings()
    assert (s.store, s.host, s.port, s.sqlite_path) == (
        "sqlite",
        "127.0.0.1",
        8000,
        "data/graph.db",
    )
    assert s.is_local_bind and not s.api_keys


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    digest = hash_api_key("a-long-enough-api-key")
    monkeypatch.setenv("GRAPH_API_API_KEYS", f'{{"{digest}": "marketer"}}')
    monkeypatch.setenv("GRAPH_API_MAX_PAGE_SIZE", "50")
    s = load_settings()
    assert s.api_keys == {digest: Role.MARKETER} and s.max_page_size == 50


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"store": "mongo"}, "GRAPH_API_STORE"),
        ({"neo4j_uri": "http://localhost:7474"}, "not a Neo4j URI"),
        ({"store": "neo4j"}, "needs GRAPH_API_NEO4J_URI"),
        ({"host": "0.0.0.0"}, "without API keys"),
        ({"api_keys": {"plain-key": "admin"}}, "SHA-256"),
        ({"port": 70000}, "GRAPH_API_PORT"),
        ({"default_page_size": 500}, "GRAPH_API_DEFAULT_PAGE_SIZE"),
    ],
)
def test_bad_settings_say_what_and_how(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(**overrides)


def test_open_beyond_localhost_only_with_keys() -> None:
    digest = hash_api_key("a-long-enough-api-key")
    s = load_settings(host="0.0.0.0", api_keys={digest: "reader"})
    assert not s.is_local_bind


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.at_least(Role.MARKETER) and not Role.READER.at_least(Role.ANALYST)
    assert [r.sees_pii for r in Role] == [False, False, True, True]


def test_hash_key_prints_the_digest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash-key", "0123456789abcdef-key", "--role", "admin"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == hash_api_key("0123456789abcdef-key")
    assert '"admin"' in out.err
    assert main(["hash-key", "short"]) == 1


def test_every_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = set(sub.choices)  # type: ignore[arg-type]
    assert {"serve", "demo", "refresh", "export", "hash-key", "load", "generate"} <= names


def test_serve_with_unknown_store_is_one_line() -> None:
    result = run_cli("serve", env={"GRAPH_API_STORE": "cassandra"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "GRAPH_API_STORE" in result.stderr


def test_serve_beyond_localhost_without_keys_refuses() -> None:
    result = run_cli("serve", "--host", "0.0.0.0")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "API keys" in result.stderr


def test_serve_with_unwritable_sqlite_path_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli(
        "serve", "--port", "18765", env={"GRAPH_API_SQLITE_PATH": str(blocker / "g.db")}
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "GRAPH_API_SQLITE_PATH" in result.stderr


def test_serve_with_unreachable_neo4j_is_one_line() -> None:
    result = run_cli(
        "serve",
        "--port",
        "18766",
        env={
            "GRAPH_API_STORE": "neo4j",
            "GRAPH_API_NEO4J_URI": "neo4j://127.0.0.1:1",
            "GRAPH_API_NEO4J_PASSWORD": "x",
        },
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip(), "says why"


def test_settings_forbid_unknown_fields() -> None:
    with pytest.raises(ValueError):
        Settings(nonsense=1)  # type: ignore[call-arg]


def test_serve_on_a_busy_port_says_how_to_fix(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "serve",
            "--port",
            str(port),
            env={"GRAPH_API_SQLITE_PATH": str(tmp_path / "g.db"), "GRAPH_API_AUTO_REFRESH": "0"},
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
