"""``load_path``: validate a data folder, write it through the storage port, resolve identities.

Files are streamed in chunks, never held whole. Each chunk is validated (row models in one
pydantic call, :meth:`~loaders.rows.RowParser.parse_many`; then references and duplicates
against :class:`~loaders.checks.LoadIndex`), every node file before any relationship file.
How accepted records reach the store depends on what it offers:

* **one atomic bulk session** (:meth:`GraphStore.atomic_bulk`, SQLite): records go to a writer
  task in batches as soon as their fate is final, so the store's thread writes while this one
  validates; the session commits only if the load is accepted;
* **otherwise** (Neo4j) **two passes**: valid records wait in a temporary staging file, then
  are written ``batch_size`` per transaction.

If any row is rejected and ``skip_invalid`` is false, nothing is written (or committed) and
InvalidInput lists every problem as ``file:line: field: reason``. An interrupted load leaves
the store as it was (bulk session) or whole batches, nodes before the relationships that need
them (two passes); loading the same folder again completes it, and a load of unchanged data
changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import marshal
import os
import pickle
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from traceback import format_exception
from typing import Any, Final, Protocol, TypeVar, cast

from graph_api.errors import GraphApiError, InvalidInput, Problem
from graph_api.model import LinkStatus, NodeLabel, RelType
from graph_api.store.base import (
    EncodedEdge,
    EncodedNode,
    GraphStore,
    NumberedEdge,
    NumberedNode,
    StoreOpener,
    UpsertResult,
    WriteCounts,
    nonempty_text,
)
from loaders.checks import LoadIndex, Loc, loc_line, make_loc
from loaders.identity import (
    CustomerFacts,
    ExistingLink,
    IdentityFacts,
    Link,
    LinkWriter,
    Matches,
    ProfileFacts,
    ResolutionReport,
    match_facts,
    read_facts,
    resolve_identities,
    write_links,
)
from loaders.layout import DataFile, FileSpec, discover
from loaders.progress import BarProgress, LineProgress, NoProgress, Progress, make_progress
from loaders.readers import open_source
from loaders.rejects import write_rejects
from loaders.rows import (
    CellsParser,
    EdgeRecord,
    NodeCellsParser,
    NodeRecord,
    RowError,
    RowParser,
    values_order,
)
from loaders.staging import StagedRecord, StagingFile

__all__ = ["DEFAULT_BATCH_SIZE", "FileReport", "LoadReport", "load_path"]

_log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5_000
_PERFORMED = RelType.PERFORMED.value
_CHUNK = 2_000  # rows validated by one pydantic call, then looked up in the store at once
_YOUNG_GC_EVERY = 50  # chunks between two collections of the young generations
_FACT_COLUMNS: Final = {
    NodeLabel.CUSTOMER: ("name", "email", "phone"),
    NodeLabel.PROFILE: ("platform", "handle", "displayName", "email", "phone"),
}
"""What identity resolution reads of a customer or profile (see :func:`read_facts`)."""
_FACT_LABELS: Final = frozenset(_FACT_COLUMNS)
_FACT_RELS: Final = frozenset({RelType.HAS_PROFILE})
_QUEUED_BATCHES = 4  # batches a pipelined load may validate ahead of its writer
_QUEUED_BYTES = 64 * 1024 * 1024
"""The same when a second process validates, in pickled bytes (batches of 20 kB to 1 MB):
enough for the relationships validated while the store builds its node indexes (see
:meth:`GraphStore.bulk_nodes_written`; seconds on the large set), so validation goes on."""
_SWITCH_INTERVAL = 0.0002  # seconds; see _quick_handoff
_INDEX_TAIL: Final = 8
"""A pipelined load asks the store to build its put-off indexes (see
:meth:`GraphStore.bulk_indexes_now`) after the first relationship file whose end leaves
at most 1/8 of the load's bytes still to write (large set: after follows.csv, member_of,
purchases and referrals then hold 7.6 %). Those files take the validating process longer
per byte than the rest (short rows), so the `edges_in` build (4-5 s) overlaps their
validation instead of lengthening the commit (large set: commit 5-8 s -> 0.5 s; the writer
then drains 2-3 s after the verdict, while identity matching, which ends the load, goes
on; see docs/benchmarks.md, fourteenth session). The rows after it keep it up to date."""


@dataclass(slots=True)
class FileReport:
    """What happened to the rows of one file. ``read`` always equals the other four summed.

    An identical repetition of an earlier row counts as ``unchanged``. For ``interactions``
    the row counts are those of the Interaction nodes; ``relationships`` counts the inline
    relationships written beside them.
    """

    file: str
    kind: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    relationships: dict[RelType, WriteCounts] = field(default_factory=dict)
    rejects_file: Path | None = None

    @property
    def consistent(self) -> bool:
        return self.read == self.inserted + self.updated + self.unchanged + self.rejected

    def add(self, counts: WriteCounts) -> None:
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    def summary(self) -> str:
        text = (
            f"{self.read:,} read, {self.inserted:,} inserted, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {self.rejected:,} rejected"
        )
        if self.rejects_file is not None:
            text += f" (see {self.rejects_file})"
        return text


@dataclass(slots=True)
class LoadReport:
    """The outcome of :func:`load_path`."""

    path: Path
    files: list[FileReport] = field(default_factory=list)
    unknown_files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    data_version_before: int = 0
    data_version: int = 0
    resolution: ResolutionReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time per phase: ``validate``, ``write``, ``load`` (both), ``resolve``. When
    ``pipelined``, files were written while later ones were validated, ``write`` is the part
    left after validation, and ``commit`` the end of the store's bulk session (included in
    ``load``); ``resolve`` is then the time resolution added: its reading before the commit,
    and after it what was left of its matching (which ran during the commit) and the
    writing of its links."""
    pipelined: bool = False
    """Written inside the store's atomic bulk session, at the same time as validated."""
    peak_rss_mib: dict[str, float] = field(default_factory=dict)
    """Peak resident memory at the end of each phase. When a second process validated, a
    bound on the two together: its peak plus this process's when it ended, or this
    process's peak since, whichever is larger."""

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def changed(self) -> bool:
        return self.data_version != self.data_version_before

    def lines(self) -> list[str]:
        """A human summary: one line per file, unknown files, identity resolution."""
        out = [f"{f.file}: {f.summary()}" for f in self.files]
        out += [f"{name}: unknown file, not loaded" for name in self.unknown_files]
        if self.resolution is not None:
            out.append(f"identity resolution: {self.resolution.summary()}")
        out.append(f"data version {self.data_version_before} → {self.data_version}")
        return out


_WORKDIR_PREFIX: Final = "graph-load-"


def _workdir() -> tempfile.TemporaryDirectory[str]:
    """A load's scratch folder in the temporary directory, named after its process; it holds
    rows waiting for their fate, and what identity resolution reads (names, e-mail
    addresses, phone numbers). A load that was killed could not remove its own: the next
    one removes it (see :func:`_remove_abandoned`)."""
    root = Path(tempfile.gettempdir())
    _remove_abandoned(root)
    return tempfile.TemporaryDirectory(prefix=f"{_WORKDIR_PREFIX}{os.getpid()}-", dir=root)


