"""Benchmark of the load path: generate a synthetic set, load it into a temp SQLite file.

Prints one row per phase: rows, seconds, rows/s and the peak resident memory at the end of
the phase (it only grows; when a second process validates, a bound on both together, see
``LoadReport.peak_rss_mib``). Phases: generate; validate (with the SQLite store, files are
written while later ones are validated, so "write" is only the part left after validation);
commit; resolve (identity resolution: the time it adds, its matching runs during the
commit); the load as a whole; and, as a reference taken in
the same run, merely reading every row with the same readers (no validation, no writing), so
the ratio load ÷ read shows what validation and writing cost on this machine. On Linux a last
line gives the load's peak memory sampled every 50 ms over all its processes at once (the
column is the load's own bound). Targets for the large set: at least 100,000 rows/s, peak
memory under 1 GiB.

    .venv/bin/python bench/bench_load.py                # medium
    .venv/bin/python bench/bench_load.py --large        # large (≈ 200k customers, > 1M rels)
    .venv/bin/python bench/bench_load.py --size small --keep bench/out
    .venv/bin/python bench/bench_load.py --data DIR     # an existing data folder
    .venv/bin/python bench/bench_load.py --no-parallel  # validate in the loading process
    .venv/bin/python bench/bench_load.py --data DIR --repeat 3

``--repeat N`` loads the data N times, each time into a new file right after its own reference
read, and prints a line per run (its peak: sampled over all its processes), then the phases of
the median run. The machine these figures come from is shared and its speed drifts within
minutes, so one run says little: the spread of N runs, and each run's ratio to its own
reference read, say more. Every run loads into a new file (with ``--keep``, a database left
there by an earlier run is removed first; the last run's is kept).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import resource
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from graph_api.store.base import GraphStore
from loaders.generate import generate
from loaders.layout import discover
from loaders.load import load_path
from loaders.readers import open_source


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def make_store(spec: str, path: Path) -> GraphStore:
    """``module:Class`` of a GraphStore taking a path (default: the SQLite adapter)."""
    module, _, name = spec.partition(":")
    cls = getattr(importlib.import_module(module), name)
    store: GraphStore = cls(path)
    return store


class MemorySampler:
    """The largest summed resident memory of this process and its descendants (the load's
    validating process), sampled every 50 ms from Linux ``/proc`` (a few small reads each
    time): what the two processes really held at once, where the load's own figure is a
    bound. Inactive elsewhere."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.active = Path(f"/proc/{os.getpid()}/task").is_dir()

    def __enter__(self) -> MemorySampler:
        if self.active:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.active:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kib = max(self.peak_kib, sum(map(_rss_kib, _tree(os.getpid()))))


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(p for child in children for p in _tree(int(child)))]


_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:  # size resident shared ... (pages)
            return int(statm.read().split()[1]) * _PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0  # it ended meanwhile


def _cpu_seconds() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def read_only(data: Path) -> int:
    """The reference: every row of every file read by the loader's readers, nothing else."""
    files, _ = discover(data)
    count = 0
    for data_file in files:
        with open_source(data_file.path) as source:
            for _ in source:
                count += 1
    return count


@dataclass
class Run:
    """One load of the data: its phases (name, rows, seconds, peak RSS MiB), the CPU seconds
    (user + system) of the loading process and of the validating one (a child, counted once
    it has ended), and the peak memory sampled over both (KiB; 0 where not sampled)."""

    rows: list[tuple[str, int, float, float]]
    cpu_loading: float
    cpu_validating: float
    sampled_peak_kib: int

    def phase(self, name: str) -> tuple[str, int, float, float]:
        return next(r for r in self.rows if r[0] == name)

    @property
    def total(self) -> tuple[str, int, float, float]:
        return self.phase("load incl. resolve")

    @property
    def reference(self) -> tuple[str, int, float, float]:
        return self.phase("reference: read only")

    @property
    def rate(self) -> float:
        """Rows per second of the whole load."""
        return self.total[1] / max(self.total[2], 1e-9)

    @property
    def ratio(self) -> float:
        """The whole load's time over the reference read's."""
        return self.total[2] / max(self.reference[2], 1e-9)

    @property
    def cpu_per_row_us(self) -> float:
        return (self.cpu_loading + self.cpu_validating) / max(self.total[1], 1) * 1e6


