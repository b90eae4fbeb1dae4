"""The SQLite store's atomic bulk session and its encoded writes (what pipelined loads use)."""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import ctypes.util
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Coroutine
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from graph_api.errors import InvalidInput, StoreError
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import (
    Direction,
    EncodedEdge,
    EncodedNode,
    NodeQuery,
    NodeRef,
    NodeWrite,
    UpsertResult,
)
from graph_api.store.sqlite import _DEFERRABLE, SqliteGraphStore

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


async def test_writes_in_a_session_show_together_at_its_end(tmp_path: Path) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        bulk = store.atomic_bulk()
        async with bulk:
            await store.upsert_encoded([("Customer", "c1", '{"name":"Ann"}')])
            # a batch written by a task started inside the session belongs to it too
            await asyncio.create_task(
                store.upsert_encoded(
                    [("Profile", "p1", '{"handle":"ann","platform":"x"}')],
                    [("HAS_PROFILE", "Customer", "c1", "Profile", "p1", "{}")],
                )
            )
            # the session's own tasks read what it wrote ...
            assert (await store.get_nodes(NodeLabel.CUSTOMER, ["c1"]))["c1"].props == {
                "name": "Ann"
            }
            assert await store.count_edges(RelType.HAS_PROFILE) == 1

            # ... other readers (other connections) still see the store as it was
            def elsewhere(read: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
                loop = asyncio.get_running_loop()
                return loop.create_task(read, context=contextvars.Context())

            assert await elsewhere(store.get_nodes(NodeLabel.CUSTOMER, ["c1"])) == {}
            assert await elsewhere(store.count_edges(RelType.HAS_PROFILE)) == 0
            assert await elsewhere(store.data_version()) == 0
        assert (await store.get_nodes(NodeLabel.CUSTOMER, ["c1"]))["c1"].props == {"name": "Ann"}
        assert await store.count_edges(RelType.HAS_PROFILE) == 1
        assert await store.data_version() == 2  # one per batch, as outside a session


async def test_a_session_that_raises_leaves_nothing(tmp_path: Path) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        await store.upsert([NodeWrite(NodeLabel.CUSTOMER, "c0", {"name": "Zed"})])
        with pytest.raises(RuntimeError, match="stop"):
            async with store.atomic_bulk():
                await store.upsert_encoded([("Customer", "c1", '{"name":"Ann"}')])
                raise RuntimeError("stop")
        assert await store.get_nodes(NodeLabel.CUSTOMER, ["c1"]) == {}
        assert await store.data_version() == 1
        # and a failing batch inside a session undoes only itself (a savepoint)
        async with store.atomic_bulk():
            await store.upsert_encoded([("Customer", "c1", '{"name":"Ann"}')])
            with pytest.raises(InvalidInput, match="do not exist"):
                await store.upsert_encoded(
                    [("Profile", "p1", "{}")],
                    [("HAS_PROFILE", "Customer", "nobody", "Profile", "p1", "{}")],
                )
        assert set(await store.get_nodes(NodeLabel.CUSTOMER, ["c0", "c1"])) == {"c0", "c1"}
        assert await store.get_nodes(NodeLabel.PROFILE, ["p1"]) == {}


async def test_other_writers_wait_for_the_session(tmp_path: Path) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        order: list[str] = []
        outside: asyncio.Task[object] | None = None
        async with store.atomic_bulk():
            # started outside the session's context: waits for the session to end
            outside = asyncio.get_running_loop().create_task(
                store.upsert([NodeWrite(NodeLabel.CUSTOMER, "c2", {"name": "Bo"})]),
                context=contextvars.Context(),
            )
            await asyncio.sleep(0.05)
            assert not outside.done()
            await store.upsert_encoded([("Customer", "c1", '{"name":"Ann"}')])
            order.append("session")
        await outside
        order.append("outside")
        assert order == ["session", "outside"]
        assert set(await store.get_nodes(NodeLabel.CUSTOMER, ["c1", "c2"])) == {"c1", "c2"}


async def test_encoded_writes_count_like_upsert_and_refuse_bad_tuples(tmp_path: Path) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        nodes = [("Customer", "c1", '{"name":"Ann"}'), ("Customer", "c2", '{"name":"Bo"}')]
        first = await store.upsert_encoded(nodes)
        assert first.nodes[NodeLabel.CUSTOMER].inserted == 2
        again = await store.upsert_encoded([*nodes, ("Customer", "c2", '{"name":"Bob"}')])
        counts = again.nodes[NodeLabel.CUSTOMER]
        assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 2)
        assert again.data_version == first.data_version + 1
        with pytest.raises(InvalidInput, match="unknown label"):
            await store.upsert_encoded([("Person", "x", "{}")])
        with pytest.raises(InvalidInput, match="cannot connect"):
            await store.upsert_encoded((), [("FOLLOWS", "Customer", "c1", "Customer", "c2", "{}")])
        edge = await store.upsert_encoded(
            [("Profile", "p1", "{}"), ("Profile", "p2", "{}")],
            [("FOLLOWS", "Profile", "p1", "Profile", "p2", "{}")],
        )
        assert edge.edges[RelType.FOLLOWS].inserted == 1
        hops = await store.neighbours(
            [NodeRef(NodeLabel.PROFILE, "p1")], RelType.FOLLOWS, Direction.OUT
        )
        assert [h.node.id for h in next(iter(hops.values())).items] == ["p2"]