def _remove_abandoned(root: Path) -> None:
    """Remove this user's load scratch folders whose process is gone (a process with that
    number, alive, keeps its folder: maybe another load). POSIX only: elsewhere
    ``os.kill(pid, 0)`` would end the process instead of asking whether it runs."""
    if os.name != "posix":
        return
    uid = os.getuid()
    for path in root.glob(_WORKDIR_PREFIX + "*"):
        pid = path.name[len(_WORKDIR_PREFIX) :].partition("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            if not path.is_dir() or path.stat().st_uid != uid:
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's (PermissionError), or cannot tell: keep its folder
        return True
    return True


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's automatic cyclic garbage collector for the duration of a load.

    Validation allocates millions of short-lived containers while the load index grows; the
    automatic collector then walks that index again and again (a third of the validation time
    on the medium set). Reference counting frees nearly everything here; the few cycles (e.g.
    the tracebacks of rejected rows) are swept by :func:`_collect_young` during the load and by
    one full collection at the end.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@contextmanager
def _quick_handoff() -> Iterator[None]:
    """Let a thread waiting for the GIL have it after 0.2 ms instead of Python's 5 ms.

    In a pipelined load the store's writer thread takes the GIL back after every SQLite
    statement, while this thread validates without pause: with the default interval the writer
    waited up to 5 ms each time, hundreds of times per file (medium set, A/B: load 11.7 s at
    5 ms, 9.0 to 9.6 s at 0.2 ms). The interval only matters while a thread waits, so the cost is
    small; it is restored afterwards.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, _SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


async def _tick(progress: Progress, every: float = 0.5) -> None:
    """Keep a step without rows visibly alive (its elapsed time) until cancelled."""
    while True:
        progress.update(0)
        await asyncio.sleep(every)


def _collect_young() -> None:
    """Sweep cycles among objects allocated since the last sweep (cheap: survivors age out)."""
    gc.collect(1)


def _refs(record: NodeRecord | EdgeRecord) -> Iterator[tuple[str, str]]:
    if isinstance(record, EdgeRecord):
        yield record[1:3]
        yield record[3:5]
        return
    for rel, src_label, src_id, dst_label, dst_id, _ in record.edges:
        yield (src_label, src_id) if rel == _PERFORMED else (dst_label, dst_id)


def _node_ref(spec: FileSpec, data: dict[str, Any]) -> tuple[str, str] | None:
    """The node a rejected row meant to write, when its id can be read."""
    node_id = data.get("id")
    if spec.label is None or not isinstance(node_id, str) or not node_id.strip():
        return None
    return spec.label.value, node_id.strip()


def _stage_node(record: NodeRecord, line: int) -> StagedRecord:
    return (line, record.id, record.encoded, record.edges)


def _stage_facts(
    record: NodeRecord, line: int, columns: tuple[str, ...], at: list[int]
) -> StagedRecord:
    """A customer's or profile's staged record for identity resolution: ``(line, id, text
    of each of the ``columns``)``, as :func:`read_facts` reads them from the store, taken from
    the record's validated values (at the positions ``at``) rather than decoded from its JSON
    (large set: 3 s less of matching after validation)."""
    values = record.values
    if values is None:  # a row parsed alone
        props = json.loads(record.encoded)
        return (line, record.id, *[nonempty_text(props.get(c)) for c in columns])
    return (line, record.id, *[_fact_text(values[k]) for k in at])


def _fact_text(value: object) -> str | None:
    """:func:`nonempty_text` of a validated value's JSON (an enum's is its value)."""
    if isinstance(value, Enum):
        value = value.value
    return value if isinstance(value, str) and value else None


_Batch = tuple[list[EncodedNode], list[EncodedEdge]]
_Step = tuple[str, int]
"""A unit of the write pass: ``("nodes" | "inline" | "edges", file index)``."""


class _Sink(Protocol):
    """Where validation puts the records it accepts (with the line they come from)."""

    def append_node(self, record: NodeRecord, line: int) -> None: ...

    def extend_edges(
        self, records: list[EdgeRecord], lines: list[int], numbered: list[NumberedEdge]
    ) -> None: ...

    def extend_numbered_nodes(self, nodes: list[NumberedNode], links: list[NumberedEdge]) -> None:
        """New numbered nodes of a file whose rows are not kept for identity resolution,
        and their links (numbered too)."""

    async def chunk_done(self) -> None: ...

    async def file_done(self) -> None: ...


class _ToStaging:
    """Two passes: accepted records wait in the file's staging file for the write pass."""

    def __init__(self, staging: StagingFile) -> None:
        self.staging = staging

    def append_node(self, record: NodeRecord, line: int) -> None:
        self.staging.append(_stage_node(record, line))

    def extend_edges(
        self, records: list[EdgeRecord], lines: list[int], numbered: list[NumberedEdge]
    ) -> None:
        assert not numbered, "nodes are numbered in a bulk session only, which writes at once"
        for line, record in zip(lines, records, strict=True):
            self.staging.append((line, *record))

    def extend_numbered_nodes(self, nodes: list[NumberedNode], links: list[NumberedEdge]) -> None:
        raise AssertionError("nodes are numbered in a bulk session only, which writes at once")

    async def chunk_done(self) -> None:
        return None

    async def file_done(self) -> None:
        return None


_WriteItem = tuple[str, int, list[Any]]
"""For the writer of a pipelined load: ``("nodes" | "inline" | "edges", file, batch)``, or
``("end", file, [])`` after a file's last batch; from a validating process, pickled."""


class _Outbox(Protocol):
    """Where validation sends the writer its work: :class:`_Channel` in this process,
    :class:`_PipeOutbox` from a validating process."""

    async def put(self, item: _WriteItem | None) -> None: ...


_Queued = _WriteItem | bytes | None


class _Channel:
    """The bounded queue from validation to the writer task of this process: at most
    ``maxsize`` items, or, for pickled batches (from a validating process), at most
    ``max_bytes`` of them.

    A put waits while the queue is full, but not for a writer that has failed: its error is
    raised at once (a plain ``Queue.put`` would wait for room forever).
    """

    def __init__(self, maxsize: int, max_bytes: int = 0) -> None:
        self.queue: asyncio.Queue[_Queued] = asyncio.Queue(maxsize=0 if max_bytes else maxsize)
        self.writer: asyncio.Task[None] | None = None
        self.max_bytes = max_bytes
        self.held = 0  # bytes of the pickled batches in the queue
        self.room = asyncio.Event()

    def _full(self) -> bool:
        return self.held >= self.max_bytes if self.max_bytes else self.queue.full()

    async def put(self, item: _Queued) -> None:
        while self._full():
            writer = self.writer
            self.room.clear()
            waiting = asyncio.ensure_future(self.room.wait())
            try:
                pending = {waiting, writer} if writer is not None else {waiting}
                await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiting.cancel()
            if writer is not None and writer.done():
                await writer  # raises its error
                raise RuntimeError("the load's writer stopped before the load was written")
        if isinstance(item, bytes):
            self.held += len(item)
        self.queue.put_nowait(item)

    async def get(self) -> _Queued:
        item = await self.queue.get()
        if isinstance(item, bytes):
            self.held -= len(item)
        self.room.set()
        return item


