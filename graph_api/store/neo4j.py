"""Neo4jGraphStore: the production store, on the official async neo4j driver.

All Cypher lives in :mod:`graph_api.store.cypher` (values only as ``$parameters``, labels and
types only from the closed enums). This module plans the statements, runs them in managed
transactions and maps records to the port's types.

* Reads run in ``session.execute_read`` (routed to followers / read replicas in a cluster),
  writes in ``session.execute_write`` (to the leader); both retry transient failures (leader
  switch, deadlock) for up to ``max_transaction_retry_time``, so each transaction function
  builds its result from scratch and may run more than once.
* Every session shares the driver's ``execute_query_bookmark_manager``: a read in this process
  always sees the writes this process made before, on any cluster member.
* Driver errors are translated at this boundary (``raise X(...) from exc``):
  ServiceUnavailable / SessionExpired / exhausted TransientError → StoreUnavailable,
  AuthError / Forbidden / unknown database → ConfigError, ConstraintError → Conflict,
  type or argument errors (bad values) → InvalidInput, anything else (our own statement
  faults included) → StoreError.

Data model (docs/neo4j.md): node ``id`` is a property with a uniqueness constraint per label;
source properties are plain properties; a score ``s`` is the property ``score_s`` (scalars) or
``scorejson_s`` (lists and maps as JSON text) and a query field ``scores.s`` reads ``score_s``.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Final, LiteralString, TypeVar

from neo4j import (
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    Record,
)
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    ConstraintError,
    CypherSyntaxError,
    CypherTypeError,
    DriverError,
    Forbidden,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from pydantic import SecretStr

from graph_api import config as _config
from graph_api.errors import (
    ConfigError,
    Conflict,
    GraphApiError,
    InvalidInput,
    NotFound,
    Problem,
    StoreError,
    StoreUnavailable,
)
from graph_api.model import RELATIONSHIPS, LinkStatus, NodeLabel, RelType
from graph_api.store import cypher, paging
from graph_api.store.base import (
    Condition,
    Direction,
    Edge,
    EdgeWrite,
    ErasureReport,
    GraphStore,
    Hop,
    Node,
    NodeQuery,
    NodeRef,
    NodeWrite,
    Op,
    Page,
    PageRequest,
    UpsertResult,
    WriteCounts,
)
from graph_api.store.paging import canonical_json, check_field

__all__ = ["Neo4jGraphStore"]

T = TypeVar("T")

"""A query field: a property name or ``scores.<name>`` (checked with ``fullmatch``)."""
SCORE_NAME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
WRITE_BATCH: Final = 5_000
_RESERVED: Final = (cypher.SCORE_PREFIX, cypher.SCORE_JSON_PREFIX)
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1

Work = Callable[[AsyncManagedTransaction], Awaitable[T]]


def _q(text: str) -> LiteralString:
    # The driver asks for LiteralString. Every statement comes from graph_api.store.cypher:
    # constants, or templates filled only with enum members (see cypher.fill). mypy treats
    # LiteralString as str, so no cast is needed (or allowed) here.
    return text


async def _records(tx: AsyncManagedTransaction, text: str, **params: Any) -> list[Record]:
    result = await tx.run(_q(text), params)
    return [record async for record in result]


async def _single(tx: AsyncManagedTransaction, text: str, **params: Any) -> Record | None:
    result = await tx.run(_q(text), params)
    return await result.single()


async def _consume(tx: AsyncManagedTransaction, text: str, **params: Any) -> None:
    result = await tx.run(_q(text), params)
    await result.consume()


def _chunks(rows: list[T], size: int = WRITE_BATCH) -> Iterable[list[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# --- values ------------------------------------------------------------------------------------


def _is_reserved(key: str) -> bool:
    return key.startswith(_RESERVED)


def _scalar_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a Neo4j property here, or None if it can."""
    if isinstance(value, (bool, str)):
        return None
    if isinstance(value, int):
        return None if _INT_MIN <= value <= _INT_MAX else "integer out of the 64-bit range"
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number"
    return f"{type(value).__name__} is not a JSON scalar (string, number, boolean)"


