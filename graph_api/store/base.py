"""The storage port: what the API, the loaders and the analytics need from a graph store.

Adapters: :class:`graph_api.store.sqlite.SqliteGraphStore` (embedded, the default and the test
double) and :class:`graph_api.store.neo4j.Neo4jGraphStore` (production). Both pass the one
contract suite in ``tests/integration/test_store_contract.py``.

Vocabulary
----------
* A node is addressed by :class:`NodeRef` ``(label, id)``; ids are unique per label.
* Properties are JSON-able dicts with the camelCase names of DESIGN.md §2 (see
  :func:`graph_api.model.node_props`). Computed analytics live apart, in ``scores`` (written by
  :meth:`GraphStore.write_scores`), so reloading source data never wipes them.
* A field name in a :class:`Condition` or an ordering is a property name (``"segment"``) or
  ``"scores.<name>"`` for a score (``"scores.influence"``) or ``"id"``.
* Pages are keyset-paginated: cursors are opaque strings made by the store from the sort key and
  the id of a row; a page never slices a full list in memory.
* ``data_version`` increases with every write that changes graph data (nodes, relationships,
  erasures). Writing scores or documents does not change it: analytics record the data version
  they were computed from and compare.
"""

from __future__ import annotations

import abc
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, NamedTuple, TypeVar

from graph_api.errors import InvalidInput, Problem
from graph_api.model import NodeLabel, RelType

__all__ = [
    "Condition",
    "Direction",
    "Edge",
    "EdgeWrite",
    "EncodedEdge",
    "EncodedNode",
    "ErasureReport",
    "GraphStore",
    "Hop",
    "Node",
    "NodeQuery",
    "NodeRef",
    "NodeWrite",
    "NumberedEdge",
    "NumberedNode",
    "Op",
    "Page",
    "PageRequest",
    "Related",
    "StoreOpener",
    "TextRow",
    "UpsertResult",
    "WriteCounts",
    "nonempty_text",
]

T = TypeVar("T")


class Direction(StrEnum):
    OUT = "out"
    IN = "in"


class NodeRef(NamedTuple):
    """A node's address. A tuple, because refs are hashed by the million in loads."""

    label: NodeLabel
    id: str


@dataclass(frozen=True, slots=True)
class Node:
    label: NodeLabel
    id: str
    props: Mapping[str, Any]
    scores: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> NodeRef:
        return NodeRef(self.label, self.id)


@dataclass(frozen=True, slots=True)
class Edge:
    type: RelType
    src: NodeRef
    dst: NodeRef
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NodeWrite:
    """Upsert a node: its properties are replaced by ``props`` as a whole."""

    label: NodeLabel
    id: str
    props: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class EdgeWrite:
    """Upsert a relationship (one per type and endpoint pair): properties replaced as a whole."""

    type: RelType
    src: NodeRef
    dst: NodeRef
    props: Mapping[str, Any] = field(default_factory=dict)


EncodedNode = tuple[str, str, str]
"""A node write for bulk loads: ``(label, id, properties)``, the properties already in the
canonical JSON text of :func:`graph_api.store.paging.canonical_json`."""

EncodedEdge = tuple[str, str, str, str, str, str]
"""A relationship write for bulk loads: ``(type, source label, source id, target label,
target id, properties)``, the properties in canonical JSON text."""

NumberedNode = tuple[str, str, str, int]
"""A new node for a bulk session that numbers nodes (:meth:`GraphStore.bulk_numbers`):
``(label, id, properties, number)``."""

NumberedEdge = tuple[str, int, int, str]
"""A relationship between numbered nodes: ``(type, source number, target number,
properties)``."""

TextRow = tuple[str | None, ...]
"""A row of :meth:`GraphStore.stream_texts`: a node's id (never None), then a text or None
per field."""


def nonempty_text(value: object) -> str | None:
    """A property as :meth:`GraphStore.stream_texts` reads it: non-empty text, else None."""
    return value if isinstance(value, str) and value else None


StoreOpener = Callable[[], "GraphStore"]
"""A picklable callable that makes a new, unopened store over the same data (see
:meth:`GraphStore.opener`)."""