class _ToWriter:
    """Pipelined: accepted records go to the writer in batches as soon as their fate is final.

    Interactions that answer one not seen yet wait in the staging file until every node file
    is read (:meth:`LoadIndex.settle_pending`); the others, and every record of the other
    files, are written while the rest of the load is validated. The queue is bounded, so
    validation waits for a writer that falls behind and memory stays at a few batches.
    """

    def __init__(
        self,
        loader: _Loader,
        i: int,
        index: LoadIndex,
        queue: _Outbox,
    ) -> None:
        spec = loader.files[i].spec
        self.i = i
        self.queue = queue
        self.batch_size = loader.batch_size
        self.staging = loader.staged[i]
        self.pending = index.is_pending
        self.label = spec.label.value if spec.label is not None else ""
        self.interactions = spec.label is NodeLabel.INTERACTION
        self.nodes: list[EncodedNode | NumberedNode] = []
        self.inline: list[EncodedEdge] = []
        self.edges: list[EncodedEdge] = []
        self.numbering = index.numbers_from is not None
        self.numbered_inline: list[NumberedEdge] = []
        self.numbered_edges: list[NumberedEdge] = []
        # what identity resolution reads, kept in the staging file for it (see _facts_here)
        self.keep = loader.keep_facts and (spec.label in _FACT_LABELS or spec.rel in _FACT_RELS)
        self.facts: tuple[str, ...] = ()
        self.facts_at: list[int] = []
        if spec.label in _FACT_COLUMNS:
            order = values_order(spec.label)
            self.facts = _FACT_COLUMNS[spec.label]
            self.facts_at = [order.index(column) for column in self.facts]

    def append_node(self, record: NodeRecord, line: int) -> None:
        if self.interactions and self.pending(record.id):
            self.staging.append(_stage_node(record, line))
            return
        if self.keep:  # for identity resolution (see _facts_here), and written now too
            self.staging.append(_stage_facts(record, line, self.facts, self.facts_at))
        if self.numbering:  # every node of such a load is new, and numbered
            self.nodes.append((self.label, record.id, record.encoded, record.number))
            if record.numbered is not None:
                self.numbered_inline.extend(record.numbered)
                return
        else:
            self.nodes.append((self.label, record.id, record.encoded))
        if record.edges:
            self.inline.extend(record.edges)

    def extend_edges(
        self, records: list[EdgeRecord], lines: list[int], numbered: list[NumberedEdge]
    ) -> None:
        self.edges.extend(records)
        self.numbered_edges.extend(numbered)
        if self.keep:
            for line, record in zip(lines, records, strict=True):
                self.staging.append((line, *record))

    def extend_numbered_nodes(self, nodes: list[NumberedNode], links: list[NumberedEdge]) -> None:
        assert self.numbering and not self.keep, "rows kept for matching go one by one"
        self.nodes.extend(nodes)
        self.numbered_inline.extend(links)

    async def chunk_done(self) -> None:
        size = self.batch_size
        if max(map(len, self._lists())) >= size:
            await self._flush()
        else:
            await asyncio.sleep(0)  # let the writer pick up the batch before this one

    def _lists(self) -> tuple[list[Any], ...]:
        return (self.nodes, self.inline, self.numbered_inline, self.edges, self.numbered_edges)

    async def _flush(self) -> None:
        if self.nodes:  # nodes first: the relationships of the same rows need them
            await self.queue.put(("nodes#" if self.numbering else "nodes", self.i, self.nodes))
            self.nodes = []
        if self.inline:
            await self.queue.put(("inline", self.i, self.inline))
            self.inline = []
        if self.numbered_inline:
            await self.queue.put(("inline#", self.i, self.numbered_inline))
            self.numbered_inline = []
        if self.edges:
            await self.queue.put(("edges", self.i, self.edges))
            self.edges = []
        if self.numbered_edges:
            await self.queue.put(("edges#", self.i, self.numbered_edges))
            self.numbered_edges = []

    async def file_done(self) -> None:
        await self._flush()
        if not self.interactions:
            await self.queue.put(("end", self.i, []))


def _index_point(files: list[DataFile]) -> int | None:
    """The relationship file after whose last batch the store builds its put-off indexes
    (:data:`_INDEX_TAIL`), or None: at the commit, as when the load ends with a large file."""
    sizes = [f.path.stat().st_size for f in files]
    total = sum(sizes)
    left = total
    for i, data_file in enumerate(files[:-1]):  # after the last file is the commit anyway
        left -= sizes[i]
        if not data_file.spec.is_node and left * _INDEX_TAIL <= total:
            return i
    return None


