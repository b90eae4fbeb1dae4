"""Per-request DataLoaders: batch ``get_nodes`` and ``neighbours`` across sibling resolvers.

One :class:`Loaders` lives in each request's context, so nothing is cached across requests.
A neighbours loader exists per *shape* of the call (relationship, direction, filter, edge
filter, page window): every parent asking for the same shape shares one store call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from graph_api.model import NodeLabel, RelType
from graph_api.store.base import (
    Condition,
    Direction,
    GraphStore,
    Hop,
    Node,
    NodeQuery,
    NodeRef,
    Page,
    PageRequest,
)

__all__ = ["Loaders", "freeze"]

HopKey = tuple[RelType, Direction, NodeQuery, tuple[Condition, ...], PageRequest]
ListKey = tuple[NodeLabel, NodeQuery, PageRequest]


def freeze(value: Any) -> Any:
    """Lists become tuples so that filter values can be part of a loader key."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


class Loaders:
    """The DataLoaders of one request."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._nodes: dict[NodeLabel, DataLoader[str, Node | None]] = {}
        self._hops: dict[HopKey, DataLoader[NodeRef, Page[Hop]]] = {}
        self._lists: dict[ListKey, Page[Node]] = {}

    def node(self, label: NodeLabel) -> DataLoader[str, Node | None]:
        loader = self._nodes.get(label)
        if loader is None:

            async def load(ids: Sequence[str]) -> list[Node | None]:
                found = await self._store.get_nodes(label, list(ids))
                return [found.get(i) for i in ids]

            loader = self._nodes[label] = DataLoader(load_fn=load)
        return loader

    async def get(self, ref: NodeRef) -> Node | None:
        return await self.node(ref.label).load(ref.id)

    def prime(self, node: Node) -> None:
        self.node(node.label).prime(node.id, node)

    def hops(
        self,
        type: RelType,
        direction: Direction,
        *,
        query: NodeQuery = NodeQuery(),
        edge: Sequence[Condition] = (),
        page: PageRequest = PageRequest(),
    ) -> DataLoader[NodeRef, Page[Hop]]:
        key: HopKey = (type, direction, query, tuple(edge), page)
        loader = self._hops.get(key)
        if loader is None:

            async def load(refs: Sequence[NodeRef]) -> list[Page[Hop]]:
                pages = await self._store.neighbours(
                    list(refs), type, direction, query=query, edge=tuple(edge), page=page
                )
                for result in pages.values():
                    for hop in result.items:
                        self.prime(hop.node)
                empty: Page[Hop] = Page([], [], False, False, 0)
                return [pages.get(r, empty) for r in refs]

            loader = self._hops[key] = DataLoader(load_fn=load)
        return loader

    async def list_nodes(self, label: NodeLabel, query: NodeQuery, page: PageRequest) -> Page[Node]:
        """``list_nodes`` memoised for the request (the same list asked twice costs one call)."""
        key: ListKey = (label, query, page)
        cached = self._lists.get(key)
        if cached is None:
            cached = self._lists[key] = await self._store.list_nodes(label, query, page)
            for node in cached.items:
                self.prime(node)
        return cached
