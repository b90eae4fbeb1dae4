"""Command-line glue: the ``load`` and ``generate`` subcommands (argparse).

``graph_api/cli.py`` calls :func:`register` to add them to its parser, opens the store from the
settings and calls :func:`run_load` / :func:`run_generate`. Errors a user can fix print
``file:line: field: reason`` lines on stderr and return exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from graph_api.errors import GraphApiError, InvalidInput
from graph_api.store.base import GraphStore
from loaders.generate import SIZES, generate
from loaders.load import DEFAULT_BATCH_SIZE, load_path

__all__ = [
    "EXIT_INPUT",
    "MAX_PRINTED_PROBLEMS",
    "load_args",
    "register",
    "run_generate",
    "run_load",
]

EXIT_INPUT = 1
MAX_PRINTED_PROBLEMS = 1_000

_LOAD_HELP = """\
Load a data folder (customers.csv, profiles.csv, communities.csv, products.csv,
interactions.jsonl, has_profile.csv, follows.csv, member_of.csv, purchases.csv,
referrals.csv …; each file .csv or .jsonl, every file optional; see docs/loaders.md).
Every row is validated first: if any row is rejected nothing is written and each problem is
printed as file:line: field: reason (exit code 1). Loading the same data again changes nothing.
"""


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _load_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="data folder (or a single data file)")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="load the valid rows; write rejected ones with their reasons to "
        "<name>.rejects.csv/.jsonl (exit code 0, rejected counts in the summary)",
    )
    p.add_argument(
        "--rejects-dir",
        metavar="DIR",
        help="where --skip-invalid writes rejects files (default: beside the data)",
    )
    p.add_argument(
        "--no-resolve",
        action="store_true",
        help="do not link profiles to customers (identity resolution) after the load",
    )
    p.add_argument(
        "--batch-size",
        type=_positive,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"records per transaction (default {DEFAULT_BATCH_SIZE})",
    )
    p.add_argument(
        "--parallel",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="validate in a second process while this one writes (SQLite files only; "
        "default: for 16 MiB of data or more)",
    )


def load_args(path: str) -> argparse.Namespace:
    """The arguments of ``load PATH`` with every option at its default (for commands that
    load on the user's behalf, such as ``graph-api demo``)."""
    parser = argparse.ArgumentParser(add_help=False)
    _load_options(parser)
    return parser.parse_args([path])


def register(subparsers: Any) -> None:
    """Add ``load`` and ``generate`` to an argparse ``add_subparsers()`` object."""
    p = subparsers.add_parser(
        "load",
        help="validate and load a folder of CSV / JSON Lines files",
        description=_LOAD_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _load_options(p)
    p = subparsers.add_parser(
        "generate",
        help="write a synthetic data set (with truth.json) in the loader's layout",
        description="Write a synthetic social-CRM data set with planted communities, "
        "influencers, inflated profiles, advocates and detractors; same seed, same bytes.",
    )
    p.add_argument(
        "--size",
        choices=list(SIZES),
        default="small",
        help="small ≈ 1k customers, medium ≈ 20k, large ≈ 200k (default small)",
    )
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write (created if needed)")


def print_problems(error: InvalidInput, stream: TextIO) -> None:
    """``file:line: field: reason`` per problem (the first MAX_PRINTED_PROBLEMS), then a count."""
    print(f"error: {error.message}", file=stream)
    for problem in error.problems[:MAX_PRINTED_PROBLEMS]:
        print(str(problem), file=stream)
    more = len(error.problems) - MAX_PRINTED_PROBLEMS
    if more > 0:
        print(f"… and {more:,} more problems", file=stream)


async def run_load(args: argparse.Namespace, store: GraphStore) -> int:
    """Run ``load`` against an open store; returns the exit code."""
    try:
        report = await load_path(
            store,
            args.path,
            skip_invalid=args.skip_invalid,
            batch_size=args.batch_size,
            rejects_dir=args.rejects_dir,
            resolve=not args.no_resolve,
            parallel=args.parallel,
        )
    except InvalidInput as exc:
        print_problems(exc, sys.stderr)
        return EXIT_INPUT
    except GraphApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    for line in report.lines():
        print(line, file=sys.stderr)
    return 0


def run_generate(args: argparse.Namespace) -> int:
    """Run ``generate``; returns the exit code."""
    out = Path(args.out_dir)
    try:
        counts = generate(out, size=args.size, seed=args.seed)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {counts.total:,} rows to {out} ({args.size}, seed {args.seed})", file=sys.stderr)
    return 0
