"""SqliteGraphStore: the embedded default store, one SQLite file (WAL), zero set-up.

Layout (schema version in ``PRAGMA user_version``, migrations in :data:`MIGRATIONS`):

* ``nodes(nid, label, id, props, scores)``: props and scores as canonical JSON text;
  ``UNIQUE(label, id)``; partial per-label indexes serve the common orderings, as
  ``(label, field, id)`` (newest interactions, top influence and advocacy of customers and
  profiles), without a sort, and lookups by e-mail, phone and handle; each costs nothing on
  inserts of other labels.
* ``edges(eid, type, src, dst, props)``: ``src``/``dst`` reference ``nodes.nid`` with
  ``ON DELETE CASCADE``; ``UNIQUE(src, type, dst)`` serves outgoing hops, ``(dst, type, src)``
  incoming ones.
* ``meta(key, value)`` holds the data version; ``documents(key, value)`` small JSON records.

Concurrency: one writer connection on its own thread (SQLite has one writer at a time anyway)
and reader connections; WAL lets readers go on while a write is under way and they never see
half a transaction. A read runs on the caller's thread (the event loop) as long as it stays
within a small budget of SQLite instructions, as a request's lookups do; past it, or on a lock,
it runs again on a pool of reader threads (see ``_read``). ``:memory:`` uses one connection for
everything.

Bulk loads: a whole load is one transaction (``atomic_bulk``), without foreign keys, that may
build two of its secondary indexes at its end; a batch is written straight from its JSON when
it is regular, else by staging it (``_upsert``).

SQL is written with ``?`` placeholders for every value. Field names from queries are checked
against ``paging.FIELD_RE`` before they become JSON paths, because index-matching expressions
need literal paths: a name that passes the check cannot leave the quoted path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from graph_api.errors import (
    ConfigError,
    InvalidInput,
    NotFound,
    Problem,
    StoreError,
    StoreUnavailable,
)
from graph_api.model import RELATIONSHIPS, LinkStatus, NodeLabel, RelType
from graph_api.store.base import (
    Condition,
    Direction,
    Edge,
    EdgeWrite,
    EncodedEdge,
    EncodedNode,
    ErasureReport,
    GraphStore,
    Hop,
    Node,
    NodeQuery,
    NodeRef,
    NodeWrite,
    NumberedEdge,
    NumberedNode,
    Op,
    Page,
    PageRequest,
    StoreOpener,
    TextRow,
    UpsertResult,
    WriteCounts,
)
from graph_api.store.paging import Window, canonical_json, check_field, decode_cursor

__all__ = ["MIGRATIONS", "SqliteGraphStore"]

T = TypeVar("T")

_READERS: Final = 4
_INLINE_BUDGET: Final = 20_000  # SQLite VM instructions a read may run on the event loop
_INLINE_STEP: Final = 1_000  # instructions between two checks of that budget
_log = logging.getLogger(__name__)

_CHECKPOINT_BYTES: Final = 64 * 1024 * 1024
_PAGE_SIZE: Final = 16_384
_CACHE_KIB: Final = 65_536
"""Each connection's page cache: 64 MiB."""
_BULK: ContextVar[SqliteGraphStore | None] = ContextVar("sqlite_bulk_session", default=None)
"""The store whose bulk session the current task (and the tasks it started) runs in."""

MIGRATIONS: Final[list[str]] = [
    # 1: the graph
    """
    CREATE TABLE nodes (
        nid    INTEGER PRIMARY KEY,
        label  TEXT NOT NULL,
        id     TEXT NOT NULL,
        props  TEXT NOT NULL DEFAULT '{}',
        scores TEXT NOT NULL DEFAULT '{}',
        UNIQUE (label, id)
    );
    CREATE TABLE edges (
        eid   INTEGER PRIMARY KEY,
        type  TEXT NOT NULL,
        src   INTEGER NOT NULL REFERENCES nodes(nid) ON DELETE CASCADE,
        dst   INTEGER NOT NULL REFERENCES nodes(nid) ON DELETE CASCADE,
        props TEXT NOT NULL DEFAULT '{}',
        UNIQUE (src, type, dst)
    );
    CREATE INDEX edges_in ON edges (dst, type, src);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('data_version', 0);
    CREATE TABLE documents (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE INDEX nodes_occurred ON nodes (label, json_extract(props, '$.occurredAt'), id);
    CREATE INDEX nodes_influence ON nodes (label, json_extract(scores, '$.influence'), id);
    CREATE INDEX nodes_advocacy ON nodes (label, json_extract(scores, '$.advocacy'), id);
    CREATE INDEX nodes_customer_email ON nodes (json_extract(props, '$.email'))
        WHERE label = 'Customer';
    CREATE INDEX nodes_customer_phone ON nodes (json_extract(props, '$.phone'))
        WHERE label = 'Customer';
    CREATE INDEX nodes_profile_email ON nodes (json_extract(props, '$.email'))
        WHERE label = 'Profile';
    CREATE INDEX nodes_profile_handle ON nodes (json_extract(props, '$.handle'))
        WHERE label = 'Profile';
    """,
    # 2: the ordering indexes per label, over the labels that have the field: only
    # interactions have occurredAt, only customers and profiles get scores (queries name the
    # label as a literal, and the label leads each key, so that SQLite searches them for it
    # rather than sorting the label's rows). A large load wrote 4.4M score entries, 3M of
    # them (Interaction, NULL, id); now 1.4M (its 2.2M nodes written into a new file, two
    # pairs: 15.1-15.9 -> 11.1-11.4 s, the log 680 -> 558 MiB).
    """
    DROP INDEX nodes_occurred;
    DROP INDEX nodes_influence;
    DROP INDEX nodes_advocacy;
    CREATE INDEX nodes_interaction_occurred ON nodes
        (label, json_extract(props, '$.occurredAt'), id) WHERE label = 'Interaction';
    CREATE INDEX nodes_customer_influence ON nodes
        (label, json_extract(scores, '$.influence'), id) WHERE label = 'Customer';
    CREATE INDEX nodes_customer_advocacy ON nodes
        (label, json_extract(scores, '$.advocacy'), id) WHERE label = 'Customer';
    CREATE INDEX nodes_profile_influence ON nodes
        (label, json_extract(scores, '$.influence'), id) WHERE label = 'Profile';
    CREATE INDEX nodes_profile_advocacy ON nodes
        (label, json_extract(scores, '$.advocacy'), id) WHERE label = 'Profile';
    """,
]


def _field_sql(name: str, alias: str) -> str:
    """SQL expression for a query field; ``check_field`` keeps the name inside the quotes."""
    if check_field(name) == "id":
        return f"{alias}.id"
    if name.startswith("scores."):
        return f"json_extract({alias}.scores, '$.{name[7:]}')"
    return f"json_extract({alias}.props, '$.{name}')"


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (str, int, float)) or value is None:
        return value
    raise InvalidInput(f"{value!r} cannot be compared", [Problem("query", "value", "not a scalar")])


def _condition_sql(cond: Condition, alias: str, args: list[Any]) -> str:
    expr = _field_sql(cond.field, alias)
    op = cond.op
    if op is Op.IS_NULL:
        return f"{expr} IS NULL" if cond.value in (True, None) else f"{expr} IS NOT NULL"
    if op is Op.IN:
        values = cond.value
        if not isinstance(values, (list, tuple, set, frozenset)):
            raise InvalidInput("IN needs a list", [Problem("query", cond.field, "not a list")])
        args.append(json.dumps([_sql_value(v) for v in values]))
        return f"{expr} IN (SELECT value FROM json_each(?))"
    if op is Op.CONTAINS:
        args.append(str(cond.value))
        return f"instr(lower({expr}), lower(?)) > 0"
    args.append(_sql_value(cond.value))
    if op is Op.NE:
        return f"({expr} IS NULL OR {expr} != ?)"
    sym = {Op.EQ: "=", Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}[op]
    return f"{expr} {sym} ?"


