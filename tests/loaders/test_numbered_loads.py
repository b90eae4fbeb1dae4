"""Loads that number their nodes (every node label of the load new to the store, see
``GraphStore.bulk_numbers``) write the same graph, and report the same counts, as loads that
write every relationship by its ends' ids."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from loader_helpers import BatchWritingStore, outcome, snapshot

from graph_api.store.base import NumberedEdge, NumberedNode, UpsertResult
from graph_api.store.sqlite import SqliteGraphStore
from loaders.load import load_path


class _Counting(SqliteGraphStore):
    """The real store, counting the records it is given by number."""

    numbered_nodes = 0
    numbered_edges = 0

    async def upsert_numbered(
        self, nodes: Sequence[NumberedNode] = (), edges: Sequence[NumberedEdge] = ()
    ) -> UpsertResult:
        self.numbered_nodes += len(nodes)
        self.numbered_edges += len(edges)
        return await super().upsert_numbered(nodes, edges)


class _Unnumbered(_Counting):
    """The real store with its bulk session, not offering numbers: every write goes by id."""

    async def bulk_numbers(self) -> int | None:
        return None


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "two-processes"])
async def test_a_numbered_first_load_equals_loads_by_id(
    tmp_path: Path, small_set: Path, parallel: bool
) -> None:
    results = []
    for kind in (_Counting, _Unnumbered, BatchWritingStore):
        async with kind(tmp_path / f"{kind.__name__}.db") as store:
            report = await load_path(store, small_set, progress=False, parallel=parallel)
            assert not report.rejected
            if isinstance(store, _Counting):
                numbered = store.numbered_nodes + store.numbered_edges
                if kind is _Counting:  # an empty store: every node and link by number
                    assert store.numbered_nodes == sum(f.inserted for f in report.files[:5])
                    assert [f.kind for f in report.files[:6]][-1] == "HAS_PROFILE"
                    assert store.numbered_edges > 0.9 * sum(
                        c.inserted for f in report.files for c in f.relationships.values()
                    ) + 0.9 * sum(f.inserted for f in report.files[5:])
                else:
                    assert numbered == 0
                # loaded again: the labels exist now, so no numbers, and nothing changes
                again = await load_path(store, small_set, progress=False, parallel=parallel)
                assert all(f.unchanged == f.read for f in again.files)
                assert again.data_version == report.data_version
                assert store.numbered_nodes + store.numbered_edges == numbered
            results.append((outcome(report), report.resolution, await snapshot(store)))
    assert results[0] == results[1] == results[2]


async def test_a_load_next_to_nodes_already_stored_numbers_the_new_ones_only(
    tmp_path: Path, small_set: Path
) -> None:
    """Profiles loaded first; then the rest: customers, interactions and so on are numbered,
    and relationships with a stored profile at one end go by id."""
    first, rest = tmp_path / "first", tmp_path / "rest"
    first.mkdir()
    shutil.copytree(small_set, rest)
    (rest / "profiles.csv").rename(first / "profiles.csv")
    results = []
    for kind in (_Counting, BatchWritingStore):
        async with kind(tmp_path / f"{kind.__name__}.db") as store:
            await load_path(store, first, progress=False, resolve=False)
            if isinstance(store, _Counting):
                assert store.numbered_nodes > 0  # the profiles: new to the empty store
                store.numbered_nodes = store.numbered_edges = 0
            report = await load_path(store, rest, progress=False)
            assert not report.rejected
            if isinstance(store, _Counting):
                labels = {"Customer", "Community", "Product", "Interaction"}
                assert store.numbered_nodes == sum(
                    f.inserted for f in report.files if f.kind in labels
                )
                assert store.numbered_edges > 0
            results.append((outcome(report), report.resolution, await snapshot(store)))
    assert results[0] == results[1]


async def test_replies_held_until_what_they_answer_is_read_are_numbered_too(
    tmp_path: Path,
) -> None:
    """Interactions that answer one further down wait until the file is read; they are
    written numbered then, and a relationship file that names them finds them."""
    head = '{"kind": "reply", "channel": "x", "occurredAt": "2024-01-01T00:00:00Z", '
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "profiles.csv").write_text("id,platform,handle\np1,x,ann\np2,x,bo\n")
    (folder / "interactions.jsonl").write_text(
        head
        + '"id": "i3", "actor": "p2", "respondsTo": "i2"}\n'  # waits for i2
        + head
        + '"id": "i2", "actor": "p1", "respondsTo": "i1", "mentions": ["p2"]}\n'
        + head
        + '"id": "i1", "actor": "p1"}\n'
    )
    (folder / "mentions.csv").write_text("interaction,profile\ni3,p1\ni1,p2\n")
    results = []
    for kind in (_Counting, BatchWritingStore):
        async with kind(tmp_path / f"{kind.__name__}.db") as store:
            report = await load_path(store, folder, progress=False, resolve=False)
            assert not report.rejected
            if isinstance(store, _Counting):
                assert store.numbered_nodes == 5
                assert store.numbered_edges >= 2  # i3 → p1 and i1 → p2 at least
            results.append((outcome(report), await snapshot(store)))
    assert results[0] == results[1]
    state = results[0][1]
    assert set(state["RESPONDS_TO"]) == {"i3>i2", "i2>i1"}
    assert set(state["MENTIONS"]) == {"i2>p2", "i3>p1", "i1>p2"}
    assert set(state["PERFORMED"]) == {"p2>i3", "p1>i2", "p1>i1"}