# -- the direct path and the general one ----------------------------------------------------

_INTERACTION = '{{"channel":"x","kind":"post","occurredAt":"2024-01-0{}T00:00:00.000000Z"}}'


def _dump(path: Path) -> list[tuple[object, ...]]:
    """Everything a store holds, row ids included, and its schema."""
    with closing(sqlite3.connect(path)) as conn:
        return [
            *conn.execute("SELECT 'n', nid, label, id, props, scores FROM nodes ORDER BY nid"),
            *conn.execute("SELECT 'e', eid, type, src, dst, props FROM edges ORDER BY eid"),
            *conn.execute("SELECT 'm', key, value FROM meta ORDER BY key"),
            *_schema(conn),
        ]


def _schema(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute(
        "SELECT 's', type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
    ).fetchall()


_BATCHES: list[tuple[list[EncodedNode], list[EncodedEdge]]] = [
    (  # regular: one label pair for HAS_PROFILE, two for PERFORMED, and ids shared by labels
        [
            ("Customer", "x", '{"name":"Ann"}'),
            ("Customer", "c2", '{"name":"Bo"}'),
            ("Profile", "x", '{"handle":"ann","platform":"x"}'),
            ("Profile", "p2", '{"handle":"bo","platform":"x"}'),
            ("Interaction", "i1", _INTERACTION.format(1)),
            ("Interaction", "i2", _INTERACTION.format(2)),
        ],
        [
            ("PERFORMED", "Profile", "x", "Interaction", "i2", "{}"),
            ("HAS_PROFILE", "Customer", "x", "Profile", "x", '{"status":"confirmed"}'),
            ("PERFORMED", "Customer", "x", "Interaction", "i1", "{}"),
            ("FOLLOWS", "Profile", "p2", "Profile", "x", "{}"),
        ],
    ),
    (  # a node twice, one stored already and one new; the last counts
        [
            ("Customer", "x", '{"name":"Ann B."}'),
            ("Customer", "c3", '{"name":"Cy"}'),
            ("Customer", "x", '{"name":"Ann C."}'),
            ("Customer", "c3", '{"name":"Cyd"}'),
        ],
        [],
    ),
    (  # relationships twice, a new one and a stored one; the last counts
        [("Profile", "p3", '{"handle":"cy","platform":"x"}')],
        [
            ("FOLLOWS", "Profile", "x", "Profile", "p2", '{"since":"2022"}'),
            ("FOLLOWS", "Profile", "p2", "Profile", "x", "{}"),
            ("FOLLOWS", "Profile", "p3", "Profile", "x", "{}"),
            ("FOLLOWS", "Profile", "p2", "Profile", "x", '{"since":"2023"}'),
            ("FOLLOWS", "Profile", "x", "Profile", "p2", '{"since":"2024"}'),
        ],
    ),
    (  # the same relationship under two source labels is two relationships
        [("Interaction", "i3", _INTERACTION.format(3))],
        [
            ("PERFORMED", "Customer", "x", "Interaction", "i3", "{}"),
            ("PERFORMED", "Profile", "x", "Interaction", "i3", "{}"),
        ],
    ),
    (  # rows written before, unchanged
        [("Customer", "c2", '{"name":"Bo"}')],
        [("HAS_PROFILE", "Customer", "x", "Profile", "x", '{"status":"confirmed"}')],
    ),
    (  # a missing endpoint in the second type: nothing of the batch stays
        [("Profile", "p4", '{"handle":"d","platform":"x"}')],
        [
            ("FOLLOWS", "Profile", "p4", "Profile", "x", "{}"),
            ("PERFORMED", "Profile", "p4", "Interaction", "ghost", "{}"),
            ("PERFORMED", "Customer", "nobody", "Interaction", "i1", "{}"),
        ],
    ),
]


async def test_direct_writes_match_the_general_path_row_for_row(tmp_path: Path) -> None:
    """Each batch through upsert_encoded (direct statements, falling back when irregular)
    gives the same counts, errors and rows (row ids included) as the general path alone."""

    async def general(
        store: SqliteGraphStore, nodes: list[EncodedNode], edges: list[EncodedEdge]
    ) -> UpsertResult:
        return await store._write(lambda c: store._write_batch(c, nodes, edges, direct=False))

    async with (
        SqliteGraphStore(tmp_path / "direct.db") as direct,
        SqliteGraphStore(tmp_path / "general.db") as reference,
    ):
        for nodes, edges in _BATCHES:
            outcomes = []
            for write in (direct.upsert_encoded, partial(general, reference)):
                try:
                    outcomes.append(await write(nodes, edges))
                except InvalidInput as exc:
                    outcomes.append((str(exc), exc.problems))
            assert outcomes[0] == outcomes[1]
    assert _dump(tmp_path / "direct.db") == _dump(tmp_path / "general.db")


async def test_irregular_batches_count_as_documented(tmp_path: Path) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        first = await store.upsert_encoded(*_BATCHES[0])
        assert first.edges[RelType.PERFORMED].inserted == 2
        twice = await store.upsert_encoded(*_BATCHES[1])
        c = twice.nodes[NodeLabel.CUSTOMER]
        assert (c.inserted, c.updated, c.unchanged) == (1, 1, 2)
        got = await store.get_nodes(NodeLabel.CUSTOMER, ["x", "c3"])
        assert got["x"].props == {"name": "Ann C."} and got["c3"].props == {"name": "Cyd"}
        pairs = await store.upsert_encoded(*_BATCHES[2])
        f = pairs.edges[RelType.FOLLOWS]
        assert (f.inserted, f.updated, f.unchanged) == (2, 1, 2)
        follows = [e async for b in store.stream_edges(RelType.FOLLOWS) for e in b]
        assert [((e.src.id, e.dst.id), e.props) for e in follows] == [
            (("p2", "x"), {"since": "2023"}),
            (("p3", "x"), {}),
            (("x", "p2"), {"since": "2024"}),  # written where it came last
        ]
        version = await store.data_version()
        with pytest.raises(InvalidInput, match="2 relationship endpoint") as err:
            await store.upsert_encoded(*_BATCHES[5])
        assert [p.where for p in err.value.problems] == ["Customer:nobody", "Interaction:ghost"]
        assert await store.get_nodes(NodeLabel.PROFILE, ["p4"]) == {}
        assert await store.data_version() == version


# -- secondary indexes and foreign keys in a bulk session -----------------------------------


async def _writer_sees(store: SqliteGraphStore) -> tuple[set[str], int]:
    """The indexes and the foreign-key setting of the store's writer connection."""

    def look(conn: sqlite3.Connection) -> tuple[set[str], int]:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        return names, conn.execute("PRAGMA foreign_keys").fetchone()[0]

    return await store._write(look)


async def _fresh_schema(tmp_path: Path) -> list[tuple[object, ...]]:
    async with SqliteGraphStore(tmp_path / "fresh.db"):
        pass
    with closing(sqlite3.connect(tmp_path / "fresh.db")) as conn:
        return _schema(conn)


def _check(path: Path, schema: list[tuple[object, ...]]) -> None:
    with closing(sqlite3.connect(path)) as conn:
        assert _schema(conn) == schema
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


async def test_a_big_session_builds_secondary_indexes_at_its_end(tmp_path: Path) -> None:
    schema = await _fresh_schema(tmp_path)
    path = tmp_path / "g.db"
    async with SqliteGraphStore(path, defer_indexes_after=0) as store:
        all_indexes, on = await _writer_sees(store)
        assert on == 1 and set(_DEFERRABLE) <= all_indexes
        async with store.atomic_bulk():
            for nodes, edges in _BATCHES[:5]:
                await store.upsert_encoded(nodes, edges)
            indexes, on = await _writer_sees(store)
            assert on == 0 and indexes == all_indexes - set(_DEFERRABLE)
            _check(path, schema)  # other connections see the store as it was
            # the session's other writes work without them, and without foreign keys
            await store.upsert_encoded(
                [("Customer", "z", "{}"), ("Interaction", "iz", _INTERACTION.format(9))],
                [
                    ("PERFORMED", "Customer", "z", "Interaction", "iz", "{}"),
                    ("REFERRED", "Customer", "c2", "Customer", "z", "{}"),
                ],
            )
            report = await store.erase_customer("z")
            assert report.relationships_deleted == 2
        assert await _writer_sees(store) == (all_indexes, 1)
        query = NodeQuery(order_by="occurredAt", descending=True)
        newest = await store.list_nodes(NodeLabel.INTERACTION, query)
        assert [n.id for n in newest.items] == ["i3", "i2", "i1"]
        assert await store.count_edges(RelType.PERFORMED) == 4
        assert await store.count_edges(RelType.REFERRED) == 0
    _check(path, schema)


async def test_a_session_that_fails_or_is_cancelled_keeps_its_indexes(tmp_path: Path) -> None:
    schema = await _fresh_schema(tmp_path)
    path = tmp_path / "g.db"
    async with SqliteGraphStore(path, defer_indexes_after=0) as store:
        with pytest.raises(RuntimeError, match="stop"):
            async with store.atomic_bulk():
                await store.upsert_encoded(*_BATCHES[0])
                await store.upsert_encoded(*_BATCHES[1])
                assert _DEFERRABLE[0] not in (await _writer_sees(store))[0]
                raise RuntimeError("stop")
        indexes, on = await _writer_sees(store)
        assert on == 1 and set(_DEFERRABLE) <= indexes
        _check(path, schema)

        written = asyncio.Event()

        async def load() -> None:
            async with store.atomic_bulk():
                await store.upsert_encoded(*_BATCHES[0])
                await store.upsert_encoded(*_BATCHES[1])
                written.set()
                await asyncio.sleep(60)

        task = asyncio.create_task(load())
        await written.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        indexes, on = await _writer_sees(store)
        assert on == 1 and set(_DEFERRABLE) <= indexes
        assert await store.count_nodes(NodeLabel.CUSTOMER) == 0
        # and the store takes the next session as usual
        async with store.atomic_bulk():
            await store.upsert_encoded(*_BATCHES[0])
        assert await store.count_edges(RelType.PERFORMED) == 2
    _check(path, schema)


async def test_indexes_are_deferred_once_the_session_wrote_what_the_store_held(
    tmp_path: Path,
) -> None:
    async with SqliteGraphStore(tmp_path / "g.db", defer_indexes_after=3) as store:
        await store.upsert_encoded([("Customer", f"c{k}", "{}") for k in range(8)])  # 8 rows
        async with store.atomic_bulk():
            await store.upsert_encoded([("Customer", f"d{k}", "{}") for k in range(5)])
            await store.upsert_encoded([("Customer", "d0", "{}")])  # unchanged: not counted
            assert _DEFERRABLE[0] in (await _writer_sees(store))[0]
            await store.upsert_encoded([("Customer", f"e{k}", "{}") for k in range(3)])  # 8
            assert _DEFERRABLE[0] in (await _writer_sees(store))[0]
            await store.upsert_encoded([("Customer", "e9", "{}")])  # dropped before this one
            assert _DEFERRABLE[0] not in (await _writer_sees(store))[0]
        assert await store.count_nodes(NodeLabel.CUSTOMER) == 17
    small = SqliteGraphStore(tmp_path / "small.db")  # the default: 50,000 rows
    async with small, small.atomic_bulk():
        for nodes, edges in _BATCHES[:5]:
            await small.upsert_encoded(nodes, edges)
        assert set(_DEFERRABLE) <= (await _writer_sees(small))[0]


_KILLED_SESSION = """
import asyncio, sys
from graph_api.store.sqlite import SqliteGraphStore

async def main() -> None:
    async with SqliteGraphStore(sys.argv[1], defer_indexes_after=0) as store:
        async with store.atomic_bulk():
            for k in range(20):
                await store.upsert_encoded(
                    [("Customer", f"c{k}-{i}", "{}") for i in range(500)],
                    [("REFERRED", "Customer", f"c{k}-{i}", "Customer", f"c{k}-{i + 1}", "{}")
                     for i in range(499)],
                )
            print("written", flush=True)
            await asyncio.sleep(60)

asyncio.run(main())
"""


def _kill_in_a_session(path: Path) -> None:
    """Run _KILLED_SESSION on ``path`` and SIGKILL it once it has written its batches."""
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_SESSION, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline() == "written\n"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


async def test_a_process_killed_in_a_session_leaves_the_store_and_its_indexes(
    tmp_path: Path,
) -> None:
    schema = await _fresh_schema(tmp_path)
    path = tmp_path / "g.db"
    async with SqliteGraphStore(path) as store:
        await store.upsert_encoded(*_BATCHES[0])
    _kill_in_a_session(path)
    _check(path, schema)
    async with SqliteGraphStore(path) as store:
        assert await store.count_nodes(NodeLabel.CUSTOMER) == 2
        assert await store.count_edges(RelType.REFERRED) == 0
        assert len((await store.list_nodes(NodeLabel.INTERACTION)).items) == 2


# -- numbered writes (bulk_numbers / upsert_numbered) and node indexes back early -----------


async def test_numbered_writes_equal_writes_by_id(tmp_path: Path) -> None:
    nodes: list[EncodedNode] = [
        ("Customer", "c1", '{"name":"Ann"}'),
        ("Profile", "p1", '{"handle":"ann","platform":"x"}'),
        ("Profile", "p2", '{"handle":"bo","platform":"x"}'),
    ]
    edges: list[EncodedEdge] = [
        ("HAS_PROFILE", "Customer", "c1", "Profile", "p1", "{}"),
        ("FOLLOWS", "Profile", "p1", "Profile", "p2", '{"since":"2024-01-01T00:00:00.000000Z"}'),
        ("FOLLOWS", "Profile", "p2", "Profile", "p1", "{}"),
    ]
    async with SqliteGraphStore(tmp_path / "id.db") as by_id, by_id.atomic_bulk():
        expected = await by_id.upsert_encoded(nodes, edges)
    async with SqliteGraphStore(tmp_path / "n.db") as store:
        await store.upsert([NodeWrite(NodeLabel.PRODUCT, "d1", {"name": "Kettle"})])
        assert await store.bulk_numbers() is None  # outside a session: no numbers
        async with store.atomic_bulk():
            first = await store.bulk_numbers()
            assert first == 2  # the row after the product's
            assert await store.bulk_numbers() == first  # asked again: the same
            number = {node_id: first + 10 * k for k, (_, node_id, _) in enumerate(nodes)}
            written = await store.upsert_numbered(
                [(label, node_id, props, number[node_id]) for label, node_id, props in nodes],
                [(t, number[si], number[di], props) for t, _, si, _, di, props in edges],
            )
            # a pair given again: unchanged, as with writes by id
            again = await store.upsert_numbered((), [("FOLLOWS", number["p2"], number["p1"], "{}")])
        assert written.nodes == expected.nodes
        assert written.edges == expected.edges
        assert again.edges[RelType.FOLLOWS].unchanged == 1
        assert (await store.get_nodes(NodeLabel.CUSTOMER, ["c1"]))["c1"].props == {"name": "Ann"}
        p1, customer = NodeRef(NodeLabel.PROFILE, "p1"), NodeRef(NodeLabel.CUSTOMER, "c1")
        follows = await store.neighbours([p1], RelType.FOLLOWS, Direction.OUT)
        assert [(h.node.id, h.edge.props) for h in follows[p1].items] == [
            ("p2", {"since": "2024-01-01T00:00:00.000000Z"})
        ]
        owned = await store.neighbours([customer], RelType.HAS_PROFILE, Direction.OUT)
        assert [h.node.id for h in owned[customer].items] == ["p1"]
        check = await store._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())
        assert check == [("ok",)]