async def run(args: argparse.Namespace, data: Path, db: Path) -> Run:
    """The reference read, then one load of ``data`` into a new store at ``db``."""
    rows: list[tuple[str, int, float, float]] = []
    started = time.perf_counter()
    read_rows = read_only(data)
    rows.append(("reference: read only", read_rows, time.perf_counter() - started, peak_rss_mib()))
    store = make_store(args.store, db)
    await store.open()
    sampler = MemorySampler()
    try:
        with sampler:
            cpu_before = _cpu_seconds()
            loading = time.perf_counter()
            report = await load_path(
                store,
                data,
                batch_size=args.batch_size,
                progress=args.progress,
                resolve=True,
                parallel=False if args.no_parallel else None,
            )
            wall = time.perf_counter() - loading
            cpu_after = _cpu_seconds()
    finally:
        await store.close()
    read = report.read
    written = read - report.rejected
    inline = sum(c.total for f in report.files for c in f.relationships.values())
    rows.append(("validate", read, report.seconds["validate"], report.peak_rss_mib["validate"]))
    write = "write (after validation)" if report.pipelined else "write"
    rows.append((write, written + inline, report.seconds["write"], report.peak_rss_mib["write"]))
    if "commit" in report.seconds:
        commit = report.seconds["commit"]
        rows.append(("commit (indexes, disk)", 0, commit, report.peak_rss_mib["write"]))
    if report.resolution is not None:
        rows.append(
            (
                "resolve",
                report.resolution.profiles,
                report.seconds["resolve"],
                report.peak_rss_mib["resolve"],
            )
        )
    if report.seconds.get("settle", 0.0) >= 0.005:
        # what the store still had to do in the background (SQLite: its checkpoint)
        rows.append(("wait for the store", 0, report.seconds["settle"], peak_rss_mib()))
    load_seconds = report.seconds["load"]
    rows.append(("load (validate+write)", read, load_seconds, report.peak_rss_mib["write"]))
    # the whole call, start to end: every phase above, and what lies between them
    rows.append(("load incl. resolve", read, wall, max(report.peak_rss_mib.values())))
    return Run(
        rows,
        cpu_after[0] - cpu_before[0],
        cpu_after[1] - cpu_before[1],
        sampler.peak_kib if sampler.active else 0,
    )


def _remove_store(db: Path) -> None:
    """The store file and its companions (SQLite: -wal, -shm): a large load leaves 2-3 GB."""
    for path in (db, *db.parent.glob(db.name + "-*")):
        path.unlink(missing_ok=True)


async def run_all(args: argparse.Namespace, workdir: Path) -> tuple[list[Run], list[str]]:
    """Generate (unless ``--data``), then ``--repeat`` runs; returns them and the rows of the
    generate phase, if any, as printed lines."""
    extra: list[str] = []
    if args.data:
        data = Path(args.data)
    else:
        data = workdir / f"data-{args.size}"
        started = time.perf_counter()
        counts = generate(data, size=args.size, seed=args.seed)
        seconds = time.perf_counter() - started
        extra.append(_line("generate", counts.total, seconds, peak_rss_mib()))
    runs: list[Run] = []
    for k in range(args.repeat):
        db = workdir / "bench.db"
        last = k == args.repeat - 1
        _remove_store(db)  # a first load, always (--keep may hold an earlier run's file)
        try:
            runs.append(await run(args, data, db))
        finally:
            if not (last and args.keep):
                _remove_store(db)  # the next run loads into a new file
        if args.repeat > 1:
            if k == 0:
                print(_RUN_HEADER)
            print(_run_line(k + 1, runs[-1]), flush=True)
    return runs, extra


