"""Per-request batching: ``get_nodes`` and ``neighbours`` shared by sibling resolvers.

One :class:`Loaders` lives in each request's context, so nothing is cached across requests.
A batch exists per *shape* of the call (relationship, direction, filter, edge filter, page
window): every parent asking for the same shape during one turn of the event loop shares one
store call.

:class:`Batch` is a DataLoader reduced to what a request uses (load one key, remember it for
the request, errors included). strawberry's ``DataLoader`` did the same with caches, batch
objects and tasks of its own, and priming every node a relationship returned: about a tenth of
what the customer card cost in-process. Nodes that relationships and lists return are kept in a
plain dict instead, where :meth:`Loaders.get` looks first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

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

__all__ = ["Batch", "Loaders", "freeze"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

HopKey = tuple[RelType, Direction, NodeQuery, tuple[Condition, ...], PageRequest]
ListKey = tuple[NodeLabel, NodeQuery, PageRequest]


def freeze(value: Any) -> Any:
    """Lists become tuples so that filter values can be part of a loader key."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


class Batch(Generic[K, V]):
    """Keys asked for during one turn of the event loop, loaded by one call of ``load_many``
    (which answers one value per key, in order); each key is loaded once per request."""

    __slots__ = ("_futures", "_load_many", "_queue")

    def __init__(self, load_many: Callable[[list[K]], Awaitable[Sequence[V]]]) -> None:
        self._load_many = load_many
        self._futures: dict[K, asyncio.Future[V]] = {}
        self._queue: list[K] = []

    def load(self, key: K) -> asyncio.Future[V]:
        future = self._futures.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._futures[key] = loop.create_future()
            if not self._queue:  # the first key of a batch: send it after this turn
                loop.call_soon(self._dispatch, loop)
            self._queue.append(key)
        return future

    def _dispatch(self, loop: asyncio.AbstractEventLoop) -> None:
        keys, self._queue = self._queue, []
        loop.create_task(self._run(keys))

    async def _run(self, keys: list[K]) -> None:
        futures = [self._futures[k] for k in keys]
        if all(f.cancelled() for f in futures):  # nobody waits any more
            return
        try:
            values = list(await self._load_many(keys))
            if len(values) != len(keys):
                raise RuntimeError(f"batch loaded {len(values)} values for {len(keys)} keys")
        except Exception as exc:
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, value in zip(futures, values, strict=True):
            if not future.done():
                future.set_result(value)


class Loaders:
    """The batches of one request."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._known: dict[NodeRef, Node] = {}
        self._nodes: dict[NodeLabel, Batch[str, Node | None]] = {}
        self._hops: dict[HopKey, Batch[NodeRef, Page[Hop]]] = {}
        self._lists: dict[ListKey, Page[Node]] = {}

    # The batches' functions close over the store and the known nodes, never over ``self``:
    # a request then leaves no reference cycle behind, and its objects go with their last
    # reference instead of waiting for the cyclic GC.

    def node(self, label: NodeLabel) -> Batch[str, Node | None]:
        batch = self._nodes.get(label)
        if batch is None:
            store = self._store

            async def load(ids: list[str]) -> list[Node | None]:
                found = await store.get_nodes(label, ids)
                return [found.get(i) for i in ids]

            batch = self._nodes[label] = Batch(load)
        return batch

    async def get(self, ref: NodeRef) -> Node | None:
        known = self._known.get(ref)
        if known is not None:
            return known
        return await self.node(ref.label).load(ref.id)

    def prime(self, node: Node) -> None:
        """Remember a node the request has seen: :meth:`get` then needs no store call."""
        self._known.setdefault(node.ref, node)

    def hops(
        self,
        type: RelType,
        direction: Direction,
        *,
        query: NodeQuery = NodeQuery(),
        edge: Sequence[Condition] = (),
        page: PageRequest = PageRequest(),
    ) -> Batch[NodeRef, Page[Hop]]:
        key: HopKey = (type, direction, query, tuple(edge), page)
        batch = self._hops.get(key)
        if batch is None:
            store, known, conditions = self._store, self._known, key[3]

            async def load(refs: list[NodeRef]) -> list[Page[Hop]]:
                pages = await store.neighbours(
                    refs, type, direction, query=query, edge=conditions, page=page
                )
                for result in pages.values():
                    for hop in result.items:
                        known.setdefault(hop.node.ref, hop.node)
                empty: Page[Hop] = Page([], [], False, False, 0)
                return [pages.get(r, empty) for r in refs]

            batch = self._hops[key] = Batch(load)
        return batch

    async def list_nodes(self, label: NodeLabel, query: NodeQuery, page: PageRequest) -> Page[Node]:
        """``list_nodes`` memoised for the request (the same list asked twice costs one call)."""
        key: ListKey = (label, query, page)
        cached = self._lists.get(key)
        if cached is None:
            cached = self._lists[key] = await self._store.list_nodes(label, query, page)
            for node in cached.items:
                self.prime(node)
        return cached