def _store_props(where: str, props: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """Source properties as stored: nulls dropped (Neo4j has no null properties), checked."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None:
            continue
        if not isinstance(key, str) or not key:
            problems.append(Problem(where, str(key), "property names are non-empty strings"))
        elif key == "id":
            problems.append(Problem(where, key, "id is the node's key, not a property"))
        elif _is_reserved(key):
            problems.append(
                Problem(where, key, f"names starting with {' or '.join(_RESERVED)} are reserved")
            )
        elif (why := _scalar_problem(value)) is not None:
            problems.append(Problem(where, key, why))
        else:
            out[key] = value
    return out


def _split_props(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Stored node properties → (source props without id, scores)."""
    props: dict[str, Any] = {}
    scores: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "id":
            continue
        if key.startswith(cypher.SCORE_JSON_PREFIX):
            scores[key[len(cypher.SCORE_JSON_PREFIX) :]] = json.loads(value)
        elif key.startswith(cypher.SCORE_PREFIX):
            scores[key[len(cypher.SCORE_PREFIX) :]] = value
        else:
            props[key] = value
    return props, scores


def _node(label: NodeLabel, node_id: str, raw: Mapping[str, Any]) -> Node:
    props, scores = _split_props(raw)
    return Node(label, node_id, props, scores)


_LABELS: Final = frozenset(label.value for label in NodeLabel)


def _label_of(labels: Sequence[str]) -> NodeLabel:
    for name in labels:
        if name in _LABELS:
            return NodeLabel(name)
    raise StoreError(f"a node with labels {list(labels)} is not part of the graph model")


def _label(value: str) -> NodeLabel:
    try:
        return NodeLabel(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{value!r} is not a node label",
            [Problem("label", str(value), f"use one of {', '.join(NodeLabel)}")],
        ) from exc


def _rel_type(value: str) -> RelType:
    try:
        return RelType(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{value!r} is not a relationship type",
            [Problem("type", str(value), f"use one of {', '.join(RelType)}")],
        ) from exc


def _property_key(field: str) -> str:
    """The stored property a query field reads; raises InvalidInput for a bad name."""
    if field == "id":
        return "id"
    if not isinstance(field, str):
        raise InvalidInput("a field name must be text", [Problem("query", str(field), "not text")])
    check_field(field)
    if field.startswith("scores."):
        return cypher.SCORE_PREFIX + field[len("scores.") :]
    if _is_reserved(field):
        raise InvalidInput(
            f"{field!r} is not a field name",
            [Problem("query", field, "write scores.<name> to read a score")],
        )
    return field


def _query_value(field: str, value: Any) -> Any:
    if value is None or _scalar_problem(value) is None:
        return value
    raise InvalidInput(f"{value!r} cannot be compared", [Problem("query", field, "not a scalar")])


def _condition(cond: Condition) -> dict[str, Any]:
    """A condition as the ``$nodeConds`` / ``$edgeConds`` element of cypher.CONDITIONS."""
    key = _property_key(cond.field)
    op = Op(cond.op)
    if op is Op.IS_NULL:
        return {"op": op.value, "key": key, "value": cond.value in (True, None)}
    if op is Op.IN:
        values = cond.value
        if not isinstance(values, (list, tuple, set, frozenset)):
            raise InvalidInput("IN needs a list", [Problem("query", cond.field, "not a list")])
        return {"op": op.value, "key": key, "value": [_query_value(cond.field, v) for v in values]}
    if op is Op.CONTAINS:
        return {"op": op.value, "key": key, "value": str(cond.value)}
    return {"op": op.value, "key": key, "value": _query_value(cond.field, cond.value)}


# --- cursors: the same format as the SQLite store ---------------------------------------------


class _Window(paging.Window[T]):
    """One ordering and page request, as Cypher keyset bounds (shared logic in paging.py)."""

    def __init__(self, query: NodeQuery, page: PageRequest) -> None:
        super().__init__(query, page)
        self.key = _property_key(query.order_by)
        self.by_id = self.key == "id"
        self.bounds: list[cypher.Bound] = []
        self.bound_params: list[dict[str, Any]] = []
        if self.after is not None:
            self._bound(self.after, self.scan_desc, nulls_after=not self.backward)
        if self.other_bound is not None:
            self._bound(self.other_bound, not self.scan_desc, nulls_after=self.backward)

    def _bound(self, cursor: str, descending: bool, *, nulls_after: bool) -> None:
        key, node_id = paging.decode_cursor(cursor, self.order, self.desc)
        if key is not None and _scalar_problem(key) is not None:
            raise InvalidInput("cursor is not valid", [Problem("page", "cursor", "bad sort key")])
        self.bounds.append(cypher.Bound(null_key=key is None, descending=descending))
        self.bound_params.append({"key": key, "id": node_id, "nullsAfter": nulls_after})

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"bounds": self.bound_params, "rowLimit": self.limit + 1}
        if not self.by_id:
            params["orderKey"] = self.key
        return params


