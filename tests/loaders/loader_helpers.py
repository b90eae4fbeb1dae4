"""Helpers shared by the loader tests (a module name no other test folder uses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph_api.model import NodeLabel, RelType
from graph_api.store.base import GraphStore
from graph_api.store.sqlite import SqliteGraphStore
from loaders.load import LoadReport

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"


class BatchWritingStore(SqliteGraphStore):
    """The real SQLite store with its atomic bulk session turned off, like a store that has
    none (Neo4j): loads into it validate everything first, then write batch transactions."""

    def atomic_bulk(self) -> None:
        return None


async def snapshot(store: GraphStore) -> dict[str, Any]:
    """Everything the store holds (nodes with props, relationships with props), comparable."""
    out: dict[str, Any] = {}
    for label in NodeLabel:
        nodes: dict[str, Any] = {}
        async for batch in store.stream_nodes(label):
            nodes.update({n.id: dict(n.props) for n in batch})
        out[str(label)] = nodes
    for rel in RelType:
        edges: dict[str, Any] = {}
        async for links in store.stream_edges(rel):
            edges.update({f"{e.src.id}>{e.dst.id}": dict(e.props) for e in links})
        out[str(rel)] = edges
    return out


class FactsFailHere(SqliteGraphStore):
    """The real store, except that reading text properties (identity resolution's facts)
    fails: opened in a load's validating process, it makes that process's matching fail."""

    async def stream_texts(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("facts unreadable here")
        yield  # an async generator, as the port's


def outcome(report: LoadReport) -> list[tuple[object, ...]]:
    """A load's per-file counts, comparable between loads."""
    return [
        (f.file, f.read, f.inserted, f.updated, f.unchanged, f.rejected, f.relationships)
        for f in report.files
    ]