class _Loader:
    def __init__(
        self,
        store: GraphStore,
        files: list[DataFile],
        *,
        skip_invalid: bool,
        batch_size: int,
        progress: Progress,
        workdir: Path,
    ) -> None:
        self.store = store
        self.files = files
        self.skip_invalid = skip_invalid
        self.batch_size = batch_size
        self.progress = progress
        self.workdir = workdir
        self.reports = [FileReport(f.name, f.spec.kind) for f in files]
        self.staged: list[StagingFile] = []
        self.header_problems: dict[int, list[RowError]] = {}
        self.index: LoadIndex | None = None
        self.labels: list[NodeLabel] = []
        """The labels the store held nodes of when the load began."""
        self.validator_peak_mib = 0.0
        """The validating process's peak resident memory, when there was one, plus this
        process's when it ended."""
        self.write_progress: Progress = progress
        """Where the write pass reports; while files are validated it says nothing on a
        terminal (one bar at a time) and its own lines otherwise."""
        self.keep_facts = False
        """Keep what identity resolution reads (accepted Customer, Profile and HAS_PROFILE
        rows) in the staging files: a validating process then matches them itself."""
        self.matches: asyncio.Task[Matches] | None = None
        """The validating process's identity matches, when it computes them; their links
        come on ``links`` as they are found, then None."""
        self.links: asyncio.Queue[list[Link] | None] = asyncio.Queue()

    def peak_rss_mib(self) -> float:
        """A bound on the peak resident memory of this process and the validating one, if
        any, together: that one's peak plus this one's when it ended, or this one's peak
        since, whichever is larger."""
        return max(_peak_rss_mib(), self.validator_peak_mib)

    # -- pass 1: validate --------------------------------------------------------------------

    async def open_index(self) -> LoadIndex:
        self.labels = [label for label in NodeLabel if await self.store.count_nodes(label) > 0]
        self.index = LoadIndex(self.store, self.labels)
        return self.index

    async def validate(
        self,
        index: LoadIndex,
        ready: Callable[[_Step], Awaitable[None]],
        sink: Callable[[int], _Sink] | None = None,
    ) -> None:
        """Validate every file in order; ``ready`` gets each write step once its rows' fate is
        final: a node file after its last row, interactions (whose replies may come before
        what they answer) once every node file is read, a relationship file after its last
        row. Steps come in an order the store can write them in."""
        held: list[int] = []

        async def settle() -> None:
            index.settle_pending()
            for j in held:
                await ready(("nodes", j))
            for j in held:
                await ready(("inline", j))

        settled = False
        for i, data_file in enumerate(self.files):
            if not data_file.spec.is_node and not settled:
                await settle()
                settled = True
            if settled:  # relationship files only from here (node files come first)
                index.keep_only(
                    {
                        label.value
                        for later in self.files[i:]
                        for end in (later.spec.src, later.spec.dst)
                        if end is not None
                        for label in end.labels
                    }
                )
            staging = StagingFile(self.workdir / f"{i}.staged")
            self.staged.append(staging)
            out = sink(i) if sink is not None else _ToStaging(staging)
            await self._validate_file(i, data_file, index, out)
            await out.file_done()
            staging.seal()
            if not data_file.spec.is_node:
                await ready(("edges", i))
            elif data_file.spec.label is NodeLabel.INTERACTION:
                held.append(i)
            else:
                await ready(("nodes", i))
        if not settled:
            await settle()
        for i, report in enumerate(self.reports):
            in_file = sum(1 for loc in index.rejected if loc >> 40 == i)
            report.rejected = in_file

    async def _validate_file(
        self, i: int, data_file: DataFile, index: LoadIndex, out: _Sink
    ) -> None:
        parser = RowParser(data_file.spec)
        report = self.reports[i]
        spec = data_file.spec
        columns = (
            (spec.src.column, spec.dst.column)
            if spec.src is not None and spec.dst is not None
            else ("", "")
        )
        self.progress.start(f"validate {data_file.name}", data_file.path.stat().st_size)
        if spec.is_node:
            index.begin_file(i)
        last_line = 0  # of the file, for the numbers of the next one
        by_id = self.keep_facts and spec.rel in _FACT_RELS  # staged with their ids
        with open_source(data_file.path) as source:
            header: list[RowError] = list(source.header_problems)
            header += [
                (c, f"unknown column (known: {', '.join(sorted(parser.columns))})")
                for c in parser.unknown_columns(source.columns or [])
            ]
            if header:
                self.header_problems[i] = header
            # rows of a CSV file (but interactions): parsed from their cells, no dict per row
            by_cells = None
            if not header and source.format == "csv" and source.columns is not None:
                by_cells = parser.cells_parser(source.columns)
            # relationships of a load whose nodes are numbered, not kept by id: their chunks
            # try the column-wise path first (CellsParser.columns, LoadIndex.add_edge_columns)
            by_columns = (
                by_cells
                if isinstance(by_cells, CellsParser)
                and index.numbers_from is not None
                and not by_id
                else None
            )
            # and so do the interactions of such a load (RowParser.interaction_columns,
            # LoadIndex.add_interaction_columns)
            by_links = spec.label is NodeLabel.INTERACTION and index.numbers_from is not None
            for n, chunk in enumerate(source.chunks(_CHUNK, cells=by_cells is not None), 1):
                if n % _YOUNG_GC_EVERY == 0:
                    _collect_young()
                report.read += len(chunk)
                if chunk.lines:
                    last_line = max(last_line, chunk.lines[-1])
                for raw in chunk.unreadable:
                    last_line = max(last_line, raw.line)
                    loc = make_loc(i, raw.line)
                    index.reject(loc, header or [("", raw.error or "")], _node_ref(spec, raw.data))
                if header:
                    for line, data in zip(chunk.lines, chunk.rows, strict=True):
                        index.reject(make_loc(i, line), header, _node_ref(spec, data))
                    continue
                base = make_loc(i, 0)
                numbered = None  # the common case of a first load, column by column
                if by_columns is not None and (as_columns := by_columns.columns(chunk.cells)):
                    numbered = index.add_edge_columns(as_columns, chunk.lines, base)
                    if numbered is not None:
                        out.extend_edges([], [], numbered)
                elif by_links and (links := parser.interaction_columns(chunk.rows)):
                    made = index.add_interaction_columns(links, chunk.lines, base)
                    if made is not None:
                        out.extend_numbered_nodes(*made)
                        numbered = made[1]
                if numbered is not None:
                    self.progress.update(report.read, source.bytes_read)
                    await out.chunk_done()
                    continue
                results = (
                    by_cells(chunk.cells) if by_cells is not None else parser.parse_many(chunk.rows)
                )
                await index.prefetch(
                    ref for r in results if not isinstance(r, list) for ref in _refs(r)
                )
                if not spec.is_node:
                    edges = cast("list[EdgeRecord | list[RowError]]", results)
                    out.extend_edges(*index.add_edges(edges, chunk.lines, base, columns, by_id))
                else:
                    nodes = cast("list[NodeRecord | list[RowError]]", results)
                    for k, (line, result) in enumerate(zip(chunk.lines, nodes, strict=True)):
                        if isinstance(result, list):
                            data = (
                                chunk.rows[k]
                                if not isinstance(by_cells, NodeCellsParser)
                                else by_cells.row(chunk.cells[k])
                            )
                            index.reject(base | line, result, _node_ref(spec, data))
                        elif index.add_node(result, base | line):
                            out.append_node(result, line)
                self.progress.update(report.read, source.bytes_read)
                await out.chunk_done()
        if spec.is_node:
            index.end_file(last_line)
        self.progress.finish()

    def problems(self, index: LoadIndex) -> list[Problem]:
        """Every problem in file order; a bad CSV header is one problem for its whole file."""
        found: list[tuple[int, int, Problem]] = []
        for i, errors in self.header_problems.items():
            name, rows = self.files[i].name, self.reports[i].read
            found += [
                (
                    i,
                    1,
                    Problem(f"{name}:1", col, f"{why}; all {rows:,} rows of the file are rejected"),
                )
                for col, why in errors
            ]
        for loc, errors in index.rejected.items():
            i, line = loc >> 40, loc_line(loc)
            if i not in self.header_problems:
                where = f"{self.files[i].name}:{line}"
                found += [(i, line, Problem(where, col, why)) for col, why in errors]
        found.sort(key=lambda t: (t[0], t[1]))
        return [p for _, _, p in found]

    # -- pass 2: write ------------------------------------------------------------------------

    async def write(self, steps: list[_Step], rejected: dict[Loc, list[RowError]]) -> None:
        for step in steps:
            await self.write_step(step, rejected)

    async def drain(self, queue: _Channel) -> None:
        """The writer of a pipelined load: upsert the batches put on ``queue``, in order,
        until it yields None."""
        written: dict[int, int] = {}
        shown: dict[int, Progress] = {}  # a file reports where it started, to its end
        node_files = {i for i, f in enumerate(self.files) if f.spec.is_node}
        index_point = _index_point(self.files)
        n = 0
        if not node_files:
            await self.store.bulk_nodes_written()
        while (item := await queue.get()) is not None:
            if isinstance(item, bytes):  # from a validating process (see _PipeOutbox.put)
                item = cast("_WriteItem", marshal.loads(item))  # noqa: S302 - our child's
            kind, i, batch = item
            if i not in written:
                written[i] = 0
                shown[i] = self.write_progress
                shown[i].start(f"write {self.files[i].name}")
            if kind == "end":
                shown.pop(i).finish()
                if i == index_point:
                    await self.store.bulk_indexes_now()
                if i in node_files:
                    node_files.discard(i)
                    if not node_files:  # steps come in order: relationships only from here
                        await self.store.bulk_nodes_written()
                continue
            n += 1
            if n % _YOUNG_GC_EVERY == 0:
                _collect_young()
            if kind == "nodes":
                self._account_nodes(i, await self.store.upsert_encoded(batch, ()))
            elif kind == "nodes#":
                self._account_nodes(i, await self.store.upsert_numbered(batch, ()))
            elif kind == "inline":
                self._account_inline(i, await self.store.upsert_encoded((), batch))
            elif kind == "inline#":
                self._account_inline(i, await self.store.upsert_numbered((), batch))
            elif kind == "edges":
                self._account_edges(i, await self.store.upsert_encoded((), batch))
            else:
                self._account_edges(i, await self.store.upsert_numbered((), batch))
            written[i] += len(batch)
            shown[i].update(written[i])

    async def held(self, step: _Step, queue: _Outbox) -> None:
        """Queue what a pipelined load held back until ``step`` became final: the
        interactions that answer one not seen when they were read (settled now)."""
        kind, i = step
        if kind not in ("nodes", "inline") or self.files[i].spec.label is not NodeLabel.INTERACTION:
            return
        label = NodeLabel.INTERACTION.value
        index = self.index
        rejected = index.rejected if index is not None else {}
        numbered = index is not None and index.numbers_from is not None and kind == "nodes"
        sent = kind + "#" if numbered else kind  # their links go by id: one join each
        base = make_loc(i, 0)
        batch: list[Any] = []
        for record in self._live(i, rejected):
            if numbered:
                assert index is not None
                batch.append((label, record[1], record[2], index.number(base | record[0])))
            elif kind == "nodes":
                batch.append((label, record[1], record[2]))
            else:
                batch.extend(record[3])
            if len(batch) >= self.batch_size:
                await queue.put((sent, i, batch))
                batch = []
        if batch:
            await queue.put((sent, i, batch))
        if kind == "inline":
            await queue.put(("end", i, []))

    def _account_nodes(self, i: int, result: UpsertResult) -> None:
        label = self.files[i].spec.label
        assert label is not None
        self.reports[i].add(result.nodes.get(label, WriteCounts()))

    def _account_inline(self, i: int, result: UpsertResult) -> None:
        relationships = self.reports[i].relationships
        for rel, counts in result.edges.items():
            relationships.setdefault(rel, WriteCounts()).add(counts)

    def _account_edges(self, i: int, result: UpsertResult) -> None:
        rel = self.files[i].spec.rel
        assert rel is not None
        self.reports[i].add(result.edges.get(rel, WriteCounts()))

    async def write_step(self, step: _Step, rejected: dict[Loc, list[RowError]]) -> None:
        kind, i = step
        if kind == "nodes":
            await self._write_nodes(i, rejected)
        elif kind == "inline":
            await self._write_inline_edges(i, rejected)
        else:
            await self._write_edges(i, rejected)

    def count_duplicates(self) -> None:
        """Rows identical to an earlier row of the load count as unchanged."""
        if self.index is not None:
            for i, report in enumerate(self.reports):
                report.unchanged += self.index.duplicates.get(i, 0)

    def _live(self, i: int, rejected: dict[Loc, list[RowError]]) -> Iterator[StagedRecord]:
        for chunk in self._live_chunks(i, rejected):
            yield from chunk

    def _live_chunks(
        self, i: int, rejected: dict[Loc, list[RowError]]
    ) -> Iterator[list[StagedRecord]]:
        """File ``i``'s staged records a staging chunk at a time, less the rejected ones."""
        base = i << 40
        for chunk in self.staged[i].chunks():
            live = [r for r in chunk if base | r[0] not in rejected] if rejected else chunk
            if live:
                yield live

    async def _pump(
        self,
        name: str,
        batches: Iterator[_Batch],
        account: Callable[[UpsertResult], None],
    ) -> None:
        """Upsert batches strictly one after another, preparing the next one while the store
        writes the current one (its work runs in the store's thread)."""
        progress = self.write_progress
        progress.start(name)
        done = 0
        running: asyncio.Task[UpsertResult] | None = None
        size = 0
        for n, (nodes, edges) in enumerate(batches, 1):
            if n % _YOUNG_GC_EVERY == 0:
                _collect_young()
            if running is not None:
                account(await running)
                done += size
                progress.update(done)
            running = asyncio.create_task(self.store.upsert_encoded(nodes, edges))
            size = len(nodes) + len(edges)
            await asyncio.sleep(0)  # let the store start on it before the next is prepared
        if running is not None:
            account(await running)
            done += size
        progress.update(done)
        progress.finish()

    def _batches(
        self, i: int, rejected: dict[Loc, list[RowError]], make: Callable[[StagedRecord], Any]
    ) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for record in self._live(i, rejected):
            item = make(record)
            if isinstance(item, list):
                batch.extend(item)
            else:
                batch.append(item)
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    async def _write_nodes(self, i: int, rejected: dict[Loc, list[RowError]]) -> None:
        label = self.files[i].spec.label
        assert label is not None
        name = label.value

        def node(record: StagedRecord) -> EncodedNode:
            return (name, record[1], record[2])

        batches: Iterator[_Batch] = ((b, []) for b in self._batches(i, rejected, node))
        await self._pump(f"write {self.files[i].name}", batches, partial(self._account_nodes, i))

    async def _write_inline_edges(self, i: int, rejected: dict[Loc, list[RowError]]) -> None:
        def edges(record: StagedRecord) -> list[EncodedEdge]:
            return list(record[3])

        batches: Iterator[_Batch] = (([], b) for b in self._batches(i, rejected, edges))
        await self._pump(
            f"write {self.files[i].name} relationships",
            batches,
            partial(self._account_inline, i),
        )

    async def _write_edges(self, i: int, rejected: dict[Loc, list[RowError]]) -> None:
        def edge(record: StagedRecord) -> EncodedEdge:
            return record[1:]

        batches: Iterator[_Batch] = (([], b) for b in self._batches(i, rejected, edge))
        await self._pump(f"write {self.files[i].name}", batches, partial(self._account_edges, i))