def _query_params(query: NodeQuery) -> tuple[list[tuple[RelType, bool]], dict[str, Any]]:
    """Related filters' shapes and the ``$nodeConds`` / ``$related`` parameters."""
    shapes: list[tuple[RelType, bool]] = []
    related: list[dict[str, Any]] = []
    for rel in query.related:
        shapes.append((_rel_type(rel.type), Direction(rel.direction) is Direction.OUT))
        related.append(
            {
                "nodes": [{"label": _label(r.label).value, "id": r.id} for r in rel.nodes],
                "edge": [_condition(c) for c in rel.edge],
            }
        )
    return shapes, {"nodeConds": [_condition(c) for c in query.conditions], "related": related}


# --- errors -----------------------------------------------------------------------------------


def _translate(exc: Exception, where: str) -> GraphApiError:
    """The service's exception for a driver exception (the caller raises it ``from exc``)."""
    if isinstance(exc, AuthError):
        return ConfigError(
            f"Neo4j at {where} refused the credentials ({exc.message}); set "
            "GRAPH_API_NEO4J_USER and GRAPH_API_NEO4J_PASSWORD to a valid user"
        )
    if isinstance(exc, Forbidden):
        return ConfigError(
            f"the Neo4j user may not do this on {where} ({exc.message}); grant it read and write "
            "access (and schema rights for the first start)"
        )
    if isinstance(exc, (ServiceUnavailable, SessionExpired)):
        return StoreUnavailable(
            f"Neo4j at {where} cannot be reached: {exc}; is the server up (`docker compose up "
            "neo4j`) and GRAPH_API_NEO4J_URI right?"
        )
    if isinstance(exc, TransientError):
        return StoreUnavailable(f"Neo4j is busy, retries ran out: {exc.message}; try again")
    if isinstance(exc, ConstraintError):
        return Conflict(f"the write contradicts a constraint of the store: {exc.message}")
    if isinstance(exc, CypherSyntaxError):
        return StoreError(f"the store rejected a statement of this program: {exc.message}")
    if isinstance(exc, ClientError):
        if exc.code == "Neo.ClientError.Database.DatabaseNotFound":
            return ConfigError(
                f"{exc.message}; set GRAPH_API_NEO4J_DATABASE to an existing database "
                "(or unset it for the user's home database)"
            )
        if (
            isinstance(exc, CypherTypeError)
            or exc.code == "Neo.ClientError.Statement.ArgumentError"
        ):
            return InvalidInput(f"Neo4j refused a value of the request: {exc.message}")
        # SemanticError, ParameterMissing …: a fault of this program's statements
        return StoreError(f"Neo4j refused a statement of this program: {exc.message}")
    if isinstance(exc, ConfigurationError):
        return ConfigError(f"the Neo4j driver configuration cannot work: {exc}")
    if isinstance(exc, Neo4jError):
        return StoreError(f"Neo4j failed: {exc.message}")
    return StoreError(f"the Neo4j driver failed: {exc}")


# --- the store --------------------------------------------------------------------------------


