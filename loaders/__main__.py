"""``python -m loaders load PATH --sqlite FILE`` and ``python -m loaders generate …``.

A stand-alone entry point (the main one is ``graph-api load`` / ``graph-api generate``):
it opens a :class:`~graph_api.store.sqlite.SqliteGraphStore` on ``--sqlite`` directly.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from graph_api.errors import GraphApiError
from loaders.cli import EXIT_INPUT, register, run_generate, run_load


def _load(args: argparse.Namespace) -> int:
    from graph_api.store.sqlite import SqliteGraphStore

    async def work() -> int:
        store = SqliteGraphStore(args.sqlite)
        await store.open()
        try:
            return await run_load(args, store)
        finally:
            await store.close()

    try:
        return asyncio.run(work())
    except GraphApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loaders",
        description="Load a data folder into a SQLite file, or generate a synthetic data set. "
        "(The main entry point is `graph-api load` / `graph-api generate`.)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register(sub)
    sub.choices["load"].add_argument(
        "--sqlite", required=True, metavar="FILE", help="SQLite database file to load into"
    )
    args = parser.parse_args(argv)
    if args.command == "load":
        return _load(args)
    return run_generate(args)


if __name__ == "__main__":
    sys.exit(main())
