"""The SQLite store's atomic bulk session and its encoded writes (what pipelined loads use)."""

from __future__ import annotations

import asyncio
import contextvars
from pathlib import Path

import pytest

from graph_api.errors import InvalidInput
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import Direction, NodeRef, NodeWrite
from graph_api.store.sqlite import SqliteGraphStore


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
            # readers (other connections) still see the store as it was
            assert await store.get_nodes(NodeLabel.CUSTOMER, ["c1"]) == {}
            assert await store.data_version() == 0
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
