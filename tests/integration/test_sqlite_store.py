"""What only the SQLite adapter promises: a file that persists, migrates, and stays
consistent for readers while a writer works."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import graph_api.store.sqlite as sqlite_module
from graph_api.errors import ConfigError, InvalidInput, StoreUnavailable
from graph_api.model import NodeLabel
from graph_api.store.base import NodeQuery, NodeWrite, PageRequest
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


async def test_new_files_get_16_kib_pages_and_old_ones_keep_theirs(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:  # a file made with SQLite's default pages (4 KiB)
        conn.execute("CREATE TABLE t (x)")
    for path, size in ((tmp_path / "new.db", 16_384), (old, 4_096)):
        async with SqliteGraphStore(path) as store:
            await store.upsert([NodeWrite(C, "c1", {"name": "Ada"})])
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA page_size").fetchone()[0] == size
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


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


class _CountingPool(ThreadPoolExecutor):
    """The store's reader pool, counting what is handed to it."""

    submitted = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        type(self).submitted += 1
        return super().submit(*args, **kwargs)


async def _store_with_nodes(path: Path, n: int) -> SqliteGraphStore:
    store = SqliteGraphStore(path)
    await store.open()
    await store.upsert([NodeWrite(C, f"c{i:04}", {"name": f"n{i}"}) for i in range(n)])
    assert store._read_pool is not None
    store._read_pool.shutdown()
    store._read_pool = _CountingPool(2)
    _CountingPool.submitted = 0
    return store


async def test_small_reads_run_here_and_big_ones_on_a_reader_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await _store_with_nodes(tmp_path / "g.db", 300)
    try:
        nodes = await store.get_nodes(C, ["c0001", "c0002"])
        page = await store.list_nodes(C, NodeQuery(), PageRequest(first=5))
        assert sorted(nodes) == ["c0001", "c0002"] and page.total_count == 300
        assert _CountingPool.submitted == 0  # a few hundred instructions: no thread hop
        # over the budget: interrupted here, run again on a reader thread, same answer
        monkeypatch.setattr(sqlite_module, "_INLINE_BUDGET", 1_000)
        again = await store.list_nodes(C, NodeQuery(), PageRequest(first=200))
        assert _CountingPool.submitted == 1
        assert again.total_count == 300 and len(again.items) == 200
        assert [n.id for n in again.items[:5]] == [n.id for n in page.items]
        batches = [batch async for batch in store.stream_nodes(C, batch_size=1_000)]
        assert [len(b) for b in batches] == [300]
        assert _CountingPool.submitted == 3  # bulk reads go to a thread at once
    finally:
        await store.close()


async def test_a_read_that_meets_a_lock_waits_on_a_reader_thread(tmp_path: Path) -> None:
    store = await _store_with_nodes(tmp_path / "g.db", 3)
    threads: list[str] = []

    def read(conn: sqlite3.Connection) -> int:
        threads.append(threading.current_thread().name)
        if len(threads) == 1:
            raise sqlite3.OperationalError("database is locked")
        return int(conn.execute("SELECT count(*) FROM nodes").fetchone()[0])

    try:
        assert await store._read(read) == 3
        assert threads[0] == threading.current_thread().name  # tried here first
        assert threads[1] != threads[0] and _CountingPool.submitted == 1
    finally:
        await store.close()


async def test_reads_here_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    for name in ("Ada", "Bea"):
        await store.open()
        await store.upsert([NodeWrite(C, "c1", {"name": name})])
        assert (await store.get_nodes(C, ["c1"]))["c1"].props == {"name": name}
        await store.close()


@pytest.mark.parametrize("field", ["name') OR 1 --", "scores.influence", "id", "a.b", ""])
async def test_stream_texts_takes_property_names_only(tmp_path: Path, field: str) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        await store.upsert([NodeWrite(NodeLabel.CUSTOMER, "c1", {"name": "Ann"})])
        with pytest.raises(InvalidInput, match="name"):
            [r async for b in store.stream_texts(NodeLabel.CUSTOMER, ["name", field]) for r in b]


_ORDERINGS = [
    (NodeLabel.INTERACTION, "occurredAt", "nodes_interaction_occurred"),
    (NodeLabel.CUSTOMER, "scores.influence", "nodes_customer_influence"),
    (NodeLabel.CUSTOMER, "scores.advocacy", "nodes_customer_advocacy"),
    (NodeLabel.PROFILE, "scores.influence", "nodes_profile_influence"),
    (NodeLabel.PROFILE, "scores.advocacy", "nodes_profile_advocacy"),
]


@pytest.mark.parametrize(("label", "field", "index"), _ORDERINGS)
@pytest.mark.parametrize("descending", [False, True])
async def test_common_orderings_are_served_by_their_label_s_index(
    tmp_path: Path, label: NodeLabel, field: str, index: str, descending: bool
) -> None:
    """The ORDER BY that list_nodes writes (its window's), with the label as the literal it
    writes, walks the label's partial index: no sort of the label's rows."""
    path = tmp_path / "g.db"
    async with SqliteGraphStore(path) as store:
        await store.upsert([NodeWrite(C, "c1", {"name": "Ada"})])
    window = sqlite_module._Window(
        NodeQuery(order_by=field, descending=descending), PageRequest(first=10), "n"
    )
    sql = (
        f"EXPLAIN QUERY PLAN SELECT n.id FROM nodes n WHERE n.label = '{label.value}' "
        f"ORDER BY {window.order_sql()} LIMIT 11"
    )
    with sqlite3.connect(path) as conn:
        plan = " | ".join(row[-1] for row in conn.execute(sql))
    assert f"USING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


async def test_a_version_1_file_migrates_to_per_label_ordering_indexes(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with sqlite3.connect(path) as conn:  # a file as the first schema left it, with data
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO nodes (label, id, props, scores) VALUES "
            "('Customer', 'c1', '{\"name\":\"Ada\"}', '{\"influence\":3.0}'), "
            "('Customer', 'c2', '{\"name\":\"Bo\"}', '{\"influence\":5.0}')"
        )
    async with SqliteGraphStore(path) as store:
        page = await store.list_nodes(
            C, NodeQuery(order_by="scores.influence", descending=True), PageRequest(first=5)
        )
        assert [n.id for n in page.items] == ["c2", "c1"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {index for _, _, index in _ORDERINGS} <= names
        assert not names & {"nodes_occurred", "nodes_influence", "nodes_advocacy"}
        ordered = conn.execute(
            "SELECT id FROM nodes INDEXED BY nodes_customer_influence WHERE label = 'Customer' "
            "ORDER BY json_extract(scores, '$.influence'), id"
        ).fetchall()
        assert ordered == [("c1",), ("c2",)]  # built over the rows already there