def _plan(root: Path) -> tuple[list[DataFile], list[str], Path]:
    """The data files of ``root`` in load order, the unknown files, and the data folder."""
    if not root.exists():
        raise InvalidInput(f"{root}: no such file or folder", [Problem(str(root), "", "not found")])
    files, unknown = discover(root)
    return files, unknown, root if root.is_dir() else root.parent


async def load_path(
    store: GraphStore,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool | Progress = True,
    rejects_dir: str | Path | None = None,
    resolve: bool = True,
    parallel: bool | None = None,
) -> LoadReport:
    """Load a data folder (or one data file) into ``store``.

    Parameters
    ----------
    store
        An open :class:`~graph_api.store.base.GraphStore`.
    path
        A folder in the layout of ``docs/loaders.md`` (``customers.csv``, ``follows.csv``,
        ``interactions.jsonl`` …) or a single file of it.
    skip_invalid
        Load the valid rows and write the rejected ones, with their reasons, to
        ``<stem>.rejects.<csv|jsonl>`` in ``rejects_dir``. By default any rejected row stops the
        load before anything is written.
    batch_size
        Records per transaction.
    progress
        ``True``: a bar on stderr when it is a terminal, else one line per file; ``False``:
        silent; or a :class:`~loaders.progress.Progress` of your own.
    rejects_dir
        Where rejects files go (default: beside the data).
    resolve
        Run :func:`~loaders.identity.resolve_identities` after the write (link profiles to
        customers by e-mail, phone, handle and name). Existing links are never changed.
    parallel
        Validate in a second process while this one writes, when the store has a bulk
        session and can be read from another process (SQLite files; see
        :meth:`~graph_api.store.base.GraphStore.opener`), on POSIX systems. ``None``
        (default): for data of 16 MiB or more; ``False``: never. The outcome is the same
        either way.

    Returns
    -------
    LoadReport
        Per file: read, inserted, updated, unchanged, rejected (they add up to read).

    Raises
    ------
    InvalidInput
        The path holds no data files, ``batch_size`` is not positive, or rows are rejected
        and ``skip_invalid`` is false; ``problems`` lists every one, and the store is unchanged.
    """
    root = Path(path)
    if batch_size < 1:
        raise InvalidInput("batch_size must be at least 1", [Problem("", "batch_size", "< 1")])
    files, unknown, data_dir = _plan(root)
    if not files:
        problems = [Problem(name, "", "unknown file") for name in unknown]
        raise InvalidInput(
            f"{root}: no data files (expected e.g. customers.csv, profiles.csv, follows.csv, "
            "interactions.jsonl; see docs/loaders.md)",
            problems,
        )
    with _collector_paused():
        return await _load(
            store,
            root,
            files,
            unknown,
            data_dir,
            skip_invalid,
            batch_size,
            progress,
            rejects_dir,
            resolve,
            parallel,
        )