class _Window(Window[T]):
    """Keyset window SQL for one ordering and page request."""

    def __init__(self, query: NodeQuery, page: PageRequest, alias: str) -> None:
        super().__init__(query, page)
        self.key = _field_sql(query.order_by, alias)
        self.id = f"{alias}.id"

    def order_sql(self) -> str:
        d = "DESC" if self.scan_desc else "ASC"
        nulls = "FIRST" if self.backward else "LAST"  # nulls last in the user's order
        # written so that an index on (key, id) serves the order without a sort
        return f"{self.key} {d} NULLS {nulls}, {self.id} {d}"

    def _bound(self, cursor: str, scan_desc: bool, args: list[Any], nulls_after: bool) -> str:
        key, node_id = decode_cursor(cursor, self.order, self.desc)
        cmp = "<" if scan_desc else ">"
        if key is None:
            args.append(node_id)
            tail = f"{self.key} IS NULL AND {self.id} {cmp} ?"
            return tail if nulls_after else f"({self.key} IS NOT NULL OR ({tail}))"
        args.extend([key, key, node_id])
        core = (
            f"({self.key} IS NOT NULL AND ({self.key} {cmp} ? OR "
            f"({self.key} = ? AND {self.id} {cmp} ?)))"
        )
        return f"({core} OR {self.key} IS NULL)" if nulls_after else core

    def where_sql(self, args: list[Any]) -> list[str]:
        clauses = []
        if self.after is not None:
            # rows after the cursor in scanning order; nulls come last in forward scans
            clauses.append(self._bound(self.after, self.scan_desc, args, not self.backward))
        if self.other_bound is not None:
            clauses.append(self._bound(self.other_bound, not self.scan_desc, args, self.backward))
        return clauses


_LABELS: Final = frozenset(label.value for label in NodeLabel)
_TYPES: Final = frozenset(rel.value for rel in RelType)
_ENDPOINTS: Final = frozenset(
    (rel.value, src.value, dst.value)
    for rel, spec in RELATIONSHIPS.items()
    for src in spec.sources
    for dst in spec.targets
)
# Batches are lists of tuples of strings: no cycles to look for.
_BATCH_ENCODER: Final = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
)
# A batch of nodes of one label: [[id, props], ...], each id once.
_INSERT_NODES: Final = (
    "INSERT INTO nodes (label, id, props) "
    "SELECT ?1, j.value ->> 0, j.value ->> 1 FROM json_each(?2) j WHERE true "
    "ON CONFLICT (label, id) DO UPDATE SET props = excluded.props "
    "WHERE nodes.props IS NOT excluded.props"
)
# The same where an id may come twice: the last counts. (The grouping costs a sort, so it is
# kept for the batches that need it.)
_UPSERT_NODES: Final = (
    "INSERT INTO nodes (label, id, props) "
    "SELECT ?1, j.value ->> 0, j.value ->> 1 FROM json_each(?2) j "
    "WHERE j.key IN (SELECT max(k.key) FROM json_each(?2) k GROUP BY k.value ->> 0) "
    "ORDER BY j.key "
    "ON CONFLICT (label, id) DO UPDATE SET props = excluded.props "
    "WHERE nodes.props IS NOT excluded.props"
)
# Relationships of one type written straight from the batch, endpoints found by joining
# nodes, in the order given (the LEFT JOINs keep json_each the outer loop). Each pair must
# come once. An endpoint that does not exist leaves src or dst NULL, which NOT NULL refuses,
# and the statement writes nothing: the staged path below then says which.
_EDGES_TAIL: Final = (
    "WHERE true ON CONFLICT (src, type, dst) DO UPDATE SET props = excluded.props "
    "WHERE edges.props IS NOT excluded.props"
)
# [[source label, source id, target label, target id, props], ...]
_INSERT_EDGES: Final = (
    "INSERT INTO edges (type, src, dst, props) "
    "SELECT ?1, s.nid, d.nid, j.value ->> 4 FROM json_each(?2) j "
    "LEFT JOIN nodes s ON s.label = j.value ->> 0 AND s.id = j.value ->> 1 "
    "LEFT JOIN nodes d ON d.label = j.value ->> 2 AND d.id = j.value ->> 3 " + _EDGES_TAIL
)
# One source label (?2) and one target label (?3) for the whole batch: [[source id, target id,
# props], ...]. SQLite 3.40 spends ~0.3 us per value it takes out of a row, so fewer pay.
_INSERT_EDGES_ONE_PAIR: Final = (
    "INSERT INTO edges (type, src, dst, props) "
    "SELECT ?1, s.nid, d.nid, j.value ->> 2 FROM json_each(?4) j "
    "LEFT JOIN nodes s ON s.label = ?2 AND s.id = j.value ->> 0 "
    "LEFT JOIN nodes d ON d.label = ?3 AND d.id = j.value ->> 1 " + _EDGES_TAIL
)
# A bulk session's new node, its number as row id; no conflict clause: one that exists is
# refused. Row by row (executemany), not from a JSON array: SQLite 3.40 parses an array
# element again for each value taken out of it, and a node's element holds its properties,
# escaped (large set: the load took 57 s instead of 61-63 s).
# Parameters in a NumberedNode's order, (label, id, props, number): a batch goes as it came.
_INSERT_NUMBERED_NODES: Final = "INSERT INTO nodes (nid, label, id, props) VALUES (?4, ?1, ?2, ?3)"
# A relationship between numbered nodes, (type, source, target, props), the row ids taken as
# given (no lookup: the session wrote those nodes). Row by row (executemany), not from a JSON
# array: a statement that writes many rows keeps a statement journal (a temporary file) of
# the original of every page it changes, so that it can be undone alone; for endpoints in
# random order (who performed an interaction) that is a page per row. 2M relationships with
# random sources: 4.7 us each from a JSON array (3.1 s of it in the kernel), 2.5 row by row;
# in order 1.65 and 1.56.
_INSERT_NUMBERED_EDGE: Final = (
    "INSERT INTO edges (type, src, dst, props) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (src, type, dst) DO UPDATE SET props = excluded.props "
    "WHERE edges.props IS NOT excluded.props"
)
# The general path: a batch of relationships, staged with their endpoints' row ids (NULL: no
# such node).
_STAGE_EDGES: Final = (
    "INSERT INTO temp.batch_edges (k, type, sl, si, dl, di, src, dst, props) "
    "SELECT j.key, j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, "
    "s.nid, d.nid, j.value ->> 5 FROM json_each(?) j "
    "LEFT JOIN nodes s ON s.label = j.value ->> 1 AND s.id = j.value ->> 2 "
    "LEFT JOIN nodes d ON d.label = j.value ->> 3 AND d.id = j.value ->> 4"
)
# The staged relationships of one type; for a pair given twice the last counts.
_UPSERT_EDGES: Final = (
    "INSERT INTO edges (type, src, dst, props) "
    "SELECT type, src, dst, props FROM temp.batch_edges "
    "WHERE k IN (SELECT max(k) FROM temp.batch_edges WHERE type = ?1 GROUP BY src, dst) "
    "ORDER BY k "
    "ON CONFLICT (src, type, dst) DO UPDATE SET props = excluded.props "
    "WHERE edges.props IS NOT excluded.props"
)
_DEFERRABLE: Final = (
    "edges_in",
    "nodes_interaction_occurred",
)
"""The secondary indexes a bulk session may build at its end instead of row by row; never
the UNIQUE ones, which the upserts' conflict clauses need. The others are kept up to date as
rows come: the contact indexes hold only customers or profiles, the first files of a load,
written while the writer has time to spare, and the score indexes hold only customers or
profiles too. Building those six when the last node was written took 4.2 of 7.6 s
of the writer (large set) just when the relationships came, and the validating process then
waited for it (follows.csv: 0.8-1.8 s blocked on the pipe, 0.3 s without them; the queued
batches also held 25 MiB more)."""
_NODE_INDEXES: Final = frozenset(name for name in _DEFERRABLE if name.startswith("nodes_"))
"""Those on ``nodes``: built once the session has written its last node
(:meth:`SqliteGraphStore.bulk_nodes_written`), else at its end."""


