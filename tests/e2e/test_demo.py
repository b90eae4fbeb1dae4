"""``graph-api demo`` (what the README's ``make run`` runs), end to end in a subprocess: it
generates the small set, loads it through the loader, refreshes analytics and serves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DEMO = "from graph_api.cli import main; raise SystemExit(main())"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_health(
    base: str, process: subprocess.Popen[bytes], log: Path, seconds: float
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"graph-api demo stopped before serving:\n{log.read_text()}"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"graph-api demo did not serve within {seconds} s")


def test_demo_generates_loads_refreshes_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, "-c", DEMO, "demo", "--size", "small"]
    command += ["--data-dir", str(tmp_path / "data"), "--port", str(port)]
    log = tmp_path / "demo.log"
    with (
        log.open("w") as out,
        subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT) as demo,
    ):
        try:
            _wait_for_health(f"http://127.0.0.1:{port}", demo, log, seconds=300)
            body = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ influencers { profile { handle } score } }"},
                timeout=30,
            ).json()
        finally:
            demo.terminate()
            demo.wait(timeout=30)
    text = log.read_text()
    assert "errors" not in body, body
    assert len(body["data"]["influencers"]) > 0, body
    assert "customers.csv: " in text and "0 rejected" in text, text
    assert "identity resolution: " in text, text
    assert (tmp_path / "data" / "demo-small" / "truth.json").exists()