class Neo4jGraphStore(GraphStore):
    """The Neo4j adapter. Nothing connects before :meth:`open`.

    ``password`` None or empty means no authentication (a server with ``NEO4J_AUTH=none``);
    ``database`` None means the user's home database.
    """

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str | SecretStr | None = None,
        database: str | None = None,
        *,
        connection_timeout: float = 10.0,
        max_transaction_retry_time: float = 30.0,
    ) -> None:
        self.uri = uri
        self.database = database or None
        secret = password.get_secret_value() if isinstance(password, SecretStr) else password
        self._auth: tuple[str, str] | None = (user, secret) if secret else None
        self._connection_timeout = connection_timeout
        self._max_retry_time = max_transaction_retry_time
        self._driver: AsyncDriver | None = None

    @classmethod
    def from_settings(cls, settings: _config.Settings) -> Neo4jGraphStore:
        if not settings.neo4j_uri:
            raise ConfigError(
                "GRAPH_API_STORE=neo4j needs GRAPH_API_NEO4J_URI (e.g. neo4j://localhost:7687)"
            )
        return cls(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            settings.neo4j_database,
        )

    def __repr__(self) -> str:
        return f"Neo4jGraphStore({self.uri!r}, database={self.database!r})"

    # -- lifecycle ------------------------------------------------------------------------------

    async def open(self) -> None:
        if self._driver is not None:
            return
        try:
            driver = AsyncGraphDatabase.driver(
                self.uri,
                auth=self._auth,
                connection_timeout=self._connection_timeout,
                connection_acquisition_timeout=max(60.0, 2 * self._connection_timeout),
                max_transaction_retry_time=self._max_retry_time,
                user_agent="graph-api",
            )
        except (ConfigurationError, ValueError) as exc:
            raise ConfigError(
                f"cannot use Neo4j URI {self.uri!r}: {exc}; expected e.g. neo4j://localhost:7687"
            ) from exc
        try:
            await driver.verify_connectivity()
            for statement in cypher.schema_statements():
                await self._session_write(driver, _schema_work(statement))
        except BaseException as exc:
            await driver.close()
            if isinstance(exc, (Neo4jError, DriverError)):
                raise _translate(exc, self.uri) from exc
            raise
        self._driver = driver

    async def close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            await driver.close()

    async def ping(self) -> None:
        driver = self._require()
        try:
            await driver.verify_connectivity()
        except (Neo4jError, DriverError) as exc:
            raise _translate(exc, self.uri) from exc

    async def delete_everything(self) -> None:
        """Delete every node of this service's labels (tests only; constraints stay)."""
        driver = self._require()
        labels = [label.value for label in NodeLabel] + [cypher.META_LABEL, cypher.DOCUMENT_LABEL]
        try:
            async with driver.session(
                database=self.database, bookmark_manager=driver.execute_query_bookmark_manager
            ) as session:
                result = await session.run(_q(cypher.DELETE_EVERYTHING), {"labels": labels})
                await result.consume()
        except (Neo4jError, DriverError) as exc:
            raise _translate(exc, self.uri) from exc

    # -- transactions ---------------------------------------------------------------------------

    def _require(self) -> AsyncDriver:
        if self._driver is None:
            raise StoreUnavailable("the Neo4j store is not open (call open() first)")
        return self._driver

    async def _session_write(self, driver: AsyncDriver, work: Work[T]) -> T:
        async with driver.session(
            database=self.database, bookmark_manager=driver.execute_query_bookmark_manager
        ) as session:
            return await session.execute_write(work)

    async def _read(self, work: Work[T]) -> T:
        driver = self._require()
        try:
            async with driver.session(
                database=self.database, bookmark_manager=driver.execute_query_bookmark_manager
            ) as session:
                return await session.execute_read(work)
        except (Neo4jError, DriverError) as exc:
            raise _translate(exc, self.uri) from exc

    async def _write(self, work: Work[T]) -> T:
        driver = self._require()
        try:
            return await self._session_write(driver, work)
        except (Neo4jError, DriverError) as exc:
            raise _translate(exc, self.uri) from exc

    # -- writes ---------------------------------------------------------------------------------

    async def upsert(
        self, nodes: Sequence[NodeWrite] = (), edges: Sequence[EdgeWrite] = ()
    ) -> UpsertResult:
        problems: list[Problem] = []
        by_label: dict[NodeLabel, dict[str, dict[str, Any]]] = defaultdict(dict)
        sent_nodes: dict[NodeLabel, int] = defaultdict(int)
        for n in nodes:
            label = _label(n.label)
            if not n.id:
                raise InvalidInput("node without id", [Problem(label, "id", "empty")])
            by_label[label][n.id] = _store_props(f"{label}:{n.id}", n.props, problems)
            sent_nodes[label] += 1
        by_type: dict[tuple[RelType, NodeLabel, NodeLabel], dict[tuple[str, str], Any]] = (
            defaultdict(dict)
        )
        sent_edges: dict[RelType, int] = defaultdict(int)
        for e in edges:
            rel = _rel_type(e.type)
            src, dst = (
                NodeRef(_label(e.src.label), e.src.id),
                NodeRef(_label(e.dst.label), e.dst.id),
            )
            spec = RELATIONSHIPS[rel]
            if src.label not in spec.sources or dst.label not in spec.targets:
                raise InvalidInput(
                    f"{rel} cannot connect {src.label} to {dst.label}",
                    [Problem(f"{src.label}:{src.id}", rel, "wrong endpoint labels")],
                )
            where = f"{rel} {src.label}:{src.id}->{dst.label}:{dst.id}"
            props = _store_props(where, e.props, problems)
            by_type[(rel, src.label, dst.label)][(src.id, dst.id)] = props
            sent_edges[rel] += 1
        if problems:
            raise InvalidInput("some properties cannot be stored", problems)
        endpoints = {NodeRef(_label(e.src.label), e.src.id) for e in edges} | {
            NodeRef(_label(e.dst.label), e.dst.id) for e in edges
        }

        async def work(tx: AsyncManagedTransaction) -> UpsertResult:
            result = UpsertResult()
            for label, wanted in by_label.items():
                counts = result.nodes.setdefault(label, WriteCounts())
                records = await _records(
                    tx, cypher.fill(cypher.GET_NODES, LABEL=label), ids=list(wanted)
                )
                existing = {r["id"]: canonical_json(_split_props(r["props"])[0]) for r in records}
                rows = []
                for node_id, props in wanted.items():
                    if node_id not in existing:
                        counts.inserted += 1
                    elif existing[node_id] != canonical_json(props):
                        counts.updated += 1
                    else:
                        continue
                    rows.append({"id": node_id, "props": props})
                counts.unchanged += sent_nodes[label] - counts.inserted - counts.updated
                for chunk in _chunks(rows):
                    await _consume(
                        tx,
                        cypher.fill(cypher.UPSERT_NODES, LABEL=label),
                        rows=chunk,
                        reserved=list(_RESERVED),
                    )
            if by_type:
                await _check_endpoints(tx, endpoints)
            for (rel, src_label, dst_label), wanted_edges in by_type.items():
                counts = result.edges.setdefault(rel, WriteCounts())
                pairs = [{"src": s, "dst": d} for s, d in wanted_edges]
                records = await _records(
                    tx,
                    cypher.fill(cypher.GET_EDGES, SRC=src_label, TYPE=rel, DST=dst_label),
                    pairs=pairs,
                )
                existing_edges = {(r["src"], r["dst"]): canonical_json(r["props"]) for r in records}
                edge_rows = []
                for (s, d), props in wanted_edges.items():
                    old = existing_edges.get((s, d))
                    if old is None:
                        counts.inserted += 1
                    elif old != canonical_json(props):
                        counts.updated += 1
                    else:
                        continue
                    edge_rows.append({"src": s, "dst": d, "props": props})
                for chunk in _chunks(edge_rows):
                    await _consume(
                        tx,
                        cypher.fill(cypher.UPSERT_EDGES, SRC=src_label, TYPE=rel, DST=dst_label),
                        rows=chunk,
                    )
            for rel, counts in result.edges.items():
                counts.unchanged = sent_edges[rel] - counts.inserted - counts.updated
            result.data_version = await (_bump_version(tx) if result.changed else _version(tx))
            return result

        return await self._write(work)

    async def delete_edges(self, edges: Sequence[EdgeWrite]) -> int:
        groups: dict[tuple[RelType, NodeLabel, NodeLabel], set[tuple[str, str]]] = defaultdict(set)
        for e in edges:
            key = (_rel_type(e.type), _label(e.src.label), _label(e.dst.label))
            groups[key].add((e.src.id, e.dst.id))

        async def work(tx: AsyncManagedTransaction) -> int:
            deleted = 0
            for (rel, src_label, dst_label), pairs in groups.items():
                statement = cypher.fill(cypher.DELETE_EDGES, SRC=src_label, TYPE=rel, DST=dst_label)
                for chunk in _chunks(sorted(pairs)):
                    record = await _single(
                        tx, statement, pairs=[{"src": s, "dst": d} for s, d in chunk]
                    )
                    deleted += int(record["deleted"]) if record else 0
            if deleted:
                await _bump_version(tx)
            return deleted

        return await self._write(work) if groups else 0

    async def erase_customer(self, customer_id: str) -> ErasureReport:
        async def work(tx: AsyncManagedTransaction) -> ErasureReport:
            found = await _single(
                tx,
                cypher.ERASE_FIND_PROFILES,
                customerId=customer_id,
                confirmed=LinkStatus.CONFIRMED.value,
            )
            if found is None:
                raise NotFound(f"no customer with id {customer_id!r}")
            profiles = sorted(set(found["profileIds"]))
            acts = await _single(
                tx, cypher.ERASE_FIND_INTERACTIONS, customerId=customer_id, profileIds=profiles
            )
            interactions = (
                sorted(set(acts["fromCustomer"]) | set(acts["fromProfiles"])) if acts else []
            )
            deleted = await _single(
                tx,
                cypher.ERASE_DELETE,
                customerId=customer_id,
                profileIds=profiles,
                interactionIds=interactions,
            )
            relationships = int(deleted["relationships"]) if deleted else 0
            version = await _bump_version(tx)
            counts = {NodeLabel.CUSTOMER: 1}
            if profiles:
                counts[NodeLabel.PROFILE] = len(profiles)
            if interactions:
                counts[NodeLabel.INTERACTION] = len(interactions)
            return ErasureReport(customer_id, counts, relationships, version)

        return await self._write(work)

    async def write_scores(
        self, label: NodeLabel, scores: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> int:
        label = _label(label)
        rows = [_score_row(node_id, values) for node_id, values in scores.items()]

        async def work(tx: AsyncManagedTransaction) -> int:
            if replace:
                await _consume(
                    tx, cypher.fill(cypher.CLEAR_SCORES, LABEL=label), reserved=list(_RESERVED)
                )
            written = 0
            statement = cypher.fill(cypher.WRITE_SCORES, LABEL=label)
            for chunk in _chunks(rows):
                record = await _single(tx, statement, rows=chunk)
                written += int(record["written"]) if record else 0
            return written

        return await self._write(work)

    # -- reads ----------------------------------------------------------------------------------

    async def get_nodes(self, label: NodeLabel, ids: Sequence[str]) -> dict[str, Node]:
        if not ids:
            return {}
        label = _label(label)
        unique = list(dict.fromkeys(ids))

        async def work(tx: AsyncManagedTransaction) -> dict[str, Node]:
            records = await _records(tx, cypher.fill(cypher.GET_NODES, LABEL=label), ids=unique)
            return {r["id"]: _node(label, r["id"], r["props"]) for r in records}

        return await self._read(work)

    async def list_nodes(
        self, label: NodeLabel, query: NodeQuery = NodeQuery(), page: PageRequest = PageRequest()
    ) -> Page[Node]:
        label = _label(label)
        window = _Window[Node](query, page)
        shapes, params = _query_params(query)
        count_statement, page_statement = cypher.list_nodes_statements(
            label,
            by_id=window.by_id,
            related=shapes,
            bounds=window.bounds,
            scan_desc=window.scan_desc,
            backward=window.backward,
        )
        count_params = dict(params)
        if not window.by_id:
            count_params["orderKey"] = window.key
        page_params = {**params, **window.params()}

        async def work(tx: AsyncManagedTransaction) -> Page[Node]:
            record = await _single(tx, count_statement, **count_params)
            total = int(record["total"]) if record else 0
            records = await _records(tx, page_statement, **page_params)
            rows = [(r["sortKey"], _node(label, r["id"], r["props"]), r["id"]) for r in records]
            return window.page(rows, total)

        return await self._read(work)

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
        rel = _rel_type(type)
        outgoing = Direction(direction) is Direction.OUT
        window = _Window[Hop](query, page)
        shapes, params = _query_params(query)
        params = {**params, **window.params(), "edgeConds": [_condition(c) for c in edge]}
        by_label: dict[NodeLabel, list[str]] = defaultdict(list)
        for ref in dict.fromkeys(refs):
            by_label[_label(ref.label)].append(ref.id)
        statements = {
            label: cypher.neighbours_statement(
                label,
                rel,
                outgoing,
                by_id=window.by_id,
                related=shapes,
                bounds=window.bounds,
                scan_desc=window.scan_desc,
                backward=window.backward,
            )
            for label in by_label
        }

        async def work(tx: AsyncManagedTransaction) -> dict[NodeRef, Page[Hop]]:
            found: dict[NodeRef, Page[Hop]] = {}
            for label, ids in by_label.items():
                records = await _records(tx, statements[label], ids=ids, **params)
                for record in records:
                    me = NodeRef(label, record["id"])
                    rows: list[tuple[Any, Hop, str]] = []
                    for row in record["rows"]:
                        other = _node(_label_of(row["labels"]), row["id"], row["props"])
                        src, dst = (me, other.ref) if outgoing else (other.ref, me)
                        hop = Hop(Edge(rel, src, dst, dict(row["edge"])), other)
                        rows.append((row["sortKey"], hop, other.id))
                    found[me] = window.page(rows, int(record["total"]))
            return found

        found = await self._read(work) if by_label else {}
        return {ref: found.get(ref) or window.page([], 0) for ref in refs}

    async def count_nodes(self, label: NodeLabel) -> int:
        statement = cypher.fill(cypher.COUNT_NODES, LABEL=_label(label))
        return await self._read(_count_work(statement))

    async def count_edges(self, type: RelType) -> int:
        statement = cypher.fill(cypher.COUNT_EDGES, TYPE=_rel_type(type))
        return await self._read(_count_work(statement))

    async def stream_nodes(
        self, label: NodeLabel, *, batch_size: int = 10_000
    ) -> AsyncIterator[list[Node]]:
        label = _label(label)
        statement = cypher.fill(cypher.STREAM_NODES, LABEL=label)
        after = ""
        while True:

            async def work(tx: AsyncManagedTransaction, after: str = after) -> list[Node]:
                records = await _records(tx, statement, after=after, rowLimit=batch_size)
                return [_node(label, r["id"], r["props"]) for r in records]

            batch = await self._read(work)
            if not batch:
                return
            yield batch
            after = batch[-1].id

    async def stream_edges(
        self, type: RelType, *, batch_size: int = 10_000
    ) -> AsyncIterator[list[Edge]]:
        rel = _rel_type(type)
        spec = RELATIONSHIPS[rel]
        for src_label in sorted(spec.sources):
            for dst_label in sorted(spec.targets):
                statement = cypher.fill(cypher.STREAM_EDGES, SRC=src_label, TYPE=rel, DST=dst_label)
                last = ("", "")
                while True:

                    async def work(
                        tx: AsyncManagedTransaction,
                        last: tuple[str, str] = last,
                        statement: str = statement,
                        src_label: NodeLabel = src_label,
                        dst_label: NodeLabel = dst_label,
                    ) -> list[Edge]:
                        records = await _records(
                            tx,
                            statement,
                            afterSrc=last[0],
                            afterDst=last[1],
                            rowLimit=batch_size,
                        )
                        return [
                            Edge(
                                rel,
                                NodeRef(src_label, r["src"]),
                                NodeRef(dst_label, r["dst"]),
                                dict(r["props"]),
                            )
                            for r in records
                        ]

                    batch = await self._read(work)
                    if not batch:
                        break
                    yield batch
                    last = (batch[-1].src.id, batch[-1].dst.id)

    async def data_version(self) -> int:
        return await self._read(_version)

    async def put_document(self, key: str, value: Mapping[str, Any]) -> None:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)

        async def work(tx: AsyncManagedTransaction) -> None:
            await _consume(tx, cypher.PUT_DOCUMENT, key=key, json=text)

        await self._write(work)

    async def get_document(self, key: str) -> dict[str, Any] | None:
        async def work(tx: AsyncManagedTransaction) -> dict[str, Any] | None:
            record = await _single(tx, cypher.GET_DOCUMENT, key=key)
            return None if record is None else dict(json.loads(record["json"]))

        return await self._read(work)