_Row = TypeVar("_Row", bound=tuple[Any, ...])


def _by_first(rows: Sequence[_Row]) -> dict[str, Sequence[_Row]]:
    """Rows grouped by their first value (a label, a type), each group in the rows' order;
    a batch of one group (a file's batch, nearly always) as it came, without a copy."""
    firsts = set(map(itemgetter(0), rows))
    if len(firsts) == 1:
        return {firsts.pop(): rows}
    grouped: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return dict(grouped)


class _Irregular(Exception):
    """A batch the direct statements cannot write as it is: the general path takes it."""


class _Session:
    """The writer connection's bulk session: rows written, and the indexes it dropped."""

    __slots__ = ("broken", "defer_at", "deferred", "nodes_done", "numbers_from", "written")

    def __init__(self, defer_at: int) -> None:
        self.defer_at = defer_at
        self.broken: str | None = None  # a write without a savepoint failed: no commit
        self.written = 0
        self.deferred: list[tuple[str, str]] | None = None  # (name, CREATE INDEX) once dropped
        self.nodes_done = False  # no more nodes: their indexes are not dropped, or are back
        self.numbers_from: int | None = None  # bulk_numbers(): new nodes come numbered


def _merge(
    conn: sqlite3.Connection,
    table: str,
    key: str,
    sql: str,
    args: tuple[Any, ...] = (),
    rows: Sequence[Sequence[Any]] | None = None,
) -> tuple[int, int]:
    """Run one set-based upsert statement; returns (inserted, updated), unchanged rows being
    skipped.

    Properties are canonical JSON, so equal text means equal properties and the conflict
    clause leaves such rows alone. New rows get rowids above the table's largest (SQLite's
    rule without AUTOINCREMENT), which is how they are told apart from updated ones.
    ``table`` and ``key`` are fixed names from this module.

    A batch is one statement over a JSON array (``json_each``), not ``executemany``: SQLite
    then works through the whole batch without taking Python's GIL back for every row, so a
    load's validation (another thread) runs at the same time instead of in turns. With
    ``rows``, ``sql`` runs once per row instead (``executemany``; see
    :data:`_INSERT_NUMBERED_EDGE` for when that is cheaper).
    """
    top = conn.execute(f"SELECT coalesce(max({key}), 0) FROM {table}").fetchone()[0]
    before = conn.total_changes
    if rows is None:
        conn.execute(sql, args)
    else:
        conn.executemany(sql, rows)
    changed = conn.total_changes - before
    inserted = conn.execute(f"SELECT count(*) FROM {table} WHERE {key} > ?", (top,)).fetchone()[0]
    return inserted, changed - inserted


def _json_rows(rows: Sequence[Sequence[Any]]) -> str:
    return _BATCH_ENCODER.encode(rows)


