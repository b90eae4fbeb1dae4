"""Graph stores: the port (base) and its adapters (sqlite, neo4j)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph_api.store.base import GraphStore

if TYPE_CHECKING:
    from graph_api.config import Settings

__all__ = ["GraphStore", "create_store"]


def create_store(settings: Settings) -> GraphStore:
    """The adapter the settings name (not opened yet). Adapters are imported lazily."""
    if settings.store == "neo4j":
        from graph_api.store.neo4j import Neo4jGraphStore

        return Neo4jGraphStore.from_settings(settings)
    from graph_api.store.sqlite import SqliteGraphStore

    return SqliteGraphStore(settings.sqlite_path)