def _validated(
    loader: _Loader, index: LoadIndex, report: LoadReport, skip_invalid: bool, started: float
) -> None:
    """Record the validation pass; refuse the load (InvalidInput, nothing written) if any row
    is rejected and ``skip_invalid`` is false; else forget the ids (keeping the verdicts)."""
    report.problems = loader.problems(index)
    report.seconds["validate"] = time.perf_counter() - started
    report.peak_rss_mib["validate"] = loader.peak_rss_mib()
    if report.problems and not skip_invalid:
        raise InvalidInput(
            f"{report.rejected:,} of {report.read:,} rows rejected; nothing was written "
            "(fix them, or load with skip_invalid / --skip-invalid to load the rest)",
            report.problems,
        )
    index.release()


async def _validate_then_write(
    loader: _Loader, index: LoadIndex, report: LoadReport, skip_invalid: bool
) -> None:
    """Two passes, for stores without an atomic bulk session: validate everything, then write
    in batch transactions (an interrupted write leaves whole batches; loading again completes
    it)."""
    started = time.perf_counter()
    steps: list[_Step] = []

    async def ready(step: _Step) -> None:
        steps.append(step)

    await loader.validate(index, ready)
    _validated(loader, index, report, skip_invalid, started)
    written = time.perf_counter()
    await loader.write(steps, index.rejected)
    report.seconds["write"] = time.perf_counter() - written
    report.seconds["load"] = time.perf_counter() - started
    report.peak_rss_mib["write"] = _peak_rss_mib()


def _opener(store: GraphStore, files: list[DataFile], parallel: bool | None) -> StoreOpener | None:
    """How a validating process will open ``store``, or None to validate in this one."""
    if parallel is False or os.name != "posix":  # the pipe is handed over as a descriptor
        return None
    if parallel is None and sum(f.path.stat().st_size for f in files) < _PARALLEL_FROM:
        return None
    return store.opener()


def _quiet_sibling(progress: Progress) -> Progress:
    """A progress for the write pass while validation holds the terminal's bar."""
    if isinstance(progress, LineProgress):
        return LineProgress(progress.stream)
    return NoProgress()


_PARALLEL_FROM = 16 * 1024 * 1024
"""Bytes of data from which a load validates in a second process, when the store lets one
read it (smaller loads would mostly pay for starting it)."""


@dataclass(frozen=True, slots=True)
class _Job:
    """What a validating process needs; it is pickled over to it."""

    files: list[DataFile]
    labels: list[NodeLabel]
    skip_invalid: bool
    batch_size: int
    workdir: Path
    opener: StoreOpener
    numbers_from: int | None
    resolve: bool


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What a validating process found, sent back after its last record."""

    counts: list[tuple[int, int]]  # (read, rejected) per file
    header_problems: dict[int, list[RowError]]
    rejected: dict[Loc, list[RowError]]
    duplicates: dict[int, int]
    peak_rss_mib: float


class _PipeOutbox:
    """The validating process's end of the pipe: each message pickled onto it. A full pipe
    (the writer behind) makes validation wait, so memory stays bounded on both sides."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def send(self, message: tuple[Any, ...], prefix: bytes = b"C") -> None:
        """Send a message: ``b"C"`` and anything pickled (progress, the verdict, an error)."""
        self.conn.send_bytes(prefix + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    async def put(self, item: _WriteItem | None) -> None:
        """Send a write item: ``b"W"`` and its ``marshal`` form. Its tuples of plain strings
        and ints marshal four times faster than they pickle (300 ns per relationship: pickle
        remembers every tuple it writes), a few seconds of the validating process on the
        large set; anything else in a batch (an enum, a NamedTuple) is refused, loudly."""
        if item is None:  # the loading process ends the writer itself
            return
        kind, i, batch = item
        if kind == "edges":  # EdgeRecords, as the plain tuples marshal takes
            item = (kind, i, list(map(tuple, batch)))
        self.conn.send_bytes(b"W" + marshal.dumps(item))


class _PipeProgress:
    """A validating process's progress, told to the loading process, which shows it."""

    def __init__(self, out: _PipeOutbox) -> None:
        self.out = out

    def start(self, name: str, total_bytes: int | None = None) -> None:
        self.out.send(("start", name, total_bytes))

    def update(self, rows: int, done_bytes: int | None = None) -> None:
        self.out.send(("update", rows, done_bytes))

    def finish(self, summary: str = "") -> None:
        self.out.send(("finish", summary))


def _portable(exc: BaseException) -> BaseException:
    """``exc`` as it can cross to the loading process: itself when it pickles (with the
    validating process's traceback as a note unless it is one of ours), else a RuntimeError
    that carries its text."""
    if not isinstance(exc, GraphApiError):
        exc.add_note("in the load's validating process:\n" + "".join(format_exception(exc)))
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes, a moment ago
    except Exception:
        return RuntimeError("".join(format_exception(exc)))
    return exc


_BOOTSTRAP = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from loaders.load import _validation_main; _validation_main()"
)
"""A validating process's first lines: this process's import path (so that it runs this
same code), then its entry point."""


def _validation_main() -> None:
    """The entry point of a load's validating process (see :func:`_validate_elsewhere`): the
    job comes on stdin, messages go to the pipe whose descriptor is the first argument."""
    # Ctrl-C reaches the whole process group: the loading process ends this one
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(int(sys.argv[1]), readable=False)
    out = _PipeOutbox(conn)
    try:
        job: _Job = pickle.load(sys.stdin.buffer)  # noqa: S301 - from the process that started us
        with _collector_paused():
            asyncio.run(_validate_here(job, out))
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the loading process is gone: nobody to tell
            out.send(("error", _portable(exc)))
    finally:
        conn.close()


async def _validate_here(job: _Job, out: _PipeOutbox) -> None:
    """Validate, sending the batches and then the verdict; then, when asked, match identities
    (:func:`_facts_here`, :func:`match_facts`) while the loading process commits, and send
    the links as they are found, then the rest of the matches."""
    async with job.opener() as store:
        loader = _Loader(
            store,
            job.files,
            skip_invalid=job.skip_invalid,
            batch_size=job.batch_size,
            progress=_PipeProgress(out),
            workdir=job.workdir,
        )
        loader.keep_facts = job.resolve
        index = loader.index = LoadIndex(store, job.labels)
        if job.numbers_from is not None:
            index.number_from(job.numbers_from)

        async def ready(step: _Step) -> None:
            await loader.held(step, out)

        await loader.validate(index, ready, partial(_ToWriter, loader, index=index, queue=out))
        verdict = _Verdict(
            [(r.read, r.rejected) for r in loader.reports],
            loader.header_problems,
            index.rejected,
            index.duplicates,
            _peak_rss_mib(),
        )
        out.send(("done", verdict))
        if job.resolve:
            index.release()  # the ids: what matching needs is in the staging files
            facts = await _facts_here(loader, index.rejected)
            # the links go as they are found: the loading process writes them meanwhile
            send = partial(_send_links, out)
            matches = match_facts(facts, send, job.batch_size)
            out.send(("matches", matches, _peak_rss_mib()))


def _send_links(out: _PipeOutbox, batch: list[Link]) -> None:
    out.send(("links", batch))