async def test_numbered_writes_refuse_what_would_break_the_store(tmp_path: Path) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        await store.upsert([NodeWrite(NodeLabel.CUSTOMER, "c0", {"name": "Zed"})])
        with pytest.raises(InvalidInput, match="outside a bulk session"):
            await store.upsert_numbered([("Customer", "c1", "{}", 5)])
        async with store.atomic_bulk():
            with pytest.raises(InvalidInput, match="before bulk_numbers"):
                await store.upsert_numbered([("Customer", "c1", "{}", 5)])
            first = await store.bulk_numbers()
            assert first is not None
            with pytest.raises(InvalidInput, match="below this session's first number"):
                await store.upsert_numbered([("Customer", "c1", "{}", first - 1)])
            with pytest.raises(InvalidInput, match="must be new"):  # c0 exists
                await store.upsert_numbered([("Customer", "c0", "{}", first)])
            # refused after a first row was written (no savepoint: undone by hand), and
            # below the top (in a savepoint)
            with pytest.raises(InvalidInput, match="must be new"):
                await store.upsert_numbered(
                    [("Customer", "c5", "{}", first + 1), ("Customer", "c0", "{}", first + 2)]
                )
            with pytest.raises(InvalidInput, match="must be new"):
                await store.upsert_numbered(
                    [("Customer", "c6", "{}", first + 3), ("Customer", "c6", "{}", first + 4)]
                )
            with pytest.raises(InvalidInput, match="unknown label"):
                await store.upsert_numbered([("Person", "x", "{}", first)])
            with pytest.raises(InvalidInput, match="without id"):
                await store.upsert_numbered(
                    [("Customer", "c9", "{}", first), ("Customer", "", "{}", first + 9)]
                )
            with pytest.raises(InvalidInput, match="unknown relationship type"):
                await store.upsert_numbered((), [("KNOWS", first, first, "{}")])
            # a new node by id could take a number the caller planned: refused
            with pytest.raises(InvalidInput, match="without a number"):
                await store.upsert_encoded([("Customer", "c2", "{}")])
            # changing an existing node by id is fine
            changed = await store.upsert_encoded([("Customer", "c0", '{"name":"Zoe"}')])
            assert changed.nodes[NodeLabel.CUSTOMER].updated == 1
            ok = await store.upsert_numbered([("Customer", "c3", "{}", first + 7)])
            assert ok.nodes[NodeLabel.CUSTOMER].inserted == 1
            below = await store.upsert_numbered([("Customer", "c4", "{}", first + 5)])
            assert below.nodes[NodeLabel.CUSTOMER].inserted == 1  # c3's number is above
            with pytest.raises(InvalidInput, match="must be new"):
                await store.upsert_numbered(
                    [("Customer", "c7", "{}", first + 6), ("Customer", "c4", "{}", first + 8)]
                )
        ids = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"]
        got = await store.get_nodes(NodeLabel.CUSTOMER, ids)
        assert sorted(got) == ["c0", "c3", "c4"]  # the refused batches wrote nothing
        assert got["c0"].props == {"name": "Zoe"}


