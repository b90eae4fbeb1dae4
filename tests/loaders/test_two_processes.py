"""Validation in a second process (``load_path(parallel=...)``): same outcome as in one
process, its errors and its death reach the caller, and it never outlives the load.

The rest of the loader tests also run this way (the ``bulk-session-two-processes`` store of
``conftest.py``); these are the cases only a second process has.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from loader_helpers import EXAMPLES, FactsFailHere, outcome, snapshot

from graph_api.errors import ConfigError, InvalidInput
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import Direction, NodeRef, StoreOpener
from graph_api.store.sqlite import SqliteGraphStore
from loaders.load import _peak_rss_mib, load_path
from loaders.progress import NoProgress

HAS_PROC = Path("/proc/self/stat").exists()


def validating_processes() -> list[int]:
    """The pids of this process's children that run a load's validation (Linux /proc)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # it ended meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == me and b"_validation_main" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("batch_size", [5_000, 40], ids=["default-batches", "small-batches"])
async def test_one_process_or_two_give_the_same_store_and_report(
    tmp_path: Path, small_set: Path, batch_size: int
) -> None:
    """The same with small batches: the identity links come from the validating process in
    many batches then (written while it matches), from this one in one list."""
    results, phases = [], []
    for parallel in (False, True):
        async with SqliteGraphStore(tmp_path / f"{parallel}.db") as store:
            load = partial(
                load_path,
                store,
                small_set,
                progress=False,
                parallel=parallel,
                batch_size=batch_size,
            )
            first = await load()
            again = await load()
            assert all(f.unchanged == f.read for f in again.files)
            assert again.data_version == first.data_version
            results.append((outcome(first), first.resolution, await snapshot(store)))
            # what it reports of its phases (the benchmark prints them) is the same too
            phases.append((sorted(first.seconds), sorted(first.peak_rss_mib)))
            if parallel:
                # the validating process's memory is counted: it held the load's index
                assert first.peak_rss_mib["validate"] - _peak_rss_mib() > 20
            assert validating_processes() == [] or not HAS_PROC
    (one, resolution_one, state_one), (two, resolution_two, state_two) = results
    assert one == two
    assert resolution_one == resolution_two
    assert resolution_one is not None
    assert resolution_one.written.inserted > 3 * batch_size or batch_size > 1_000
    assert state_one == state_two
    assert phases[0] == phases[1]
    assert "resolve" in phases[0][0] and "resolve" in phases[0][1]


class _Unreachable(SqliteGraphStore):
    """A store whose copy in another process cannot open (its path there is a folder)."""

    def __init__(self, path: Path, elsewhere: Path) -> None:
        super().__init__(path)
        self.elsewhere = elsewhere

    def opener(self) -> StoreOpener | None:
        return partial(SqliteGraphStore, str(self.elsewhere))


async def test_an_error_in_the_validating_process_is_raised_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    async with _Unreachable(tmp_path / "graph.db", tmp_path) as store:
        with pytest.raises(ConfigError, match="cannot open SQLite database"):
            await load_path(store, EXAMPLES, progress=False, parallel=True)
        assert await store.data_version() == 0
        assert not any((await snapshot(store)).values())  # no node, no relationship
        report = await load_path(store, EXAMPLES, progress=False, parallel=False)
        assert report.read > 0 and report.rejected == 0


class _AtFirstRows(NoProgress):
    """A progress that calls ``then()`` once, as soon as rows are reported."""

    def __init__(self, then: Callable[[], None]) -> None:
        self.then: Callable[[], None] | None = then

    def update(self, rows: int, done_bytes: int | None = None) -> None:
        if rows and self.then is not None:
            self.then, then = None, self.then
            then()


@pytest.mark.skipif(not HAS_PROC, reason="finds the validating process through Linux /proc")
async def test_a_killed_validating_process_fails_the_load_and_leaves_the_store_as_it_was(
    tmp_path: Path, small_set: Path
) -> None:
    async with SqliteGraphStore(tmp_path / "graph.db") as store:
        await load_path(store, EXAMPLES, progress=False)
        before, version = await snapshot(store), await store.data_version()
        killed: list[int] = []

        def kill() -> None:
            killed.extend(validating_processes())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

        with pytest.raises(RuntimeError, match=r"stopped without a verdict.*nothing was written"):
            await load_path(store, small_set, progress=_AtFirstRows(kill), parallel=True)
        assert len(killed) == 1
        assert await store.data_version() == version
        assert await snapshot(store) == before
        report = await load_path(store, small_set, progress=False, parallel=True)
        assert report.rejected == 0 and report.data_version > version