async def _facts_here(loader: _Loader, rejected: dict[Loc, list[RowError]]) -> IdentityFacts:
    """What identity resolution's matching reads of the store as the load leaves it, worked
    out by the validating process: what the store held (its committed data,
    :func:`read_facts`), overlaid with the Customer, Profile and HAS_PROFILE rows the load
    writes (kept in the staging files), in :func:`read_facts`'s order. Equal to reading the
    store after the writes, which the loading process then need not do before its commit.

    A label the store held none of keeps the load's order instead (no overlay, no sort:
    0.5 s of the large set's tail); the links found do not depend on the order (tested)."""
    held = await read_facts(loader.store)
    customers: list[CustomerFacts] = []
    profiles: list[ProfileFacts] = []
    existing = {(x.customer_id, x.profile_id): x for x in held.existing}
    for i, data_file in enumerate(loader.files):
        spec = data_file.spec
        if spec.label is NodeLabel.CUSTOMER:  # staged by _stage_facts
            customers += [
                CustomerFacts(node_id, name or "", email, phone)
                for live in loader._live_chunks(i, rejected)
                for _, node_id, name, email, phone in live
            ]
        elif spec.label is NodeLabel.PROFILE:
            profiles += [
                ProfileFacts(node_id, platform or "", handle or "", display, email, phone)
                for live in loader._live_chunks(i, rejected)
                for _, node_id, platform, handle, display, email, phone in live
            ]
        elif spec.rel is RelType.HAS_PROFILE:
            for staged, props in _with_props(loader, i, rejected, 6):
                customer_id, profile_id = staged[3], staged[5]
                status = props.get("status", LinkStatus.CONFIRMED)
                key = (customer_id, profile_id)
                existing[key] = ExistingLink(customer_id, profile_id, LinkStatus(str(status)))
    return IdentityFacts(
        _overlaid(held.customers, customers),
        _overlaid(held.profiles, profiles),
        list(existing.values()),
    )


_Facts = TypeVar("_Facts", CustomerFacts, ProfileFacts)


def _overlaid(held: list[_Facts], loaded: list[_Facts]) -> list[_Facts]:
    """What the store held with what the load writes over it, by id (read_facts's order);
    when it held nothing, what the load writes as it is (its ids are unique)."""
    if not held:
        return loaded
    merged = {x.id: x for x in held}
    merged.update((x.id, x) for x in loaded)
    return [merged[k] for k in sorted(merged)]


def _with_props(
    loader: _Loader, i: int, rejected: dict[Loc, list[RowError]], at: int
) -> Iterator[tuple[StagedRecord, dict[str, Any]]]:
    """The live staged records of file ``i`` with their properties (JSON at ``record[at]``)
    decoded, a staging chunk's in one ``json.loads`` (large set: 3.4 s to read what matching
    needs, a call per record)."""
    for live in loader._live_chunks(i, rejected):
        props = json.loads("[" + ",".join([r[at] for r in live]) + "]")
        yield from zip(live, props, strict=True)


