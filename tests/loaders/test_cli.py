"""The command line in a subprocess: clean errors; a load killed halfway, then completed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import FolderFactory
from loader_helpers import EXAMPLES, snapshot

from graph_api.model import NodeLabel, RelType
from graph_api.store.sqlite import SqliteGraphStore
from loaders.generate import generate
from loaders.load import _remove_abandoned, load_path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loaders", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bad_rows_print_file_line_field_reason_and_exit_1(
    make_folder: FolderFactory, tmp_path: Path
) -> None:
    folder = make_folder({"customers.csv": "id,name,createdAt\nc1,Ann,\n,Bob,\nc3,Cy,someday\n"})
    result = _run("load", str(folder), "--sqlite", str(tmp_path / "g.db"))
    assert result.returncode == 1
    assert "customers.csv:3: id: missing (required)" in result.stderr
    assert "customers.csv:4: createdAt: unparseable date 'someday'" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_and_generate_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "g.db")
    result = _run("load", str(EXAMPLES), "--sqlite", db, "--no-resolve", "--batch-size", "2")
    assert result.returncode == 0, result.stderr
    assert "customers.csv: 6 read, 6 inserted" in result.stderr
    assert "identity resolution" not in result.stderr
    result = _run("generate", "--size", "tiny", "--seed", "3", str(tmp_path / "gen"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "gen" / "truth.json").exists()
    assert _run("load", str(tmp_path / "nowhere"), "--sqlite", db).returncode == 1
    assert _run("load", str(EXAMPLES), "--sqlite", db, "--batch-size", "0").returncode == 2


_BATCH_WRITING_LOAD = """
import asyncio, sys
sys.path.insert(0, {tests!r})
from loader_helpers import BatchWritingStore
from loaders.load import load_path

async def main() -> None:
    async with BatchWritingStore({db!r}) as store:
        await load_path(store, {data!r}, batch_size=50)

asyncio.run(main())
"""


def _children_validating(pid: int) -> list[int]:
    """The processes that ``pid`` started to validate a load (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # not a process, or it ended meanwhile
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"_validation_main" in cmdline:
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; its new parent may not reap it at once


def _ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _load_and_kill_halfway(
    data: Path, db: Path, mode: str, scratch: Path | None = None
) -> list[int]:
    """Start a load in a subprocess and SIGKILL it once the interactions are written; returns
    the pids of the validating processes it had started.

    ``bulk-session``: ``python -m loaders load`` into the SQLite store (one bulk session);
    ``two-processes``: the same with ``--parallel``; ``batch-transactions``: the same load
    into :class:`BatchWritingStore` (batch transactions). ``scratch``: its temporary
    directory."""
    if mode != "batch-transactions":
        command = [sys.executable, "-m", "loaders", "load", str(data), "--sqlite", str(db)]
        command += ["--batch-size", "50", "--parallel" if mode == "two-processes" else ""]
        command = [arg for arg in command if arg]
    else:
        script = _BATCH_WRITING_LOAD.format(
            tests=str(Path(__file__).parent), db=str(db), data=str(data)
        )
        command = [sys.executable, "-c", script]
    with subprocess.Popen(
        command,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"} | ({"TMPDIR": str(scratch)} if scratch else {}),
    ) as process:
        assert process.stderr is not None
        seen = []
        helpers: list[int] = []
        for line in process.stderr:
            seen.append(line)
            if line.startswith("write interactions.jsonl:"):  # nodes are in, relationships next
                helpers = _children_validating(process.pid)
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    return helpers


def test_only_the_scratch_folders_of_ended_loads_are_removed(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", "pass"]) as ended:
        ended.wait()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as running:
        try:
            names = {
                "ended": f"graph-load-{ended.pid}-abc",
                "running": f"graph-load-{running.pid}-def",
                "mine": f"graph-load-{os.getpid()}-ghi",
                "unnamed": "graph-load-xyz",
                "other": f"other-{ended.pid}-abc",
            }
            for name in names.values():
                (tmp_path / name).mkdir()
                (tmp_path / name / "0.staged").write_bytes(b"rows")
            _remove_abandoned(tmp_path)
            kept = {p.name for p in tmp_path.iterdir()}
            assert kept == {names[k] for k in ("running", "mine", "unnamed", "other")}
        finally:
            running.kill()


@pytest.mark.parametrize("mode", ["bulk-session", "two-processes", "batch-transactions"])
async def test_a_load_killed_halfway_leaves_a_consistent_store_and_a_rerun_completes_it(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "tiny"
    generate(data, size="tiny", seed=5)
    db = tmp_path / "killed.db"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    helpers = _load_and_kill_halfway(data, db, mode, scratch)
    left = list(scratch.glob("graph-load-*"))
    assert len(left) == 1  # the killed load's scratch folder
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # this process's loads use it too
    atomic = mode != "batch-transactions"
    if mode == "two-processes":  # the validating process notices and ends too
        assert len(helpers) == 1
        assert _ends_within(helpers[0], 30)

    async with SqliteGraphStore(db) as store:
        if atomic:  # the session never committed: the store is as it was, empty
            assert await store.data_version() == 0
            assert all([await store.count_nodes(label) == 0 for label in NodeLabel])
        else:  # whole batches only: interactions are in, relationships partly
            assert await store.data_version() > 0
            assert await store.count_nodes(NodeLabel.INTERACTION) > 0
        for rel in RelType:  # every relationship that made it has both of its ends
            async for batch in store.stream_edges(rel):
                for edge in batch:
                    assert await store.get_nodes(edge.src.label, [edge.src.id])
                    assert await store.get_nodes(edge.dst.label, [edge.dst.id])
        partial = await store.count_edges(RelType.FOLLOWS)
        rerun = await load_path(store, data, progress=False)
        # the killed one's removed, its own too. SQLite unlinks each temporary file just
        # after creating it: killed in between (the writer creates some as the relationships
        # begin, when the kill comes), one stays, named etilqs_*, SQLite's, not the load's
        assert [p for p in scratch.iterdir() if not p.name.startswith("etilqs_")] == []
        assert all(f.consistent for f in rerun.files)
        assert any(f.inserted for f in rerun.files)  # it completed what was missing
        assert partial < await store.count_edges(RelType.FOLLOWS)
        recovered = await snapshot(store)
    async with SqliteGraphStore(tmp_path / "clean.db") as clean:
        await load_path(clean, data, progress=False)
        assert recovered == await snapshot(clean)
