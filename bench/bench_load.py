"""Benchmark of the load path: generate a synthetic set, load it into a temp SQLite file.

Prints one row per phase (generate, validate, write, resolve): rows, seconds, rows/s and the
peak resident memory of the process at the end of the phase (it only grows). Targets for the
large set: at least 100,000 rows/s, peak memory under 1 GiB.

    .venv/bin/python bench/bench_load.py                # medium
    .venv/bin/python bench/bench_load.py --large        # large (≈ 200k customers, > 1M rels)
    .venv/bin/python bench/bench_load.py --size small --keep bench/out
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import resource
import sys
import tempfile
import time
from pathlib import Path

from graph_api.store.base import GraphStore
from loaders.generate import generate
from loaders.load import load_path


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def make_store(spec: str, path: Path) -> GraphStore:
    """``module:Class`` of a GraphStore taking a path (default: the SQLite adapter)."""
    module, _, name = spec.partition(":")
    cls = getattr(importlib.import_module(module), name)
    store: GraphStore = cls(path)
    return store


async def run(args: argparse.Namespace, workdir: Path) -> list[tuple[str, int, float, float]]:
    data = workdir / f"data-{args.size}"
    rows: list[tuple[str, int, float, float]] = []
    started = time.perf_counter()
    counts = generate(data, size=args.size, seed=args.seed)
    rows.append(("generate", counts.total, time.perf_counter() - started, peak_rss_mib()))
    store = make_store(args.store, workdir / "bench.db")
    await store.open()
    try:
        report = await load_path(
            store, data, batch_size=args.batch_size, progress=args.progress, resolve=True
        )
    finally:
        await store.close()
    read = report.read
    written = read - report.rejected
    inline = sum(c.total for f in report.files for c in f.relationships.values())
    rows.append(("validate", read, report.seconds["validate"], report.peak_rss_mib["validate"]))
    rows.append(("write", written + inline, report.seconds["write"], report.peak_rss_mib["write"]))
    if report.resolution is not None:
        rows.append(
            (
                "resolve",
                report.resolution.profiles,
                report.seconds["resolve"],
                report.peak_rss_mib["resolve"],
            )
        )
    load_seconds = sum(report.seconds.get(k, 0.0) for k in ("validate", "write"))
    rows.append(("load (validate+write)", read, load_seconds, report.peak_rss_mib["write"]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--large", action="store_true", help="same as --size large")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--keep", metavar="DIR", help="keep the data and database in DIR")
    parser.add_argument("--progress", action="store_true", help="show per-file progress")
    parser.add_argument(
        "--store",
        default="graph_api.store.sqlite:SqliteGraphStore",
        help="module:Class of the store to load into (default the SQLite adapter)",
    )
    args = parser.parse_args()
    if args.large:
        args.size = "large"
    if args.keep:
        workdir = Path(args.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        rows = asyncio.run(run(args, workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            rows = asyncio.run(run(args, Path(tmp)))
    print(f"size={args.size} seed={args.seed} batch_size={args.batch_size} store={args.store}")
    print(f"{'phase':<22} {'rows':>11} {'seconds':>9} {'rows/s':>11} {'peak RSS MiB':>13}")
    for phase, count, seconds, rss in rows:
        rate = count / seconds if seconds > 0 else float("inf")
        print(f"{phase:<22} {count:>11,} {seconds:>9.2f} {rate:>11,.0f} {rss:>13,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