async def _validate_elsewhere(
    loader: _Loader, index: LoadIndex, channel: _Channel, opener: StoreOpener
) -> None:
    """Run :meth:`_Loader.validate` in a second process and hand what it accepts to this
    process's writer.

    In one process, validation (Python) and the store's writer thread take turns on one GIL;
    on two cores two processes do not (large set: see docs/benchmarks.md). The validating
    process reads the store through ``opener`` (committed data, as this process's readers
    do during a bulk session), writes the same staging files, and sends batches, its
    progress and finally its verdict (counts, rejected rows, duplicates) over a pipe. Its
    errors are raised here; if this process stops, it is terminated.
    """
    job = _Job(
        loader.files,
        loader.labels,
        loader.skip_invalid,
        loader.batch_size,
        loader.workdir,
        opener,
        index.numbers_from,
        loader.keep_facts,
    )
    receiving_fd, sending_fd = os.pipe()
    try:
        # a fresh interpreter, not fork: this process has threads (their locks would be copied
        # mid-use) and not multiprocessing's spawn, which re-runs the caller's __main__
        process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own code; starting is quick
            [sys.executable, "-c", _BOOTSTRAP, str(sending_fd)],
            stdin=subprocess.PIPE,
            pass_fds=(sending_fd,),
        )
    except OSError as exc:
        os.close(receiving_fd)
        raise _CannotStart(f"cannot start {sys.executable!r}: {exc}") from exc
    finally:
        os.close(sending_fd)
    receiving = Connection(receiving_fd, writable=False)
    assert process.stdin is not None
    try:
        with process.stdin as stdin:
            pickle.dump(sys.path, stdin)
            pickle.dump(job, stdin, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass  # it stopped at once: its exit status is reported below
    loop = asyncio.get_running_loop()
    progress = loader.progress
    finished = handed_over = False
    try:
        while True:
            try:
                data = await loop.run_in_executor(None, receiving.recv_bytes)
            except (EOFError, OSError):  # gone between messages, or in the middle of one
                code = await loop.run_in_executor(None, process.wait)
                raise RuntimeError(
                    f"the load's validating process stopped without a verdict (exit status "
                    f"{code}; its error, if any, is above); nothing was written. Run the load "
                    "again, or with --no-parallel (parallel=False) to validate in this process"
                ) from None
            if data[:1] == b"W":  # a batch: the writer unpickles it when its turn comes
                await channel.put(data[1:])
                continue
            message = pickle.loads(data[1:])  # noqa: S301 - our own child's, a private pipe
            kind = message[0]
            if kind == "update":
                progress.update(message[1], message[2])
            elif kind == "start":
                progress.start(message[1], message[2])
            elif kind == "finish":
                progress.finish(message[1])
            elif kind == "done":
                _adopt(loader, index, message[1])
                if loader.keep_facts:  # its matches come later: a task waits for them
                    receive = _receive_matches(loader, receiving, process)
                    loader.matches = asyncio.create_task(receive)
                    handed_over = True
                finished = True
                return
            else:
                raise message[1]
    finally:
        if not handed_over:
            await loop.run_in_executor(None, _reap, process, finished)
            receiving.close()


async def _receive_matches(
    loader: _Loader, receiving: Connection, process: subprocess.Popen[bytes]
) -> Matches:
    """The validating process's identity matches, its last messages: the links, a batch at a
    time as they are found (put on ``loader.links``, then None however this ends), and the
    rest of the matches with its peak memory (counted as for the verdict); then it is reaped
    (terminated if this is cancelled first, say because the load failed)."""
    loop = asyncio.get_running_loop()
    finished = False
    try:
        while True:
            try:
                data = await loop.run_in_executor(None, receiving.recv_bytes)
            except (EOFError, OSError):
                raise RuntimeError("the validating process stopped before its matches") from None
            message = pickle.loads(data[1:])  # noqa: S301 - our own child's, a private pipe
            if message[0] == "links":
                loader.links.put_nowait(message[1])
                continue
            if message[0] != "matches":
                raise message[1]
            finished = True
            peak = message[2] + _peak_rss_mib()
            loader.validator_peak_mib = max(loader.validator_peak_mib, peak)
            return cast("Matches", message[1])
    finally:
        loader.links.put_nowait(None)
        await loop.run_in_executor(None, _reap, process, finished)
        receiving.close()


async def _write_streamed(
    loader: _Loader, store: GraphStore, sink: Progress
) -> ResolutionReport | None:
    """Write the links the validating process sends while it matches (the batches
    :func:`write_links` would write, in its order), after the commit; its report, or None
    when matching failed there (a warning: the caller resolves identities here, the links
    written so far being links like any other). Large set: 110,904 links written in the
    5 s of matching instead of 1.4 s after it."""
    assert loader.matches is not None
    sink.start("resolve identities")
    writer = LinkWriter(store, sink)
    try:
        while (batch := await loader.links.get()) is not None:
            await writer.write(batch)
        matches = await loader.matches
    except Exception as exc:
        if not loader.matches.done():
            raise  # the store's error: the caller ends the validating process
        _log.warning("identity matching failed in the validating process: %s", exc)
        sink.finish()
        return None
    return writer.finish(matches)


class _CannotStart(Exception):
    """The validating process could not be started (no usable ``sys.executable``)."""


def _reap(process: subprocess.Popen[bytes], finished: bool) -> None:
    """Wait for a validating process to end: by itself after its verdict, else terminated."""
    if not finished and process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _adopt(loader: _Loader, index: LoadIndex, verdict: _Verdict) -> None:
    """Take over a validating process's verdict as if this process had validated."""
    for report, (read, rejected) in zip(loader.reports, verdict.counts, strict=True):
        report.read, report.rejected = read, rejected
    loader.header_problems = verdict.header_problems
    index.rejected = verdict.rejected
    index.duplicates = verdict.duplicates
    loader.validator_peak_mib = verdict.peak_rss_mib + _peak_rss_mib()


async def _pipelined(
    loader: _Loader,
    index: LoadIndex,
    report: LoadReport,
    skip_invalid: bool,
    sink: Progress,
    opener: StoreOpener | None = None,
) -> None:
    """Validate and write at once, inside the store's atomic bulk session: each file is written
    (on the store's thread) while the next ones are validated, and the session commits only
    if the load is accepted, so a rejected load or a killed one leaves the store as it was.

    With ``opener``, validation runs in a second process (:func:`_validate_elsewhere`) that
    reads the store through it; this process only writes."""
    started = time.perf_counter()
    await _number_nodes(loader, index)
    channel = _Channel(_QUEUED_BATCHES, 0 if opener is None else _QUEUED_BYTES)
    loader.write_progress = _quiet_sibling(sink)
    writer = asyncio.create_task(loader.drain(channel), name="load-writer")
    channel.writer = writer

    async def ready(step: _Step) -> None:
        if writer.done():  # it failed: stop validating, its error is raised below
            await writer
        await loader.held(step, channel)

    try:
        if opener is None:
            await loader.validate(
                index, ready, partial(_ToWriter, loader, index=index, queue=channel)
            )
        else:
            try:
                await _validate_elsewhere(loader, index, channel, opener)
            except _CannotStart as exc:  # nothing was validated yet: do it here
                _log.warning("validating in this process: %s", exc)
                await loader.validate(
                    index, ready, partial(_ToWriter, loader, index=index, queue=channel)
                )
        _validated(loader, index, report, skip_invalid, started)
        validated = time.perf_counter()
        if isinstance(sink, BarProgress):
            loader.write_progress = sink
        await channel.put(None)
        await writer
    except BaseException:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        raise
    report.seconds["write"] = time.perf_counter() - validated
    report.seconds["load"] = time.perf_counter() - started
    report.pipelined = True
    report.peak_rss_mib["write"] = loader.peak_rss_mib()


async def _number_nodes(loader: _Loader, index: LoadIndex) -> None:
    """Number the load's nodes when every one of them is new: the labels of its node files
    had no node when the load began (a first load, say). The store then writes the
    relationships between them by number (see :meth:`GraphStore.bulk_numbers`). Another
    writer that added such nodes in the meantime makes the load fail (nothing written)."""
    node_files = [f for f in loader.files if f.spec.is_node]
    if not node_files or any(f.spec.label in loader.labels for f in node_files):
        return
    first = await loader.store.bulk_numbers()
    # numbers stay below the store's tokens (1 << 48): at most a line per byte, plus one
    room = sum(f.path.stat().st_size + 2 for f in node_files)
    if first is not None and first + room < _NUMBERS_BELOW:
        index.number_from(first)


_NUMBERS_BELOW: Final = 1 << 47


async def _load(
    store: GraphStore,
    root: Path,
    files: list[DataFile],
    unknown: list[str],
    data_dir: Path,
    skip_invalid: bool,
    batch_size: int,
    progress: bool | Progress,
    rejects_dir: str | Path | None,
    resolve: bool,
    parallel: bool | None,
) -> LoadReport:
    sink = make_progress(progress)
    report = LoadReport(root, unknown_files=unknown)
    report.data_version_before = await store.data_version()
    with _workdir() as tmp:
        loader = _Loader(
            store,
            files,
            skip_invalid=skip_invalid,
            batch_size=batch_size,
            progress=sink,
            workdir=Path(tmp),
        )
        report.files = loader.reports
        index = await loader.open_index()
        bulk = store.atomic_bulk()
        matching: asyncio.Future[Matches] | None = None
        if bulk is None:
            await _validate_then_write(loader, index, report, skip_invalid)
        else:
            ticker: asyncio.Task[None] | None = None
            try:
                async with bulk:
                    with _quick_handoff():
                        opener = _opener(store, files, parallel)
                        loader.keep_facts = resolve and opener is not None
                        await _pipelined(loader, index, report, skip_invalid, sink, opener)
                    if resolve and loader.matches is None:
                        # a validating process matches while this one commits; else read now
                        matching = await _start_matching(store, report, sink)
                    committing = time.perf_counter()
                    sink.start("commit (indexes, disk)")
                    ticker = asyncio.create_task(_tick(sink))
                # the session's end: a store may build indexes and write its journal out now
            except BaseException:
                if loader.matches is not None:
                    loader.matches.cancel()  # and the validating process is ended
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await loader.matches  # the load's own error is the one to raise
                raise
            finally:
                if ticker is not None:
                    ticker.cancel()
            sink.finish()
            report.seconds["commit"] = time.perf_counter() - committing
            report.seconds["load"] += report.seconds["commit"]
            report.peak_rss_mib["write"] = loader.peak_rss_mib()
            if loader.matches is not None:  # it reads the staging files: keep them till then
                waited = time.perf_counter()
                try:
                    report.resolution = await _write_streamed(loader, store, sink)
                finally:
                    if not loader.matches.done():
                        loader.matches.cancel()  # and the validating process is ended
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await loader.matches
                report.seconds["resolve"] = time.perf_counter() - waited
                report.peak_rss_mib["resolve"] = loader.peak_rss_mib()
        loader.count_duplicates()
    if index.rejected:
        target = Path(rejects_dir) if rejects_dir is not None else data_dir
        for i, data_file in enumerate(files):
            mine = {loc_line(loc): errs for loc, errs in index.rejected.items() if loc >> 40 == i}
            if mine:
                loader.reports[i].rejects_file = write_rejects(data_file, mine, target)
    if resolve and report.resolution is None:
        started = time.perf_counter()
        if matching is None:
            report.resolution = await resolve_identities(
                store, batch_size=batch_size, progress=sink
            )
        else:
            sink.start("resolve identities")
            matches = await matching
            report.resolution = await write_links(
                store, matches, batch_size=batch_size, progress=sink
            )
        report.seconds["resolve"] = report.seconds.get("resolve", 0.0)
        report.seconds["resolve"] += time.perf_counter() - started
        report.peak_rss_mib["resolve"] = loader.peak_rss_mib()
    settling = time.perf_counter()
    await store.settled()  # the store's work after the commit (it overlaps resolution)
    report.seconds["settle"] = time.perf_counter() - settling
    report.data_version = await store.data_version()
    return report


async def _start_matching(
    store: GraphStore, report: LoadReport, sink: Progress
) -> asyncio.Future[Matches]:
    """Read what identity resolution needs from the bulk session (the loaded data, before
    its commit), and start matching it on a thread: pure Python, it runs on one core while
    the store commits on the other (building indexes, writing its journal). The links are
    written after the commit, as :func:`resolve_identities` would have."""
    started = time.perf_counter()
    sink.start("resolve identities: read")
    facts = await read_facts(store)
    sink.finish()
    report.seconds["resolve"] = time.perf_counter() - started
    return asyncio.get_running_loop().run_in_executor(None, match_facts, facts)