# --- transaction functions shared by several methods -----------------------------------------


def _schema_work(statement: str) -> Work[None]:
    async def work(tx: AsyncManagedTransaction) -> None:
        await _consume(tx, statement)

    return work


def _count_work(statement: str) -> Work[int]:
    async def work(tx: AsyncManagedTransaction) -> int:
        record = await _single(tx, statement)
        return int(record["count"]) if record else 0

    return work


async def _version(tx: AsyncManagedTransaction) -> int:
    record = await _single(tx, cypher.GET_DATA_VERSION, key=cypher.META_KEY)
    return int(record["version"]) if record else 0


async def _bump_version(tx: AsyncManagedTransaction) -> int:
    record = await _single(tx, cypher.BUMP_DATA_VERSION, key=cypher.META_KEY)
    if record is None:  # pragma: no cover - MERGE always returns its row
        raise StoreError("the data version could not be written")
    return int(record["version"])


async def _check_endpoints(tx: AsyncManagedTransaction, refs: set[NodeRef]) -> None:
    """Raise InvalidInput (rolling the transaction back) when an endpoint does not exist."""
    by_label: dict[NodeLabel, list[str]] = defaultdict(list)
    for ref in refs:
        by_label[ref.label].append(ref.id)
    found: set[NodeRef] = set()
    for label, ids in by_label.items():
        statement = cypher.fill(cypher.EXISTING_IDS, LABEL=label)
        for chunk in _chunks(sorted(ids)):
            records = await _records(tx, statement, ids=chunk)
            found.update(NodeRef(label, r["id"]) for r in records)
    missing = sorted(refs - found)
    if missing:
        problems = [
            Problem(f"{r.label}:{r.id}", "id", "no such node in the store or this write")
            for r in missing
        ]
        raise InvalidInput(f"{len(missing)} relationship endpoint(s) do not exist", problems)


