"""``load_path``: validate a whole data folder, then write it in batches, then resolve identities.

Two passes over the files, never a whole file in memory:

1. **validate** every row (row models, then references and duplicates against
   :class:`~loaders.checks.LoadIndex`); valid records go to a temporary staging file;
2. **write** the staged records through :meth:`GraphStore.upsert`, ``batch_size`` records per
   transaction, every node file before any relationship.

If any row is rejected and ``skip_invalid`` is false, nothing is written and InvalidInput lists
every problem as ``file:line: field: reason``. A write that is interrupted leaves whole batches
only (each one transaction, nodes before the relationships that need them); loading the same
folder again completes it, and a load of unchanged data changes nothing.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from graph_api.errors import InvalidInput, Problem
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import (
    EdgeWrite,
    GraphStore,
    NodeRef,
    NodeWrite,
    UpsertResult,
    WriteCounts,
)
from loaders.checks import LoadIndex, Loc, loc_line, make_loc
from loaders.identity import ResolutionReport, resolve_identities
from loaders.layout import DataFile, FileSpec, discover
from loaders.progress import Progress, make_progress
from loaders.readers import RawRow, RowSource, open_source
from loaders.rejects import write_rejects
from loaders.rows import EdgeRecord, NodeRecord, RowError, RowParser
from loaders.staging import StagedRecord, StagingFile

__all__ = ["DEFAULT_BATCH_SIZE", "FileReport", "LoadReport", "load_path"]

DEFAULT_BATCH_SIZE = 5_000
_PERFORMED = RelType.PERFORMED.value
_CHUNK = 2_000  # rows parsed before one round of store look-ups


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
    """Wall time per phase: ``validate``, ``write``, ``resolve``."""
    peak_rss_mib: dict[str, float] = field(default_factory=dict)
    """Peak resident memory of the process at the end of each phase."""

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


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _chunks(source: RowSource, size: int) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    for row in source:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _refs(record: NodeRecord | EdgeRecord) -> Iterator[tuple[str, str]]:
    if isinstance(record, EdgeRecord):
        yield record.src.label.value, record.src.id
        yield record.dst.label.value, record.dst.id
        return
    for rel, src_label, src_id, dst_label, dst_id in record.edges:
        yield (src_label, src_id) if rel == _PERFORMED else (dst_label, dst_id)


def _node_ref(spec: FileSpec, raw: RawRow) -> tuple[str, str] | None:
    """The node a rejected row meant to write, when its id can be read."""
    node_id = raw.data.get("id")
    if spec.label is None or not isinstance(node_id, str) or not node_id.strip():
        return None
    return spec.label.value, node_id.strip()


def _stage_node(record: NodeRecord, line: int) -> StagedRecord:
    return (line, record.id, record.props, record.edges)


def _stage_edge(record: EdgeRecord, line: int) -> StagedRecord:
    return (
        line,
        record.type.value,
        record.src.label.value,
        record.src.id,
        record.dst.label.value,
        record.dst.id,
        record.props,
    )


_Batch = tuple[list[NodeWrite], list[EdgeWrite]]
_REL_TYPES: Final = {r.value: r for r in RelType}
_LABELS: Final = {label.value: label for label in NodeLabel}


def _edge_write(t: str, sl: str, si: str, dl: str, di: str, props: dict[str, Any]) -> EdgeWrite:
    return EdgeWrite(_REL_TYPES[t], NodeRef(_LABELS[sl], si), NodeRef(_LABELS[dl], di), props)


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

    # -- pass 1: validate --------------------------------------------------------------------

    async def validate(self) -> LoadIndex:
        labels = [label for label in NodeLabel if await self.store.count_nodes(label) > 0]
        index = LoadIndex(self.store, labels)
        self.index = index
        settled = False
        for i, data_file in enumerate(self.files):
            if not data_file.spec.is_node and not settled:
                index.settle_pending()
                settled = True
            staging = StagingFile(self.workdir / f"{i}.staged")
            self.staged.append(staging)
            await self._validate_file(i, data_file, index, staging)
            staging.seal()
        if not settled:
            index.settle_pending()
        for i, report in enumerate(self.reports):
            in_file = sum(1 for loc in index.rejected if loc >> 40 == i)
            report.rejected = in_file
        return index

    async def _validate_file(
        self, i: int, data_file: DataFile, index: LoadIndex, staging: StagingFile
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
        with open_source(data_file.path) as source:
            header: list[RowError] = list(source.header_problems)
            header += [
                (c, f"unknown column (known: {', '.join(sorted(parser.columns))})")
                for c in parser.unknown_columns(source.columns or [])
            ]
            if header:
                self.header_problems[i] = header
            for chunk in _chunks(source, _CHUNK):
                report.read += len(chunk)
                parsed: list[tuple[int, NodeRecord | EdgeRecord | list[RowError], RawRow]] = []
                for raw in chunk:
                    loc = make_loc(i, raw.line)
                    if header:
                        index.reject(loc, header, _node_ref(spec, raw))
                    elif raw.error is not None:
                        index.reject(loc, [("", raw.error)], _node_ref(spec, raw))
                    else:
                        parsed.append((loc, parser.parse(raw.data), raw))
                await index.prefetch(
                    ref for _, r, _ in parsed if not isinstance(r, list) for ref in _refs(r)
                )
                for loc, result, raw in parsed:
                    if isinstance(result, list):
                        index.reject(loc, result, _node_ref(spec, raw))
                    elif isinstance(result, NodeRecord):
                        if index.add_node(result, loc):
                            staging.append(_stage_node(result, loc_line(loc)))
                    elif index.add_edge(result, loc, columns):
                        staging.append(_stage_edge(result, loc_line(loc)))
                self.progress.update(report.read, source.bytes_read)
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

    async def write(self, rejected: dict[Loc, list[RowError]]) -> None:
        node_files = [i for i, f in enumerate(self.files) if f.spec.is_node]
        edge_files = [i for i, f in enumerate(self.files) if not f.spec.is_node]
        for i in node_files:
            await self._write_nodes(i, rejected)
        for i in node_files:
            if self.files[i].spec.label is NodeLabel.INTERACTION:
                await self._write_inline_edges(i, rejected)
        for i in edge_files:
            await self._write_edges(i, rejected)
        if self.index is not None:
            for i, report in enumerate(self.reports):
                report.unchanged += self.index.duplicates.get(i, 0)

    def _live(self, i: int, rejected: dict[Loc, list[RowError]]) -> Iterator[StagedRecord]:
        base = i << 40
        for chunk in self.staged[i].chunks():
            if rejected:
                yield from (r for r in chunk if base | r[0] not in rejected)
            else:
                yield from chunk

    async def _pump(
        self,
        name: str,
        batches: Iterator[_Batch],
        account: Callable[[UpsertResult], None],
    ) -> None:
        """Upsert batches strictly one after another, preparing the next one while the store
        writes the current one (its work runs in the store's thread)."""
        self.progress.start(name)
        done = 0
        running: asyncio.Task[UpsertResult] | None = None
        size = 0
        for nodes, edges in batches:
            if running is not None:
                account(await running)
                done += size
                self.progress.update(done)
            running = asyncio.create_task(self.store.upsert(nodes, edges))
            size = len(nodes) + len(edges)
            await asyncio.sleep(0)  # let the store start on it before the next is prepared
        if running is not None:
            account(await running)
            done += size
        self.progress.update(done)
        self.progress.finish()

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
        report = self.reports[i]

        def node(record: StagedRecord) -> NodeWrite:
            return NodeWrite(label, record[1], record[2])

        def account(result: UpsertResult) -> None:
            report.add(result.nodes.get(label, WriteCounts()))

        batches: Iterator[_Batch] = ((b, []) for b in self._batches(i, rejected, node))
        await self._pump(f"write {self.files[i].name}", batches, account)

    async def _write_inline_edges(self, i: int, rejected: dict[Loc, list[RowError]]) -> None:
        report = self.reports[i]

        def edges(record: StagedRecord) -> list[EdgeWrite]:
            return [_edge_write(t, sl, si, dl, di, {}) for t, sl, si, dl, di in record[3]]

        def account(result: UpsertResult) -> None:
            for rel, counts in result.edges.items():
                report.relationships.setdefault(rel, WriteCounts()).add(counts)

        batches: Iterator[_Batch] = (([], b) for b in self._batches(i, rejected, edges))
        await self._pump(f"write {self.files[i].name} relationships", batches, account)

    async def _write_edges(self, i: int, rejected: dict[Loc, list[RowError]]) -> None:
        rel = self.files[i].spec.rel
        assert rel is not None
        report = self.reports[i]

        def edge(record: StagedRecord) -> EdgeWrite:
            return _edge_write(*record[1:])

        def account(result: UpsertResult) -> None:
            report.add(result.edges.get(rel, WriteCounts()))

        batches: Iterator[_Batch] = (([], b) for b in self._batches(i, rejected, edge))
        await self._pump(f"write {self.files[i].name}", batches, account)


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
    sink = make_progress(progress)
    report = LoadReport(root, unknown_files=unknown)
    report.data_version_before = await store.data_version()
    with tempfile.TemporaryDirectory(prefix="graph-load-") as tmp:
        loader = _Loader(
            store,
            files,
            skip_invalid=skip_invalid,
            batch_size=batch_size,
            progress=sink,
            workdir=Path(tmp),
        )
        report.files = loader.reports
        started = time.perf_counter()
        index = await loader.validate()
        report.problems = loader.problems(index)
        report.seconds["validate"] = time.perf_counter() - started
        report.peak_rss_mib["validate"] = _peak_rss_mib()
        if report.problems and not skip_invalid:
            raise InvalidInput(
                f"{report.rejected:,} of {report.read:,} rows rejected; nothing was written "
                "(fix them, or load with skip_invalid / --skip-invalid to load the rest)",
                report.problems,
            )
        index.release()
        started = time.perf_counter()
        await loader.write(index.rejected)
        report.seconds["write"] = time.perf_counter() - started
        report.peak_rss_mib["write"] = _peak_rss_mib()
    if index.rejected:
        target = Path(rejects_dir) if rejects_dir is not None else data_dir
        for i, data_file in enumerate(files):
            mine = {loc_line(loc): errs for loc, errs in index.rejected.items() if loc >> 40 == i}
            if mine:
                loader.reports[i].rejects_file = write_rejects(data_file, mine, target)
    if resolve:
        started = time.perf_counter()
        report.resolution = await resolve_identities(store, progress=sink)
        report.seconds["resolve"] = time.perf_counter() - started
        report.peak_rss_mib["resolve"] = _peak_rss_mib()
    report.data_version = await store.data_version()
    return report
