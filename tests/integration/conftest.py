"""Fixtures of the store contract suite: one `store` fixture per adapter.

The Neo4j adapter joins whenever GRAPH_API_NEO4J_URI points at a server (with
GRAPH_API_NEO4J_USER / GRAPH_API_NEO4J_PASSWORD); otherwise its cases skip with that reason.
The Neo4j database is wiped before each test: never point it at a database you care about.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph_api.store.base import GraphStore
from graph_api.store.sqlite import SqliteGraphStore

NEO4J_SKIP = (
    "Neo4j contract tests need a server: set GRAPH_API_NEO4J_URI (and GRAPH_API_NEO4J_USER, "
    "GRAPH_API_NEO4J_PASSWORD), e.g. after `docker compose up neo4j`; none is set here"
)


async def _neo4j_store() -> GraphStore:
    uri = os.environ.get("GRAPH_API_NEO4J_URI")
    if not uri:
        pytest.skip(NEO4J_SKIP)
    from graph_api.store.neo4j import Neo4jGraphStore

    store = Neo4jGraphStore(
        uri,
        os.environ.get("GRAPH_API_NEO4J_USER", "neo4j"),
        os.environ.get("GRAPH_API_NEO4J_PASSWORD", ""),
        os.environ.get("GRAPH_API_NEO4J_DATABASE") or None,
    )
    await store.open()
    await store.delete_everything()
    return store


@pytest.fixture(params=["sqlite-file", "sqlite-memory", "neo4j"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[GraphStore]:
    kind = request.param
    adapter: GraphStore
    if kind == "neo4j":
        adapter = await _neo4j_store()
    else:
        path = tmp_path / "graph.db" if kind == "sqlite-file" else ":memory:"
        adapter = SqliteGraphStore(path)
        await adapter.open()
    try:
        yield adapter
    finally:
        await adapter.close()