@dataclass(slots=True)
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def add(self, other: WriteCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass(slots=True)
class UpsertResult:
    nodes: dict[NodeLabel, WriteCounts] = field(default_factory=dict)
    edges: dict[RelType, WriteCounts] = field(default_factory=dict)
    data_version: int = 0

    @property
    def changed(self) -> bool:
        counts = [*self.nodes.values(), *self.edges.values()]
        return any(c.inserted or c.updated for c in counts)


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    CONTAINS = "contains"  # case-insensitive substring of a text property
    IS_NULL = "is_null"  # value: bool (True: the field is absent)


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: Op
    value: Any = None


@dataclass(frozen=True, slots=True)
class Related:
    """The node has a ``type`` relationship in ``direction`` to at least one of ``nodes``.

    ``Related(RelType.MEMBER_OF, Direction.OUT, (NodeRef(COMMUNITY, "c1"),))`` keeps members of
    c1; an empty ``nodes`` keeps nothing. ``edge`` conditions filter that relationship's props.
    """

    type: RelType
    direction: Direction
    nodes: tuple[NodeRef, ...]
    edge: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeQuery:
    """Filter and order for listing nodes (or the far ends of relationships)."""

    conditions: tuple[Condition, ...] = ()
    related: tuple[Related, ...] = ()
    order_by: str = "id"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Relay-style window: ``first``/``after`` forwards or ``last``/``before`` backwards."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


@dataclass(frozen=True, slots=True)
class Hop:
    """One relationship seen from a node: the relationship and the node at its far end."""

    edge: Edge
    node: Node


@dataclass(slots=True)
class ErasureReport:
    customer_id: str
    nodes_deleted: dict[NodeLabel, int] = field(default_factory=dict)
    relationships_deleted: int = 0
    data_version: int = 0


class GraphStore(abc.ABC):
    """The port. Every method is a coroutine (or an async iterator); none blocks the loop."""

    # -- lifecycle ---------------------------------------------------------------------------

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect, create or migrate the schema. Raises ConfigError / StoreUnavailable."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def ping(self) -> None:
        """Return when the store answers; raise StoreUnavailable otherwise."""

    async def __aenter__(self) -> GraphStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- writes ------------------------------------------------------------------------------

    @abc.abstractmethod
    async def upsert(
        self, nodes: Sequence[NodeWrite] = (), edges: Sequence[EdgeWrite] = ()
    ) -> UpsertResult:
        """Insert or replace nodes, then relationships, in one transaction.

        Relationship endpoints must exist after the nodes are written, else InvalidInput is
        raised and nothing is written. Unchanged rows are counted, not rewritten; the data
        version increases once if anything changed.
        """

    def opener(self) -> StoreOpener | None:
        """How another process can open this store to read what is committed, or None.

        Bulk loads use it to validate in a second process while this one writes. The copy
        must see committed data only (not an open :meth:`atomic_bulk` session's writes) and
        must not need a write lock to open. The default, None, keeps loads in one process.
        """
        return None

    def atomic_bulk(self) -> AbstractAsyncContextManager[None] | None:
        """An all-or-nothing session for bulk loads, or None when the store has none.

        Inside ``async with store.atomic_bulk():`` writes from this task and the tasks it
        starts become visible together when the block ends, and not at all when it raises;
        other writers wait until then. Reads from those tasks see the session's writes.
        Loaders use it to write files while later files are still being validated. Without
        it (None, the default) they validate everything before writing anything, in batch
        transactions.
        """
        return None

    async def bulk_nodes_written(self) -> None:
        """A hint inside :meth:`atomic_bulk`: this session writes no more nodes.

        A store that put off its node indexes until the session's end may build them now,
        while the caller goes on preparing relationships (SQLite: the work then overlaps the
        rest of a load instead of lengthening its commit). Writing nodes afterwards stays
        correct. The default does nothing; outside a session it does nothing either.
        """
        return None

    async def bulk_indexes_now(self) -> None:
        """A hint inside :meth:`atomic_bulk`: what this session still writes is small next to
        what it has written.

        A store that put off indexes until the session's end may build them all now, while
        the caller is still preparing its last rows, and keep them up to date row by row for
        those (SQLite: the build then overlaps validation instead of lengthening the
        commit). Everything stays correct whatever comes after. The default does nothing;
        outside a session it does nothing either.
        """
        return None

    async def settled(self) -> None:
        """Wait for the housekeeping a store does in the background after a bulk session's
        commit (SQLite: copying the session's log into the database file), so that a
        caller timing a load counts it. The data is committed and readable before; the
        default has nothing to wait for."""
        return None

    async def bulk_numbers(self) -> int | None:
        """Inside :meth:`atomic_bulk`: the first number this session may give the nodes it
        creates, or None when the store does not number nodes (the default).

        A loader that knows which of its nodes are new (their labels had no node when the
        session began) may number them from here up, each number once, gaps allowed, and
        write them and the relationships between them with :meth:`upsert_numbered`: the
        store then finds a relationship's ends by number instead of looking up two ids
        (SQLite: a third less time per relationship on the large data set).
        """
        return None

    async def upsert_numbered(
        self, nodes: Sequence[NumberedNode] = (), edges: Sequence[NumberedEdge] = ()
    ) -> UpsertResult:
        """Write new nodes with their numbers, then relationships whose ends are numbered
        nodes of this session, as :meth:`upsert_encoded` would (same counts). Only inside a
        session whose :meth:`bulk_numbers` was not None; a node that exists already, or a
        number outside what the session may give, refuses the whole batch (InvalidInput).
        The caller vouches that each end has been (or will be, in this session) written,
        with a label the relationship type allows."""
        raise InvalidInput(
            f"{type(self).__name__} does not number nodes (bulk_numbers() is None)",
            [Problem("upsert_numbered", "", "not supported by this store")],
        )

    async def upsert_encoded(
        self, nodes: Sequence[EncodedNode] = (), edges: Sequence[EncodedEdge] = ()
    ) -> UpsertResult:
        """:meth:`upsert` for bulk loads: plain tuples, properties already encoded.

        Same semantics and counts as :meth:`upsert`. Loaders encode each row's properties
        once, while validating; a store that keeps JSON text (SQLite) then writes it as it is
        instead of building and encoding a write object per record. This default decodes and
        calls :meth:`upsert`.
        """
        try:
            node_writes = [NodeWrite(NodeLabel(lbl), i, json.loads(p)) for lbl, i, p in nodes]
            edge_writes = [
                EdgeWrite(
                    RelType(t),
                    NodeRef(NodeLabel(sl), si),
                    NodeRef(NodeLabel(dl), di),
                    json.loads(p),
                )
                for t, sl, si, dl, di, p in edges
            ]
        except ValueError as exc:
            raise InvalidInput(f"malformed encoded write: {exc}") from exc
        return await self.upsert(node_writes, edge_writes)

    @abc.abstractmethod
    async def delete_edges(self, edges: Sequence[EdgeWrite]) -> int:
        """Delete these relationships (props ignored); returns how many existed."""

    @abc.abstractmethod
    async def erase_customer(self, customer_id: str) -> ErasureReport:
        """Erase a customer and everything personal about them, in one transaction.

        Deletes the Customer node, every relationship touching it, the Profiles linked to it by
        a *confirmed* HAS_PROFILE, and the Interactions performed by the customer or those
        profiles (with all their relationships). Raises NotFound if there is no such customer.
        """

    @abc.abstractmethod
    async def write_scores(
        self, label: NodeLabel, scores: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> int:
        """Merge score maps onto nodes by id (unknown ids are ignored); returns nodes written.

        With ``replace=True`` every node of ``label`` first loses its scores. Not a data change.
        """

    # -- reads -------------------------------------------------------------------------------

    @abc.abstractmethod
    async def get_nodes(self, label: NodeLabel, ids: Sequence[str]) -> dict[str, Node]:
        """The nodes among ``ids`` that exist, by id."""

    @abc.abstractmethod
    async def list_nodes(
        self, label: NodeLabel, query: NodeQuery = NodeQuery(), page: PageRequest = PageRequest()
    ) -> Page[Node]:
        """Filtered, ordered, keyset-paginated nodes of one label, with the total count."""

    @abc.abstractmethod
    async def neighbours(
        self,
        refs: Sequence[NodeRef],
        type: RelType,
        direction: Direction,
        *,
        query: NodeQuery = NodeQuery(),
        edge: Sequence[Condition] = (),
        page: PageRequest = PageRequest(),
    ) -> dict[NodeRef, Page[Hop]]:
        """For many nodes at once, their ``type`` relationships in ``direction``, one page each.

        ``query`` filters and orders the far nodes, ``edge`` filters relationship props. Every
        ref gets a page (empty when it has no such relationships or does not exist).
        """

    @abc.abstractmethod
    async def count_nodes(self, label: NodeLabel) -> int: ...

    @abc.abstractmethod
    async def count_edges(self, type: RelType) -> int: ...

    @abc.abstractmethod
    def stream_nodes(
        self, label: NodeLabel, *, batch_size: int = 10_000
    ) -> AsyncIterator[list[Node]]:
        """Every node of a label, in id order, in batches (for analytics and exports)."""

    @abc.abstractmethod
    def stream_edges(self, type: RelType, *, batch_size: int = 10_000) -> AsyncIterator[list[Edge]]:
        """Every relationship of a type, in batches."""

    async def stream_texts(
        self, label: NodeLabel, fields: Sequence[str], *, batch_size: int = 10_000
    ) -> AsyncIterator[list[TextRow]]:
        """``(id, text of each field…)`` for every node of a label, in id order, in batches.

        A field that is absent, or holds anything but non-empty text, reads as None. This is
        :meth:`stream_nodes` for readers of a few text properties (identity resolution); a
        store may answer it without decoding whole nodes (SQLite: several times faster).
        """
        async for batch in self.stream_nodes(label, batch_size=batch_size):
            yield [(n.id, *(nonempty_text(n.props.get(f)) for f in fields)) for n in batch]

    @abc.abstractmethod
    async def data_version(self) -> int: ...

    # -- documents: small JSON records the service keeps beside the graph --------------------

    @abc.abstractmethod
    async def put_document(self, key: str, value: Mapping[str, Any]) -> None:
        """Store a JSON document under a key (analytics runs, community profiles)."""

    @abc.abstractmethod
    async def get_document(self, key: str) -> dict[str, Any] | None: ...