async def test_a_relationship_batch_failing_part_way_rolls_the_whole_session_back(
    tmp_path: Path,
) -> None:
    """Numbered relationships are written without a savepoint: one that fails after others
    were written (here a NULL property text, which SQLite refuses) cannot be undone alone,
    so the session refuses its later writes and its commit, and nothing of it is kept."""
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        await store.upsert([NodeWrite(NodeLabel.CUSTOMER, "c0", {"name": "Zed"})])
        before = await store.data_version()
        with pytest.raises(StoreError, match="not committed: a batch written without"):
            async with store.atomic_bulk():
                first = await store.bulk_numbers()
                assert first is not None
                profiles = [("Profile", f"p{k}", "{}", first + k) for k in range(3)]
                await store.upsert_numbered(profiles)
                rows: list[Any] = [("FOLLOWS", first, first + 1, "{}")]
                rows.append(("FOLLOWS", first + 1, first + 2, None))
                with pytest.raises(InvalidInput, match="NOT NULL"):
                    await store.upsert_numbered((), rows)
                with pytest.raises(StoreError, match="cannot go on: a batch written without"):
                    await store.upsert_numbered([("Profile", "p9", "{}", first + 9)])
                with pytest.raises(StoreError, match="cannot go on"):
                    await store.upsert_encoded([("Customer", "c0", '{"name":"Zoe"}')])
        assert await store.data_version() == before
        assert (await store.get_nodes(NodeLabel.PROFILE, ["p0", "p1", "p9"])) == {}
        assert await store.count_edges(RelType.FOLLOWS) == 0
        assert (await store.get_nodes(NodeLabel.CUSTOMER, ["c0"]))["c0"].props == {"name": "Zed"}
        # the store goes on: a new session commits
        async with store.atomic_bulk():
            await store.upsert_encoded([("Customer", "c1", '{"name":"Ann"}')])
        assert sorted(await store.get_nodes(NodeLabel.CUSTOMER, ["c0", "c1"])) == ["c0", "c1"]