def _score_row(node_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """One ``$rows`` element of cypher.WRITE_SCORES: properties to set and to remove.

    A scalar goes to ``score_<name>``, a list or map to ``scorejson_<name>`` as JSON text; None
    removes the score (as a JSON merge patch does in the SQLite store).
    """
    to_set: dict[str, Any] = {}
    to_remove: list[str] = []
    problems: list[Problem] = []
    for name, value in values.items():
        if not isinstance(name, str) or not SCORE_NAME_RE.fullmatch(name):
            problems.append(Problem(f"scores of {node_id}", str(name), "not a score name"))
            continue
        plain, as_json = cypher.SCORE_PREFIX + name, cypher.SCORE_JSON_PREFIX + name
        if value is None:
            to_remove += [plain, as_json]
        elif isinstance(value, (dict, list, tuple)):
            try:
                to_set[as_json] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                problems.append(Problem(f"scores of {node_id}", name, f"not JSON: {exc}"))
            to_remove.append(plain)
        elif (why := _scalar_problem(value)) is not None:
            problems.append(Problem(f"scores of {node_id}", name, why))
        else:
            to_set[plain] = value
            to_remove.append(as_json)
    if problems:
        raise InvalidInput("some scores cannot be stored", problems)
    return {"id": node_id, "set": to_set, "remove": to_remove}