@pytest.mark.skipif(not HAS_PROC, reason="looks for the validating process in Linux /proc")
async def test_a_cancelled_load_ends_its_validating_process(
    tmp_path: Path, small_set: Path
) -> None:
    async with SqliteGraphStore(tmp_path / "graph.db") as store:
        seen = asyncio.Event()
        progress = _AtFirstRows(seen.set)
        load = asyncio.create_task(load_path(store, small_set, progress=progress, parallel=True))
        await asyncio.wait_for(seen.wait(), timeout=60)
        assert len(validating_processes()) == 1
        load.cancel()
        with pytest.raises(asyncio.CancelledError):
            await load
        assert validating_processes() == []
        assert await store.data_version() == 0
        report = await load_path(store, small_set, progress=False, parallel=True)
        assert report.rejected == 0 and report.data_version > 0


async def test_without_an_interpreter_to_start_the_load_validates_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    async with SqliteGraphStore(tmp_path / "graph.db") as store:
        with caplog.at_level(logging.WARNING, logger="loaders.load"):
            report = await load_path(store, EXAMPLES, progress=False, parallel=True)
        assert report.read > 0 and report.rejected == 0 and report.pipelined
        assert all(f.inserted == f.read for f in report.files)
        assert "validating in this process: cannot start" in caplog.text


class _FactsFailElsewhere(SqliteGraphStore):
    """A store whose copy in the validating process cannot read identity facts."""

    def opener(self) -> StoreOpener | None:
        return partial(FactsFailHere, self.path)


async def test_the_validating_process_matches_identities_else_this_one_does(
    tmp_path: Path, small_set: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With a second process, identity matching runs there while this one commits; if it
    fails there, this process resolves after the load, to the same links."""
    results = []
    for kind in (SqliteGraphStore, _FactsFailElsewhere):
        async with kind(tmp_path / f"{kind.__name__}.db") as store:
            with caplog.at_level(logging.WARNING, logger="loaders.load"):
                report = await load_path(store, small_set, progress=False, parallel=True)
            results.append((report.resolution, await snapshot(store)))
            failed = "identity matching failed in the validating process" in caplog.text
            assert failed == (kind is _FactsFailElsewhere)
            assert validating_processes() == [] or not HAS_PROC
    async with SqliteGraphStore(tmp_path / "one.db") as store:
        report = await load_path(store, small_set, progress=False, parallel=False)
        results.append((report.resolution, await snapshot(store)))
    assert results[0] == results[1] == results[2]
    assert results[0][0] is not None and results[0][0].written.inserted > 0


async def test_identities_matched_elsewhere_leave_out_rejected_rows_as_here(
    tmp_path: Path, small_set: Path
) -> None:
    """With ``skip_invalid``, the validating process matches over the accepted customers,
    profiles and links only (what it staged), as resolution in this process does over the
    store."""
    bad = tmp_path / "bad"
    shutil.copytree(small_set, bad)
    rows = {
        "customers": {"id": "c-bad", "name": "Bad Row", "email": "not-an-email"},
        "profiles": {"id": "p-bad", "platform": "nowhere", "handle": "bad"},
        "has_profile": {"customer": "c-bad", "profile": "p-missing"},
    }
    for stem, values in rows.items():
        header = _header(bad / f"{stem}.csv")
        with (bad / f"{stem}.csv").open("a") as out:
            out.write(",".join(values.get(c, "") for c in header) + "\n")
    # rows whose last cells are missing are parsed alone (their facts come from their JSON,
    # not from a chunk's validated values): they match as the others do
    with (bad / "customers.csv").open("a") as out:
        out.write("c-short,Shorty McRow,shorty.mcrow@example.com\n")
    with (bad / "profiles.csv").open("a") as out:
        out.write("p-short,x,shortymcrow,Shorty McRow,shorty.mcrow@example.com\n")
    results = []
    for parallel in (True, False):
        async with SqliteGraphStore(tmp_path / f"{parallel}.db") as store:
            report = await load_path(
                store,
                bad,
                progress=False,
                parallel=parallel,
                skip_invalid=True,
                rejects_dir=tmp_path,
            )
            assert report.rejected == 3
            results.append((report.resolution, await snapshot(store)))
            owner = NodeRef(NodeLabel.CUSTOMER, "c-short")
            links = await store.neighbours([owner], RelType.HAS_PROFILE, Direction.OUT)
            assert [(h.node.id, h.edge.props["method"]) for h in links[owner].items] == [
                ("p-short", "email")
            ]
    assert results[0] == results[1]
    assert results[0][0] is not None and results[0][0].written.inserted > 0


def _header(path: Path) -> list[str]:
    with path.open() as source:
        return source.readline().strip().split(",")


@pytest.mark.skipif(not HAS_PROC, reason="looks for the validating process in Linux /proc")
async def test_a_load_refused_after_validation_ends_the_process_matching_identities(
    tmp_path: Path, small_set: Path
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(small_set, bad)
    with (bad / "customers.csv").open("a") as out:
        out.write("c-bad,Bad Row,not-an-email,,,,\n")
    async with SqliteGraphStore(tmp_path / "graph.db") as store:
        with pytest.raises(InvalidInput, match="rejected"):
            await load_path(store, bad, progress=False, parallel=True)
        assert validating_processes() == []
        assert await store.data_version() == 0