def _line(phase: str, count: int, seconds: float, rss: float) -> str:
    # the tail of a pipelined write is no rate: most records were written earlier
    rate = "-" if "after" in phase or not count else f"{count / max(seconds, 1e-9):,.0f}"
    return f"{phase:<26} {count:>11,} {seconds:>9.2f} {rate:>11} {rss:>13,.0f}"


_RUN_HEADER: Final = (
    f"{'run':>3} {'reference s':>11} {'load s':>8} {'rows/s':>9} {'x ref':>6} "
    f"{'CPU us/row':>10} {'peak MiB':>9}"
)


def _run_line(k: int, r: Run) -> str:
    peak = r.sampled_peak_kib / 1024 if r.sampled_peak_kib else r.total[3]
    return (
        f"{k:>3} {r.reference[2]:>11.2f} {r.total[2]:>8.2f} {r.rate:>9,.0f} "
        f"{r.ratio:>6.1f} {r.cpu_per_row_us:>10.1f} {peak:>9,.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--large", action="store_true", help="same as --size large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", metavar="DIR", help="load this data folder (no generation)")
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--keep", metavar="DIR", help="keep the data and database in DIR")
    parser.add_argument("--progress", action="store_true", help="show per-file progress")
    parser.add_argument(
        "--no-parallel",
        action="store_true",
        help="validate in the loading process (default: a second one from 16 MiB of data)",
    )
    parser.add_argument(
        "--store",
        default="graph_api.store.sqlite:SqliteGraphStore",
        help="module:Class of the store to load into (default the SQLite adapter)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="load N times, each into a new file after its own reference read; prints a line "
        "per run, then the phases of the median run",
    )
    args = parser.parse_args()
    if args.large:
        args.size = "large"
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.keep:
        workdir = Path(args.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        runs, extra = asyncio.run(run_all(args, workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            runs, extra = asyncio.run(run_all(args, Path(tmp)))
    ordered = sorted(runs, key=lambda r: r.total[2])
    median = ordered[(len(ordered) - 1) // 2]  # of an even count, the faster middle one
    source = args.data or f"size={args.size} seed={args.seed}"
    mode = "one process" if args.no_parallel else "validation in a second process from 16 MiB"
    print(f"{source} batch_size={args.batch_size} store={args.store} ({mode})")
    if len(runs) > 1:
        print(
            f"phases of the median run ({runs.index(median) + 1} of {len(runs)}; its peak RSS "
            "column is this process's since it started, the sampled peak below is per run):"
        )
    print(f"{'phase':<26} {'rows':>11} {'seconds':>9} {'rows/s':>11} {'peak RSS MiB':>13}")
    for line in extra:
        print(line)
    for phase, count, seconds, rss in median.rows:
        print(_line(phase, count, seconds, rss))
    print(
        f"load incl. resolve: {median.rate:,.0f} rows/s (target 100,000); "
        f"{median.ratio:.1f}x the time of merely reading the rows"
    )
    if len(runs) > 1:
        rates = [r.rate for r in runs]
        ratios = [r.ratio for r in runs]
        print(
            f"over {len(runs)} runs: {min(rates):,.0f}-{max(rates):,.0f} rows/s, "
            f"{min(ratios):.1f}-{max(ratios):.1f}x the reference read"
        )
    print(
        f"CPU seconds of the load (user + system): loading process {median.cpu_loading:.1f}, "
        f"validating process {median.cpu_validating:.1f}, per row {median.cpu_per_row_us:.1f} us"
    )
    if median.sampled_peak_kib:
        peaks = [r.sampled_peak_kib / 1024 for r in runs]
        print(
            f"peak memory of the load, sampled every 50 ms (all its processes at once): "
            f"{max(peaks):,.0f} MiB at most (target < 1 GiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