@contextmanager
def _without_savepoint(
    session: _Session, undone: type[BaseException] | None = None
) -> Iterator[None]:
    """A bulk session's batch written straight into the session's transaction, no savepoint
    around it: one that fails part way cannot be undone alone, so it breaks the session,
    which then refuses its other writes and its commit (the whole session is rolled back).

    For the batches that cannot fail but for the store itself (disk full, I/O): a savepoint
    makes SQLite copy the original of every page a batch changes into a statement journal,
    and a load's relationships, whose ends come in random order, change pages all over the
    indexes of ``edges`` (large set: 1.28M writes to a temporary file, 10 GB, about a tenth
    of the loading process's time). ``undone``: the error a batch raises once it has undone
    its own writes; it leaves the session as it was."""
    if session.broken is not None:
        raise StoreError(f"this bulk session cannot go on: {session.broken}")
    try:
        yield
    except BaseException as exc:
        if undone is not None and isinstance(exc, undone):
            raise
        session.broken = (
            f"a batch written without a savepoint failed part way ({type(exc).__name__}: "
            f"{exc}); the session is rolled back"
        )
        raise


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken at once (IMMEDIATE) so it never fails half way for a lock.

    Inside an open transaction (an :meth:`SqliteGraphStore.atomic_bulk` session) it is a
    savepoint instead: the write is still all or nothing, and commits with the session.
    """
    if conn.in_transaction:
        conn.execute("SAVEPOINT write")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO write")
            conn.execute("RELEASE write")
            raise
        conn.execute("RELEASE write")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class _InlineReader:
    """The connection a thread reads on directly, and the budget its progress handler keeps:
    SQLite interrupts a statement when the handler answers non-zero."""

    __slots__ = ("conn", "left", "pool")

    def __init__(self, pool: ThreadPoolExecutor | None, conn: sqlite3.Connection) -> None:
        self.pool = pool  # the store's reader pool when made: a reopened store has another
        self.conn = conn
        self.left = 0

    def tick(self) -> int:
        self.left -= 1
        return 1 if self.left < 0 else 0


def _node(row: sqlite3.Row | tuple[Any, ...]) -> Node:
    label, node_id, props, scores = row[0], row[1], row[2], row[3]
    return Node(NodeLabel(label), node_id, json.loads(props), json.loads(scores))


class SqliteGraphStore(GraphStore):
    """The embedded store. ``path`` is a file (created with its folders) or ``":memory:"``.

    ``defer_indexes_after``: rows a bulk session writes, at the least, before it builds the
    secondary indexes at its end instead of row by row (see :meth:`atomic_bulk`).
    """

    def __init__(self, path: str | Path, *, defer_indexes_after: int = 50_000) -> None:
        self.path = str(path)
        self._memory = self.path == ":memory:"
        self._defer_after = defer_indexes_after
        self._session: _Session | None = None  # the writer thread's bulk session
        self._autocheckpoint = _CHECKPOINT_BYTES // _PAGE_SIZE  # pages (set as the file opens)
        self._writer: sqlite3.Connection | None = None
        self._write_pool: ThreadPoolExecutor | None = None
        self._read_pool: ThreadPoolExecutor | None = None
        self._checkpoint_pool: ThreadPoolExecutor | None = None
        self._checkpoint: asyncio.Future[None] | None = None  # after a bulk session's commit
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._write_lock = asyncio.Lock()

    # -- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise ConfigError(
                f"cannot open SQLite database {self.path!r}: {exc}; "
                "set GRAPH_API_SQLITE_PATH to a writable file"
            ) from exc
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            if not self._memory:
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB:d}")
            conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ConfigError(
                f"cannot use SQLite database {self.path!r}: {exc}; point GRAPH_API_SQLITE_PATH "
                "at a writable SQLite file (a new one is created)"
            ) from exc
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    async def _read(self, fn: Callable[[sqlite3.Connection], T], *, inline: bool = True) -> T:
        """Run a read: on the calling thread when it fits the budget, else on a reader thread.

        The reads of a request are a few index lookups (at most a few thousand SQLite VM
        instructions, tens of microseconds); handing each to a reader thread cost several
        times that, in thread switches and in contention for the GIL, and on a loaded 2-core
        machine halved the requests served. So a read first runs here, on a connection of
        this thread whose progress handler interrupts it past :data:`_INLINE_BUDGET`
        instructions (and which never waits on a lock); a read that is interrupted, or meets
        a lock, runs again on a reader thread. The event loop is thus never held longer than
        a budget's worth, and bulk reads (``inline=False``) go to a thread at once.

        Inside a bulk session (and in ``:memory:``, where readers have no other connection)
        reads run on the writer's connection, after the writes queued before them: the
        session's own tasks read what they wrote.
        """
        if self._read_pool is None or self._writer is None:
            raise StoreUnavailable("the SQLite store is not open (call open() first)")
        if self._memory or _BULK.get() is self:
            return await self._write(fn)
        if inline:
            done, value = self._read_here(fn)
            if done:
                return cast("T", value)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_pool, self._guard, fn, None)

    def _read_here(self, fn: Callable[[sqlite3.Connection], T]) -> tuple[bool, T | None]:
        """``(True, result)``, or ``(False, None)`` when a reader thread must run ``fn``."""
        here: _InlineReader | None = getattr(self._local, "inline", None)
        if here is None or here.pool is not self._read_pool:  # first read here, or reopened
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA busy_timeout = 0")  # a lock: a reader thread waits for it
            here = self._local.inline = _InlineReader(self._read_pool, conn)
            conn.set_progress_handler(here.tick, _INLINE_STEP)
            with self._readers_lock:
                self._readers.append(conn)
        here.left = _INLINE_BUDGET // _INLINE_STEP
        try:
            return True, self._guard(fn, here.conn)
        except StoreError as exc:
            cause = exc.__cause__
            if here.left < 0 or (
                isinstance(cause, sqlite3.OperationalError)
                and ("locked" in str(cause) or "busy" in str(cause))
            ):
                return False, None
            raise

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """Hold the write lock, unless this task runs inside this store's bulk session."""
        if _BULK.get() is self:
            yield
            return
        async with self._write_lock:
            yield

    @asynccontextmanager
    async def _bulk_session(self) -> AsyncIterator[None]:
        # The writer thread runs jobs in order, and a shielded job runs even when its caller
        # is cancelled: the session's end always follows its start.
        async with self._write_lock:
            try:
                await asyncio.shield(self._write(self._begin_bulk))
            except BaseException:
                await asyncio.shield(self._write(lambda c: self._end_bulk(c, commit=False)))
                raise
            token = _BULK.set(self)
            try:
                yield
            except BaseException:
                _BULK.reset(token)
                await asyncio.shield(self._write(lambda c: self._end_bulk(c, commit=False)))
                raise
            _BULK.reset(token)
            await asyncio.shield(self._write(lambda c: self._end_bulk(c, commit=True)))
            self._checkpoint_later()

    def opener(self) -> StoreOpener | None:
        """The same file, opened anew (WAL: its readers see what is committed); None for
        ``:memory:``, which no other process can reach."""
        if self._memory:
            return None
        return partial(SqliteGraphStore, self.path, defer_indexes_after=self._defer_after)

    def atomic_bulk(self) -> AbstractAsyncContextManager[None]:
        """One transaction for a whole bulk load (see :meth:`GraphStore.atomic_bulk`).

        The session's own tasks (the one that opened it and those it starts) read what they
        wrote; other readers go on seeing the data as it was until the commit (WAL). Other
        writers of this process wait for the session, those of other processes get "busy"
        after 30 s.

        The session runs without two costs of row-by-row writing:

        * Foreign keys are off (the pragma only changes outside a transaction). Each check
          was a random read of a node row, and a relationship written here has just found
          its endpoints by joining ``nodes``; ``erase_customer`` deletes relationships itself.
        * Once the session has written (inserted or changed) as many rows as the store held
          when it began, and at least ``defer_indexes_after``, the costliest secondary
          indexes to keep up row by row (:data:`_DEFERRABLE`) are dropped, and built again
          from the same SQL just before the commit. Building one took a third (large data
          set) to two thirds (medium) of keeping it up to date row by row, so the session
          gains on each later row, and one that stops right there loses at most a build
          over twice the rows it wrote.
          The one on ``nodes`` comes back earlier when the loader says it has written its
          last node (:meth:`bulk_nodes_written`): a load's relationships are then still
          being validated, and the build takes that time instead of the commit's. All of
          them come back once the loader says the rest is small (:meth:`bulk_indexes_now`),
          and the session's last rows keep them up to date.

        DDL is transactional: a rollback, or a process killed before the commit, leaves the
        indexes as they were. Other connections never see them missing; the writer's own
        reads (``:memory:``) give the same answers without them, only slower.
        """
        return self._bulk_session()

    def _begin_bulk(self, conn: sqlite3.Connection) -> None:
        """Start a session; on failure the caller runs ``_end_bulk(commit=False)``."""
        conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction
        conn.execute("BEGIN IMMEDIATE")
        held = conn.execute(
            "SELECT (SELECT coalesce(max(nid), 0) FROM nodes) "
            "+ (SELECT coalesce(max(eid), 0) FROM edges)"
        ).fetchone()[0]  # at least the rows the store holds, without counting them
        self._session = _Session(max(self._defer_after, held))

    def _end_bulk(self, conn: sqlite3.Connection, *, commit: bool) -> None:
        """Build the deferred indexes and commit, or roll back; either way the connection
        leaves with foreign keys on and no transaction."""
        deferred = self._session.deferred if self._session else None
        broken = self._session.broken if self._session else None
        self._session = None
        try:
            if commit and broken is not None:
                raise StoreError(f"the bulk session is not committed: {broken}")
            if commit:
                for _name, sql in deferred or ():
                    conn.execute(sql)
                if not self._memory:  # the checkpoint comes after, on its own thread
                    conn.execute("PRAGMA wal_autocheckpoint = 0")
                conn.execute("COMMIT")
        finally:
            if commit and not self._memory:
                conn.execute(f"PRAGMA wal_autocheckpoint = {self._autocheckpoint:d}")
            if conn.in_transaction:
                conn.execute("ROLLBACK")  # the dropped indexes come back with it
            conn.execute("PRAGMA foreign_keys = ON")

    def _checkpoint_later(self) -> None:
        """Copy a committed bulk session's log into the database file on a thread of its
        own, while the caller goes on (a load writes its identity links meanwhile).

        At the commit the whole session is still in the write-ahead log (a transaction's
        pages cannot be copied before it commits), and SQLite's automatic checkpoint would
        copy it there and then, on the writer thread (large set: 4.2 s after a 0.9 s
        commit). A passive checkpoint on another connection lets writers and readers go
        on; one that finds the log busy or fails leaves it for the next one (every commit
        past the log's limit, or the last connection's close), losing nothing."""
        if self._memory or self._checkpoint_pool is None or self._checkpoint is not None:
            return
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(self._checkpoint_pool, self._checkpoint_now)
        self._checkpoint = done
        done.add_done_callback(self._checkpoint_done)

    def _checkpoint_done(self, done: asyncio.Future[None]) -> None:
        if self._checkpoint is done:
            self._checkpoint = None
        if not done.cancelled() and done.exception() is not None:
            _log.warning("SQLite checkpoint after a bulk load failed: %s", done.exception())

    def _checkpoint_now(self) -> None:
        conn = self._connect()
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()

    async def settled(self) -> None:
        if self._checkpoint is not None:
            await asyncio.shield(self._checkpoint)

    @staticmethod
    def _defer_indexes(conn: sqlite3.Connection, session: _Session) -> None:
        names = [n for n in _DEFERRABLE if not (session.nodes_done and n in _NODE_INDEXES)]
        found = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND name IN (SELECT value FROM json_each(?))",
            (json.dumps(names),),
        ).fetchall()
        for name, _sql in found:
            conn.execute(f"DROP INDEX {name}")  # one of _DEFERRABLE
        session.deferred = found

    async def bulk_numbers(self) -> int | None:
        """The first free node row id: numbers are row ids here (see
        :meth:`GraphStore.bulk_numbers`). From this call on, the session creates nodes only
        through :meth:`upsert_numbered`, so that no row id it gives collides with a number
        the caller has planned; :meth:`upsert_encoded` may still change existing nodes."""
        if _BULK.get() is not self:
            return None
        return await self._write(self._start_numbers)

    def _start_numbers(self, conn: sqlite3.Connection) -> int | None:
        session = self._session
        if session is None:
            return None
        if session.numbers_from is None:
            top = conn.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0]
            session.numbers_from = top + 1
        return session.numbers_from

    async def upsert_numbered(
        self, nodes: Sequence[NumberedNode] = (), edges: Sequence[NumberedEdge] = ()
    ) -> UpsertResult:
        if _BULK.get() is not self:
            raise InvalidInput(
                "upsert_numbered outside a bulk session",
                [Problem("upsert_numbered", "", "call it inside atomic_bulk()")],
            )
        # by map and set over whole batches (millions of rows in a large load)
        for label in set(map(itemgetter(0), nodes)) - _LABELS:
            raise InvalidInput(f"unknown label {label!r}", [Problem(label, "label", "unknown")])
        if not all(map(itemgetter(1), nodes)):
            label = next(n[0] for n in nodes if not n[1])
            raise InvalidInput("node without id", [Problem(label, "id", "empty")])
        for rel in set(map(itemgetter(0), edges)) - _TYPES:
            raise InvalidInput(
                f"unknown relationship type {rel!r}", [Problem(str(rel), "type", "unknown")]
            )
        return await self._write(lambda c: self._upsert_numbered(c, nodes, edges))

    def _upsert_numbered(
        self,
        conn: sqlite3.Connection,
        nodes: Sequence[NumberedNode],
        edges: Sequence[NumberedEdge],
    ) -> UpsertResult:
        session = self._session
        if session is None or session.numbers_from is None:
            raise InvalidInput(
                "upsert_numbered before bulk_numbers()",
                [Problem("upsert_numbered", "", "call bulk_numbers() first in this session")],
            )
        low = session.numbers_from
        smallest = min(
            min(map(itemgetter(3), nodes), default=low),
            min(map(itemgetter(1), edges), default=low),
            min(map(itemgetter(2), edges), default=low),
        )
        if smallest < low:
            raise InvalidInput(
                f"node number {smallest} is below this session's first number {low}",
                [Problem("upsert_numbered", "number", f"numbers start at {low}")],
            )
        return self._session_batch(conn, lambda: self._write_numbered(conn, nodes, edges))

    def _write_numbered(
        self,
        conn: sqlite3.Connection,
        nodes: Sequence[NumberedNode],
        edges: Sequence[NumberedEdge],
    ) -> UpsertResult:
        result = UpsertResult()
        session = self._session
        assert session is not None  # _upsert_numbered checked
        # Without a savepoint (see _without_savepoint) where a refusal can be undone by hand
        # or cannot happen: nodes numbered above every row (a refused batch's rows are then
        # those above that top), and relationships, never refused (a pair given again is an
        # update). Else (nodes below the top, or nodes with relationships) a savepoint.
        top: int | None = None
        if nodes and not edges:
            top = conn.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0]
            if min(map(itemgetter(3), nodes)) <= top:
                top = None
        direct = not nodes or top is not None
        undone = InvalidInput if top is not None else None  # a refused batch, undone
        with _without_savepoint(session, undone) if direct else _transaction(conn):
            for label, rows in _by_first(nodes).items():
                try:
                    conn.executemany(_INSERT_NUMBERED_NODES, rows)
                except sqlite3.IntegrityError as exc:
                    if top is not None:  # undo the batch: its rows are those above the top
                        conn.execute("DELETE FROM nodes WHERE nid > ?", (top,))
                    raise InvalidInput(
                        f"numbered {label} nodes refused: {exc} (a numbered node must be "
                        "new, and its number unused)",
                        [Problem(label, "id", "exists already, or its number is taken")],
                    ) from exc
                result.nodes.setdefault(NodeLabel(label), WriteCounts()).inserted += len(rows)
            by_type = _by_first(edges)
            for t in sorted(by_type):
                group = by_type[t]
                inserted, updated = _merge(conn, "edges", "eid", _INSERT_NUMBERED_EDGE, rows=group)
                counts = result.edges.setdefault(RelType(t), WriteCounts())
                counts.inserted += inserted
                counts.updated += updated
                counts.unchanged += len(group) - inserted - updated
            self._stamp(conn, result)
        return result

    async def bulk_nodes_written(self) -> None:
        """Build the node indexes the bulk session put off (see :meth:`atomic_bulk`) now,
        on the writer thread, between two of its batches; a later drop spares them."""
        if _BULK.get() is self:
            await self._write(self._node_indexes_back)

    async def bulk_indexes_now(self) -> None:
        """Build every index the bulk session put off (see :meth:`atomic_bulk`) now, on the
        writer thread between two of its batches; the session drops none after this, so
        the rows still to come keep them up to date."""
        if _BULK.get() is self:
            await self._write(self._indexes_back)

    def _indexes_back(self, conn: sqlite3.Connection) -> None:
        session = self._session
        if session is None:
            return
        session.nodes_done = True
        for _name, sql in session.deferred or ():
            conn.execute(sql)
        session.deferred = []  # not None: nothing is dropped again

    def _node_indexes_back(self, conn: sqlite3.Connection) -> None:
        session = self._session
        if session is None:
            return
        session.nodes_done = True
        if session.deferred:
            for name, sql in session.deferred:
                if name in _NODE_INDEXES:
                    conn.execute(sql)
            session.deferred = [d for d in session.deferred if d[0] not in _NODE_INDEXES]

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._write_pool is None or self._writer is None:
            raise StoreUnavailable("the SQLite store is not open (call open() first)")
        loop = asyncio.get_running_loop()
        writer = self._writer
        return await loop.run_in_executor(self._write_pool, self._guard, fn, writer)

    def _guard(self, fn: Callable[[sqlite3.Connection], T], conn: sqlite3.Connection | None) -> T:
        try:
            return fn(conn if conn is not None else self._reader())
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise StoreUnavailable(f"SQLite database is busy: {text}") from exc
            if "readonly" in text or "unable to open" in text or "disk" in text:
                raise StoreUnavailable(f"SQLite database cannot be written: {text}") from exc
            raise StoreError(f"SQLite error: {text}") from exc
        except sqlite3.IntegrityError as exc:
            raise InvalidInput(f"write refused by the store: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite error: {exc}") from exc

    async def open(self) -> None:
        if self._writer is not None:
            return
        if not self._memory:
            folder = Path(self.path).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"cannot create folder {str(folder)!r} for the SQLite database: "
                    f"{exc.strerror}; set GRAPH_API_SQLITE_PATH to a writable location"
                ) from exc
        self._write_pool = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._read_pool = ThreadPoolExecutor(_READERS, thread_name_prefix="sqlite-reader")
        self._checkpoint_pool = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        loop = asyncio.get_running_loop()
        try:
            self._writer = await loop.run_in_executor(self._write_pool, self._open_writer)
        except BaseException:
            self._write_pool.shutdown()
            self._read_pool.shutdown()
            self._checkpoint_pool.shutdown()
            self._write_pool = self._read_pool = self._checkpoint_pool = None
            raise

    def _open_writer(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            if not self._memory:
                # a new file only (an existing one keeps its size): 16 KiB pages rather than
                # 4 KiB, fewer B-tree pages to split and build (large load: 54.6 -> 52-54 s)
                conn.execute(f"PRAGMA page_size = {_PAGE_SIZE:d}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                # SQLite turns a cache size in KiB into pages at the page size of the moment,
                # and a new file's pages grew from 4 to 16 KiB since: set it again, else its
                # 64 MiB become 256 (large load: the loading process held 320 MiB instead of
                # 130, for no speed)
                conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB:d}")
                if str(mode).lower() != "wal":
                    raise ConfigError(f"SQLite file {self.path!r} cannot use WAL mode")
                # checkpoint every 64 MiB of log rather than 4 MiB: bulk writes (loads, score
                # write-back) spent a fifth of their time in checkpoints at the default
                page = conn.execute("PRAGMA page_size").fetchone()[0]
                self._autocheckpoint = _CHECKPOINT_BYTES // page
                conn.execute(f"PRAGMA wal_autocheckpoint = {self._autocheckpoint:d}")
            self._migrate(conn)
            # Past the cache size, sorts (an index built at the end of a bulk session) go to
            # temporary files: in memory they held the whole index (+270 MiB on the large
            # set) and were slower.
            conn.execute("PRAGMA temp_store = FILE")
            conn.execute(
                "CREATE TEMP TABLE batch_edges (k INTEGER PRIMARY KEY, type TEXT, sl TEXT, "
                "si TEXT, dl TEXT, di TEXT, src INTEGER, dst INTEGER, props TEXT)"
            )
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ConfigError(
                f"cannot use SQLite database {self.path!r}: {exc}; point GRAPH_API_SQLITE_PATH "
                "at a writable file (a new one is created)"
            ) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current > len(MIGRATIONS):
            raise ConfigError(
                f"the database has schema version {current}, newer than this program knows "
                f"({len(MIGRATIONS)}); upgrade graph-api"
            )
        for version in range(current, len(MIGRATIONS)):
            with _transaction(conn):
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1:d}")

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # a failed checkpoint was logged
            await self.settled()
        if self._checkpoint_pool is not None:
            self._checkpoint_pool.shutdown(wait=True)
            self._checkpoint_pool = None
        writer, self._writer = self._writer, None
        if self._read_pool is not None:
            self._read_pool.shutdown(wait=True)
        if self._write_pool is not None:
            if writer is not None:
                self._write_pool.submit(writer.close).result()
            self._write_pool.shutdown(wait=True)
        self._read_pool = self._write_pool = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    async def ping(self) -> None:
        await self._read(lambda c: c.execute("SELECT 1").fetchone())

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _nids(conn: sqlite3.Connection, refs: Iterable[NodeRef]) -> dict[NodeRef, int]:
        by_label: dict[NodeLabel, list[str]] = defaultdict(list)
        for ref in refs:
            by_label[ref.label].append(ref.id)
        found: dict[NodeRef, int] = {}
        for label, ids in by_label.items():
            rows = conn.execute(
                "SELECT n.id, n.nid FROM json_each(?) j CROSS JOIN nodes n "
                "ON n.label = ? AND n.id = j.value",
                (json.dumps(ids), label.value),
            )
            # a plain (label, id) tuple equals and hashes like the NodeRef it stands for
            found.update(((label, node_id), nid) for node_id, nid in rows)  # type: ignore[misc]
        return found

    # -- writes -----------------------------------------------------------------------------

    async def upsert(
        self, nodes: Sequence[NodeWrite] = (), edges: Sequence[EdgeWrite] = ()
    ) -> UpsertResult:
        for n in nodes:
            if not n.id:
                raise InvalidInput("node without id", [Problem(n.label, "id", "empty")])
        for e in edges:
            spec = RELATIONSHIPS[RelType(e.type)]
            if e.src.label not in spec.sources or e.dst.label not in spec.targets:
                raise InvalidInput(
                    f"{e.type} cannot connect {e.src.label} to {e.dst.label}",
                    [Problem(f"{e.src.label}:{e.src.id}", e.type, "wrong endpoint labels")],
                )
        encoded_nodes = [(NodeLabel(n.label).value, n.id, canonical_json(n.props)) for n in nodes]
        encoded_edges = [
            (
                RelType(e.type).value,
                NodeLabel(e.src.label).value,
                e.src.id,
                NodeLabel(e.dst.label).value,
                e.dst.id,
                canonical_json(e.props),
            )
            for e in edges
        ]
        async with self._exclusive():
            return await self._write(lambda c: self._upsert(c, encoded_nodes, encoded_edges))

    async def upsert_encoded(
        self, nodes: Sequence[EncodedNode] = (), edges: Sequence[EncodedEdge] = ()
    ) -> UpsertResult:
        for label, node_id, _ in nodes:
            if label not in _LABELS:
                raise InvalidInput(f"unknown label {label!r}", [Problem(label, "label", "unknown")])
            if not node_id:
                raise InvalidInput("node without id", [Problem(label, "id", "empty")])
        for t, sl, si, dl, _, _ in edges:
            if (t, sl, dl) not in _ENDPOINTS:
                raise InvalidInput(
                    f"{t} cannot connect {sl} to {dl}",
                    [Problem(f"{sl}:{si}", t, "unknown type or wrong endpoint labels")],
                )
        async with self._exclusive():
            return await self._write(lambda c: self._upsert(c, nodes, edges))

    def _upsert(
        self,
        conn: sqlite3.Connection,
        nodes: Sequence[EncodedNode],
        edges: Sequence[EncodedEdge],
    ) -> UpsertResult:
        """Write one batch straight from its JSON when it is regular (every endpoint exists,
        no node or relationship comes twice), as a load's batches are; else roll that attempt
        back and take the general path, whose results and errors are the reference."""

        def write() -> UpsertResult:
            try:
                return self._write_batch(conn, nodes, edges, direct=True)
            except _Irregular:
                return self._write_batch(conn, nodes, edges, direct=False)

        return self._session_batch(conn, write)

    def _session_batch(
        self, conn: sqlite3.Connection, write: Callable[[], UpsertResult]
    ) -> UpsertResult:
        """Run one batch ``write``; in a bulk session, first drop the deferrable indexes once
        it has written enough (between batches: outside any savepoint), and count the rows
        the batch wrote."""
        session = self._session
        if session is not None and session.broken is not None:
            raise StoreError(f"this bulk session cannot go on: {session.broken}")
        if session and session.deferred is None and session.written >= session.defer_at:
            self._defer_indexes(conn, session)
        result = write()
        if session is not None:
            counts = [*result.nodes.values(), *result.edges.values()]
            session.written += sum(c.inserted + c.updated for c in counts)
        return result

    @staticmethod
    def _stamp(conn: sqlite3.Connection, result: UpsertResult) -> None:
        """Inside a batch's transaction: a new data version if it changed anything."""
        if result.changed:
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")
        result.data_version = conn.execute(
            "SELECT value FROM meta WHERE key = 'data_version'"
        ).fetchone()[0]

    def _write_batch(
        self,
        conn: sqlite3.Connection,
        nodes: Sequence[EncodedNode],
        edges: Sequence[EncodedEdge],
        *,
        direct: bool,
    ) -> UpsertResult:
        result = UpsertResult()
        with _transaction(conn):
            by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for label, node_id, props in nodes:
                by_label[label].append((node_id, props))
            for label, rows in by_label.items():
                counts = result.nodes.setdefault(NodeLabel(label), WriteCounts())
                sql = _INSERT_NODES if direct else _UPSERT_NODES
                inserted, updated = _merge(conn, "nodes", "nid", sql, (label, _json_rows(rows)))
                if inserted and self._session and self._session.numbers_from is not None:
                    raise InvalidInput(
                        f"{inserted} new {label} node(s) without a number in a bulk session "
                        "that numbers its new nodes (their row ids could take a planned "
                        "number); write them with upsert_numbered",
                        [Problem(label, "id", "new node without a number")],
                    )
                # every row inserted: no id came twice; else look
                if direct and inserted < len(rows) and len({r[0] for r in rows}) < len(rows):
                    raise _Irregular
                counts.inserted += inserted
                counts.updated += updated
                counts.unchanged += len(rows) - inserted - updated
            if edges and direct:
                self._insert_edges(conn, edges, result)
            elif edges:
                self._upsert_edges(conn, edges, result)
            self._stamp(conn, result)
        return result

    @staticmethod
    def _insert_edges(
        conn: sqlite3.Connection, edges: Sequence[EncodedEdge], result: UpsertResult
    ) -> None:
        """The relationships of a regular batch, a statement per type in the general path's
        order (types sorted, rows as given), so that even row ids come out the same.

        Raises _Irregular when an endpoint does not exist or a pair comes twice.
        """
        by_type: dict[str, list[EncodedEdge]] = defaultdict(list)
        for edge in edges:
            by_type[edge[0]].append(edge)
        for t in sorted(by_type):
            group = by_type[t]
            pairs = {(e[1], e[3]) for e in group}
            args: tuple[str, ...]
            if len(pairs) == 1:
                ((sl, dl),) = pairs
                rows = _json_rows([(e[2], e[4], e[5]) for e in group])
                sql, args = _INSERT_EDGES_ONE_PAIR, (t, sl, dl, rows)
            else:
                sql, args = _INSERT_EDGES, (t, _json_rows([e[1:] for e in group]))
            try:
                inserted, updated = _merge(conn, "edges", "eid", sql, args)
            except sqlite3.IntegrityError as exc:  # NOT NULL: an endpoint does not exist
                raise _Irregular from exc
            if inserted < len(group) and len({e[1:5] for e in group}) < len(group):
                raise _Irregular
            counts = result.edges.setdefault(RelType(t), WriteCounts())
            counts.inserted += inserted
            counts.updated += updated
            counts.unchanged += len(group) - inserted - updated

    @staticmethod
    def _upsert_edges(
        conn: sqlite3.Connection, edges: Sequence[EncodedEdge], result: UpsertResult
    ) -> None:
        conn.execute("DELETE FROM temp.batch_edges")
        conn.execute(_STAGE_EDGES, (_json_rows(edges),))
        missing = conn.execute(
            "SELECT DISTINCT sl, si FROM temp.batch_edges WHERE src IS NULL UNION "
            "SELECT DISTINCT dl, di FROM temp.batch_edges WHERE dst IS NULL ORDER BY 1, 2"
        ).fetchall()
        if missing:
            problems = [
                Problem(f"{label}:{node_id}", "id", "no such node in the store or this write")
                for label, node_id in missing
            ]
            raise InvalidInput(f"{len(missing)} relationship endpoint(s) do not exist", problems)
        sent = conn.execute("SELECT type, count(*) FROM temp.batch_edges GROUP BY type")
        for t, count in sent.fetchall():
            counts = result.edges.setdefault(RelType(t), WriteCounts())
            inserted, updated = _merge(conn, "edges", "eid", _UPSERT_EDGES, (t,))
            counts.inserted += inserted
            counts.updated += updated
            counts.unchanged += count - inserted - updated
        conn.execute("DELETE FROM temp.batch_edges")

    async def delete_edges(self, edges: Sequence[EdgeWrite]) -> int:
        def run(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                nids = self._nids(conn, {e.src for e in edges} | {e.dst for e in edges})
                rows = [
                    (nids[e.src], RelType(e.type).value, nids[e.dst])
                    for e in edges
                    if e.src in nids and e.dst in nids
                ]
                before = conn.total_changes
                conn.executemany("DELETE FROM edges WHERE src = ? AND type = ? AND dst = ?", rows)
                deleted = conn.total_changes - before
                if deleted:
                    conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")
            return deleted

        async with self._exclusive():
            return await self._write(run)

    async def erase_customer(self, customer_id: str) -> ErasureReport:
        def run(conn: sqlite3.Connection) -> ErasureReport:
            with _transaction(conn):
                row = conn.execute(
                    "SELECT nid FROM nodes WHERE label = ? AND id = ?",
                    (NodeLabel.CUSTOMER.value, customer_id),
                ).fetchone()
                if row is None:
                    raise NotFound(f"no customer with id {customer_id!r}")
                cust = row[0]
                profiles = [
                    r[0]
                    for r in conn.execute(
                        "SELECT e.dst FROM edges e WHERE e.src = ? AND e.type = ? "
                        "AND json_extract(e.props, '$.status') = ?",
                        (cust, RelType.HAS_PROFILE.value, LinkStatus.CONFIRMED.value),
                    )
                ]
                actors = [cust, *profiles]
                interactions = [
                    r[0]
                    for r in conn.execute(
                        "SELECT DISTINCT e.dst FROM json_each(?) j CROSS JOIN edges e "
                        "ON e.src = j.value AND e.type = ?",
                        (json.dumps(actors), RelType.PERFORMED.value),
                    )
                ]
                doomed = json.dumps([*actors, *interactions])
                # their relationships by hand, not by ON DELETE CASCADE: a bulk session runs
                # without foreign keys
                before = conn.total_changes
                conn.execute(
                    "DELETE FROM edges WHERE src IN (SELECT value FROM json_each(?1)) "
                    "OR dst IN (SELECT value FROM json_each(?1))",
                    (doomed,),
                )
                rels = conn.total_changes - before
                conn.execute(
                    "DELETE FROM nodes WHERE nid IN (SELECT value FROM json_each(?))", (doomed,)
                )
                conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")
                version = conn.execute(
                    "SELECT value FROM meta WHERE key = 'data_version'"
                ).fetchone()[0]
            counts = {NodeLabel.CUSTOMER: 1}
            if profiles:
                counts[NodeLabel.PROFILE] = len(profiles)
            if interactions:
                counts[NodeLabel.INTERACTION] = len(interactions)
            return ErasureReport(customer_id, counts, rels, version)

        async with self._exclusive():
            return await self._write(run)

    async def write_scores(
        self, label: NodeLabel, scores: Mapping[str, Mapping[str, Any]], *, replace: bool = False
    ) -> int:
        rows = [(canonical_json(s), NodeLabel(label).value, i) for i, s in scores.items()]

        def run(conn: sqlite3.Connection) -> int:
            with _transaction(conn):
                if replace:
                    conn.execute("UPDATE nodes SET scores = '{}' WHERE label = ?", (label.value,))
                before = conn.total_changes
                conn.executemany(
                    "UPDATE nodes SET scores = json_patch(scores, ?) WHERE label = ? AND id = ?",
                    rows,
                )
                written = conn.total_changes - before
            return written

        async with self._exclusive():
            return await self._write(run)

    # -- reads ------------------------------------------------------------------------------

    async def get_nodes(self, label: NodeLabel, ids: Sequence[str]) -> dict[str, Node]:
        if not ids:
            return {}
        payload = json.dumps(list(dict.fromkeys(ids)))

        def run(conn: sqlite3.Connection) -> dict[str, Node]:
            rows = conn.execute(
                "SELECT n.label, n.id, n.props, n.scores FROM json_each(?) j CROSS JOIN nodes n "
                "ON n.label = ? AND n.id = j.value",
                (payload, NodeLabel(label).value),
            ).fetchall()
            return {r[1]: _node(r) for r in rows}

        return await self._read(run)

    def _filters(
        self, conn: sqlite3.Connection, query: NodeQuery, alias: str, args: list[Any]
    ) -> list[str]:
        clauses = [_condition_sql(c, alias, args) for c in query.conditions]
        for rel in query.related:
            nids = self._nids(conn, rel.nodes)
            near, far = ("src", "dst") if rel.direction is Direction.OUT else ("dst", "src")
            args.extend([RelType(rel.type).value, json.dumps(sorted(nids.values()))])
            edge_sql = "".join(" AND " + _condition_sql(c, "r", args) for c in rel.edge)
            # drive from the edges of the related nodes: they are few next to the label
            clauses.append(
                f"{alias}.nid IN (SELECT r.{near} FROM edges r WHERE r.type = ? "
                f"AND r.{far} IN (SELECT value FROM json_each(?)){edge_sql})"
            )
        return clauses

    async def list_nodes(
        self, label: NodeLabel, query: NodeQuery = NodeQuery(), page: PageRequest = PageRequest()
    ) -> Page[Node]:
        window = _Window[Node](query, page, "n")

        def run(conn: sqlite3.Connection) -> Page[Node]:
            fargs: list[Any] = []
            # The label is a literal (a NodeLabel value: a closed set of plain words), so that
            # SQLite may use the partial per-label indexes. With a related filter, start from
            # those edges rather than every node of the label (unary + keeps the label's
            # indexes out of the plan).
            literal = f"'{NodeLabel(label).value}'"
            label_sql = f"+n.label = {literal}" if query.related else f"n.label = {literal}"
            filters = [label_sql, *self._filters(conn, query, "n", fargs)]
            where = " AND ".join(filters)
            total = conn.execute(f"SELECT count(*) FROM nodes n WHERE {where}", fargs).fetchone()[0]
            wargs = list(fargs)
            bounds = window.where_sql(wargs)
            sql = (
                f"SELECT n.label, n.id, n.props, n.scores, {window.key} FROM nodes n "
                f"WHERE {' AND '.join([*filters, *bounds])} "
                f"ORDER BY {window.order_sql()} LIMIT ?"
            )
            rows = conn.execute(sql, [*wargs, window.limit + 1]).fetchall()
            return window.page([(r[4], _node(r), r[1]) for r in rows], total)

        return await self._read(run)

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
        window = _Window[Hop](query, page, "o")
        rel = RelType(type)

        def run(conn: sqlite3.Connection) -> dict[NodeRef, Page[Hop]]:
            nids = self._nids(conn, refs)
            by_nid = {nid: ref for ref, nid in nids.items()}
            near, far = ("src", "dst") if direction is Direction.OUT else ("dst", "src")
            fargs: list[Any] = [json.dumps(list(by_nid)), rel.value]
            filters = [f"e.{near} IN (SELECT value FROM json_each(?))", "e.type = ?"]
            filters += [_condition_sql(c, "e", fargs) for c in edge]
            filters += self._filters(conn, query, "o", fargs)
            where = " AND ".join(filters)
            base = f"FROM edges e JOIN nodes o ON o.nid = e.{far} WHERE {where}"
            totals = dict(
                conn.execute(f"SELECT e.{near}, count(*) {base} GROUP BY e.{near}", fargs)
            )
            wargs = list(fargs)
            bounds = window.where_sql(wargs)
            where_page = " AND ".join([*filters, *bounds])
            sql = (
                "SELECT * FROM (SELECT e.src AS s, e.dst AS d, e.props AS ep, "
                "o.label, o.id, o.props, o.scores, "
                f"{window.key} AS k, e.{near} AS parent, row_number() OVER "
                f"(PARTITION BY e.{near} ORDER BY {window.order_sql()}) AS rn "
                f"FROM edges e JOIN nodes o ON o.nid = e.{far} WHERE {where_page}) "
                "WHERE rn <= ? ORDER BY parent, rn"
            )
            rows = conn.execute(sql, [*wargs, window.limit + 1]).fetchall()
            grouped: dict[int, list[tuple[Any, Hop, str]]] = defaultdict(list)
            for _s, _d, ep, o_label, o_id, o_props, o_scores, k, parent, _rn in rows:
                other = _node((o_label, o_id, o_props, o_scores))
                me = by_nid[parent]
                src, dst = (me, other.ref) if direction is Direction.OUT else (other.ref, me)
                grouped[parent].append((k, Hop(Edge(rel, src, dst, json.loads(ep)), other), o_id))
            out: dict[NodeRef, Page[Hop]] = {}
            for ref in refs:
                nid = nids.get(ref)
                out[ref] = window.page(grouped.get(nid, []) if nid else [], totals.get(nid, 0))
            return out

        return await self._read(run)

    async def count_nodes(self, label: NodeLabel) -> int:
        return await self._read(
            lambda c: c.execute(
                "SELECT count(*) FROM nodes WHERE label = ?", (NodeLabel(label).value,)
            ).fetchone()[0]
        )

    async def count_edges(self, type: RelType) -> int:
        return await self._read(
            lambda c: c.execute(
                "SELECT count(*) FROM edges WHERE type = ?", (RelType(type).value,)
            ).fetchone()[0]
        )

    async def stream_nodes(
        self, label: NodeLabel, *, batch_size: int = 10_000
    ) -> AsyncIterator[list[Node]]:
        last = ""
        while True:
            rows = await self._read(
                lambda c, last=last: c.execute(  # type: ignore[misc]
                    "SELECT label, id, props, scores FROM nodes WHERE label = ? AND id > ? "
                    "ORDER BY id LIMIT ?",
                    (NodeLabel(label).value, last, batch_size),
                ).fetchall(),
                inline=False,  # a batch is over any budget: straight to a reader thread
            )
            if not rows:
                return
            yield [_node(r) for r in rows]
            last = rows[-1][1]

    async def stream_texts(
        self, label: NodeLabel, fields: Sequence[str], *, batch_size: int = 10_000
    ) -> AsyncIterator[list[TextRow]]:
        columns = []
        for name in fields:
            if check_field(name) == "id" or name.startswith("scores."):
                raise InvalidInput(
                    f"{name!r} is not a property name",
                    [Problem("fields", name, "a property of the node (not id or scores.*)")],
                )
            path = f"'$.{name}'"  # check_field allowed letters, digits and _ only
            columns.append(
                f"CASE WHEN json_type(props, {path}) = 'text' "
                f"THEN nullif(json_extract(props, {path}), '') END"
            )
        sql = (
            f"SELECT {', '.join(['id', *columns])} FROM nodes "
            "WHERE label = ? AND id > ? ORDER BY id LIMIT ?"
        )
        last = ""
        while True:
            rows = await self._read(
                lambda c, last=last: c.execute(  # type: ignore[misc]
                    sql, (NodeLabel(label).value, last, batch_size)
                ).fetchall(),
                inline=False,
            )
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    async def stream_edges(
        self, type: RelType, *, batch_size: int = 10_000
    ) -> AsyncIterator[list[Edge]]:
        rel = RelType(type)
        last = 0
        while True:
            rows = await self._read(
                lambda c, last=last: c.execute(  # type: ignore[misc]
                    "SELECT e.eid, s.label, s.id, d.label, d.id, e.props FROM edges e "
                    "JOIN nodes s ON s.nid = e.src JOIN nodes d ON d.nid = e.dst "
                    "WHERE e.type = ? AND e.eid > ? ORDER BY e.eid LIMIT ?",
                    (rel.value, last, batch_size),
                ).fetchall(),
                inline=False,
            )
            if not rows:
                return
            yield [
                Edge(
                    rel,
                    NodeRef(NodeLabel(sl), si),
                    NodeRef(NodeLabel(dl), di),
                    json.loads(p),
                )
                for _, sl, si, dl, di, p in rows
            ]
            last = rows[-1][0]

    async def data_version(self) -> int:
        return int(
            await self._read(
                lambda c: c.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[
                    0
                ]
            )
        )

    async def put_document(self, key: str, value: Mapping[str, Any]) -> None:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO documents (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text),
            )

        async with self._exclusive():
            await self._write(run)

    async def get_document(self, key: str) -> dict[str, Any] | None:
        row = await self._read(
            lambda c: c.execute("SELECT value FROM documents WHERE key = ?", (key,)).fetchone()
        )
        return None if row is None else dict(json.loads(row[0]))