async def test_node_indexes_come_back_when_the_last_node_is_written(tmp_path: Path) -> None:
    def indexes(conn: sqlite3.Connection) -> set[str]:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
        return {name for (name,) in rows} & set(_DEFERRABLE)

    async with SqliteGraphStore(tmp_path / "g.db", defer_indexes_after=2) as store:
        node_indexes = {n for n in _DEFERRABLE if n.startswith("nodes_")}
        async with store.atomic_bulk():
            await store.upsert_encoded([("Customer", f"c{k}", "{}") for k in range(3)])
            await store.upsert_encoded([("Customer", "c9", "{}")])  # past 2 rows: dropped
            assert await store._read(indexes) == set()
            await store.bulk_nodes_written()
            assert await store._read(indexes) == node_indexes
            # relationships go on without the one on edges; later batches spare the others
            await store.upsert_encoded(
                [("Profile", "p1", "{}")],
                [("HAS_PROFILE", "Customer", "c1", "Profile", "p1", "{}")],
            )
            assert await store._read(indexes) == node_indexes
        assert await store._read(indexes) == set(_DEFERRABLE)
        # outside a session the hint does nothing
        await store.bulk_nodes_written()
        assert await store._read(indexes) == set(_DEFERRABLE)
        # and they hold every row, those written after the hint too
        check = await store._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())
        assert check == [("ok",)]


