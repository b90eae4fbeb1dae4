"""What only the SQLite adapter promises: a file that persists, migrates, and stays
consistent for readers while a writer works."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from graph_api.errors import ConfigError, StoreUnavailable
from graph_api.model import NodeLabel
from graph_api.store.base import NodeWrite
from graph_api.store.sqlite import MIGRATIONS, SqliteGraphStore

C = NodeLabel.CUSTOMER


async def test_data_survives_reopen_and_schema_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "g.db"
    async with SqliteGraphStore(path) as store:
        await store.upsert([NodeWrite(C, "c1", {"name": "Ada"})])
        await store.write_scores(C, {"c1": {"influence": 3.0}})
    async with SqliteGraphStore(path) as store:
        node = (await store.get_nodes(C, ["c1"]))["c1"]
        assert node.props == {"name": "Ada"} and node.scores == {"influence": 3.0}
        assert await store.data_version() == 1
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(ConfigError, match="upgrade graph-api"):
        await SqliteGraphStore(path).open()


async def test_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="GRAPH_API_SQLITE_PATH"):
        await SqliteGraphStore(path).open()


async def test_path_under_a_file_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="GRAPH_API_SQLITE_PATH"):
        await SqliteGraphStore(blocker / "g.db").open()


async def test_closed_store_says_so() -> None:
    store = SqliteGraphStore(":memory:")
    with pytest.raises(StoreUnavailable, match="open"):
        await store.ping()


async def test_readers_never_see_half_a_write(tmp_path: Path) -> None:
    """A writer adds batches of 50 nodes while readers count: counts are whole batches."""
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        done = asyncio.Event()

        async def writer() -> None:
            for b in range(40):
                await store.upsert(
                    [NodeWrite(C, f"b{b:03d}-{k:02d}", {"name": "x"}) for k in range(50)]
                )
            done.set()

        seen: list[int] = []

        async def reader() -> None:
            while not done.is_set():
                seen.append(await store.count_nodes(C))
                await asyncio.sleep(0)

        await asyncio.gather(writer(), reader(), reader())
        assert all(n % 50 == 0 for n in seen)
        assert seen == sorted(seen) or len(set(seen)) > 1  # progress observed
        assert await store.count_nodes(C) == 2000
        assert await store.data_version() == 40


async def test_second_process_reads_while_first_writes(tmp_path: Path) -> None:
    """Two stores on one file (two processes in production): the reader sees committed data."""
    path = tmp_path / "g.db"
    async with SqliteGraphStore(path) as a, SqliteGraphStore(path) as b:
        await a.upsert([NodeWrite(C, "c1", {"name": "Ada"})])
        assert set(await b.get_nodes(C, ["c1"])) == {"c1"}
        await b.upsert([NodeWrite(C, "c2", {"name": "Bo"})])
        assert await a.count_nodes(C) == 2
        assert await a.data_version() == 2