async def test_every_put_off_index_comes_back_on_the_hint_and_keeps_up(tmp_path: Path) -> None:
    """``bulk_indexes_now`` builds what the session dropped; the session drops nothing
    after it, and the rows written after it are in the indexes (the commit builds none)."""

    def indexes(conn: sqlite3.Connection) -> set[str]:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
        return {name for (name,) in rows} & set(_DEFERRABLE)

    def incoming(conn: sqlite3.Connection) -> int:  # what edges_in holds
        row = conn.execute("SELECT count(*) FROM edges INDEXED BY edges_in WHERE dst > 0")
        return int(row.fetchone()[0])

    def has_profile(k: int) -> EncodedEdge:
        return ("HAS_PROFILE", "Customer", f"c{k}", "Profile", f"p{k}", "{}")

    async with SqliteGraphStore(tmp_path / "g.db", defer_indexes_after=2) as store:
        async with store.atomic_bulk():
            await store.upsert_encoded([("Customer", f"c{k}", "{}") for k in range(4)])
            await store.upsert_encoded([("Profile", "p1", "{}")], [has_profile(1)])
            assert await store._read(indexes) == set()  # past 2 rows: dropped
            await store.bulk_indexes_now()
            assert await store._read(indexes) == set(_DEFERRABLE)
            assert await store._read(incoming) == 1
            await store.upsert_encoded(
                [("Profile", "p2", "{}"), ("Profile", "p3", "{}")],
                [has_profile(2), has_profile(3)],
            )
            assert await store._read(indexes) == set(_DEFERRABLE)  # not dropped again
            assert await store._read(incoming) == 3
        assert await store._read(indexes) == set(_DEFERRABLE)
        check = await store._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())
        assert check == [("ok",)]
        p3 = NodeRef(NodeLabel.PROFILE, "p3")
        owners = await store.neighbours([p3], RelType.HAS_PROFILE, Direction.IN)
        assert [h.node.id for h in owners[p3].items] == ["c3"]
        # a session rolled back after the hint leaves the indexes as they were, and no rows
        with pytest.raises(RuntimeError, match="stop"):
            async with store.atomic_bulk():
                # as many rows as the store holds (10), then one batch more: dropped
                await store.upsert_encoded([("Customer", f"d{k}", "{}") for k in range(10)])
                await store.upsert_encoded([("Customer", "d10", "{}")])
                assert await store._read(indexes) == set()
                await store.bulk_indexes_now()
                raise RuntimeError("stop")
        assert await store._read(indexes) == set(_DEFERRABLE)
        assert await store._read(incoming) == 3
        assert await store.get_nodes(NodeLabel.CUSTOMER, ["d0", "d10"]) == {}


def _file_alone(path: Path, tmp_path: Path) -> int:
    """Customers in the database file itself, without its write-ahead log (a copy of the
    file alone, opened where no log lies beside it)."""
    alone = tmp_path / "alone" / "g.db"
    alone.parent.mkdir(exist_ok=True)
    alone.write_bytes(path.read_bytes())
    with closing(sqlite3.connect(alone)) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'nodes'").fetchall():
            return 0  # not even the schema has been copied yet
        count = conn.execute("SELECT count(*) FROM nodes WHERE label = 'Customer'").fetchone()
        return int(count[0])


async def test_a_committed_session_is_copied_into_the_file_in_the_background(
    tmp_path: Path,
) -> None:
    """The commit leaves the session's log to a checkpoint on another thread: the writer goes
    on at once, ``settled()`` waits for the copy, and the usual automatic checkpoints
    resume."""
    path = tmp_path / "g.db"
    async with SqliteGraphStore(path) as store:
        limit = await store._write(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        assert limit > 0
        async with store.atomic_bulk():
            await store.upsert_encoded([("Customer", f"c{n}", "{}") for n in range(2_000)])
        assert _file_alone(path, tmp_path) in (0, 2_000)  # copied yet, or not
        # the writer is free meanwhile, and its later writes are kept
        await store.upsert_encoded([("Customer", "late", "{}")])
        await store.settled()
        assert _file_alone(path, tmp_path) >= 2_000
        after = await store._write(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        assert after == limit
        assert await store.count_nodes(NodeLabel.CUSTOMER) == 2_001
    assert _file_alone(path, tmp_path) == 2_001  # the last close copies the rest


async def test_a_rolled_back_session_keeps_automatic_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    async with SqliteGraphStore(path) as store:
        limit = await store._write(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        with pytest.raises(RuntimeError):
            async with store.atomic_bulk():
                await store.upsert_encoded([("Customer", "c1", "{}")])
                raise RuntimeError("stop")
        await store.settled()  # nothing to wait for
        after = await store._write(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        assert after == limit
        assert await store.count_nodes(NodeLabel.CUSTOMER) == 0


def _sqlite_memory_used() -> Callable[[], int] | None:
    """``sqlite3_memory_used`` of the SQLite library this Python's ``sqlite3`` runs on (the
    same shared library, loaded again), or None where it cannot be reached."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    used = lib.sqlite3_memory_used
    used.restype = ctypes.c_int64
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE t (x)")
        if used() <= 0:  # another copy of the library (Python's is linked in statically)
            return None
        return cast("Callable[[], int]", used)


async def test_a_new_file_keeps_its_page_cache_to_64_mib(tmp_path: Path) -> None:
    """A new file's page size (16 KiB) is set after its cache size, which SQLite had turned
    into pages of 4 KiB: unless set again, a bulk session's writer held 256 MiB."""
    used = _sqlite_memory_used()
    if used is None:
        pytest.skip("the SQLite library's own memory counter cannot be reached from here")
    props = '{"text":"' + "x" * 2000 + '"}'
    async with SqliteGraphStore(tmp_path / "new.db") as store:
        before = used()
        async with store.atomic_bulk():
            first = await store.bulk_numbers()
            assert first is not None
            for b in range(12):  # 120 MB of rows in one transaction
                rows = [
                    ("Interaction", f"i{b}-{k}", props, first + b * 5000 + k) for k in range(5000)
                ]
                await store.upsert_numbered(rows)
            grown = used() - before
        assert 32 << 20 < grown < 72 << 20  # the cache fills, to 64 MiB and no more
