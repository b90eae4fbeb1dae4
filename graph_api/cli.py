"""The ``graph-api`` command: serve, demo, load, generate, refresh, export, hash-key.

This is a composition root: it reads the settings, builds the store they name and hands it to
the services. Errors the user can fix print one line (or a list of ``file:line: field: reason``
lines) and exit with a non-zero code; tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from graph_api.config import Settings, hash_api_key, load_settings
from graph_api.errors import ConfigError, GraphApiError, InvalidInput, StoreUnavailable
from graph_api.store import GraphStore, create_store

__all__ = ["main"]

T = TypeVar("T")

EXIT_INPUT = 1  # the data or the arguments are wrong
EXIT_CONFIG = 2  # the settings or the environment are wrong


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "sqlite", None):
        overrides["sqlite_path"] = args.sqlite
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    return load_settings(**overrides)


async def _with_store(settings: Settings, work: Callable[[GraphStore], Awaitable[T]]) -> T:
    store = create_store(settings)
    await store.open()
    try:
        return await work(store)
    finally:
        await store.close()


# -- commands -----------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    from graph_api.app import serve

    serve(_settings(args))
    return 0


def cmd_hash_key(args: argparse.Namespace) -> int:
    key = args.key if args.key else getpass.getpass("API key: ")
    if len(key) < 16:
        print("error: use an API key of at least 16 characters", file=sys.stderr)
        return EXIT_INPUT
    digest = hash_api_key(key)
    print(digest)
    print(
        f'# e.g. GRAPH_API_API_KEYS=\'{{"{digest}": "{args.role}"}}\'',
        file=sys.stderr,
    )
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from loaders.cli import run_load

    settings = _settings(args)

    async def work(store: GraphStore) -> int:
        code = await run_load(args, store)
        if code == 0 and settings.auto_refresh and not args.no_refresh:
            await _refresh(store, only_if_stale=True)
        return code

    return asyncio.run(_with_store(settings, work))


def cmd_generate(args: argparse.Namespace) -> int:
    from loaders.cli import run_generate

    return run_generate(args)


async def _refresh(store: GraphStore, *, only_if_stale: bool) -> None:
    from graph_api.analytics import refresh_if_stale, run_refresh

    report = await (refresh_if_stale(store) if only_if_stale else run_refresh(store))
    if report is not None:
        print(report.summary(), file=sys.stderr)


def cmd_refresh(args: argparse.Namespace) -> int:
    settings = _settings(args)
    asyncio.run(_with_store(settings, lambda s: _refresh(s, only_if_stale=False)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from graph_api.export import export_graph

    settings = _settings(args)
    out = Path(args.out)
    asyncio.run(_with_store(settings, lambda s: export_graph(s, out, args.format)))
    print(f"wrote {out} ({args.format})", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate (once) and load the synthetic data set, refresh analytics, then serve."""
    from graph_api.app import serve
    from loaders.cli import load_args, run_generate, run_load

    data_dir = Path(args.data_dir)
    dataset = data_dir / f"demo-{args.size}"
    db = args.sqlite or str(data_dir / "graph.db")
    settings = load_settings(sqlite_path=db, store="sqlite", port=args.port, host=args.host)
    if not (dataset / "truth.json").exists():
        print(f"generating the {args.size} demo data set in {dataset} …", file=sys.stderr)
        gen = argparse.Namespace(size=args.size, seed=args.seed, out_dir=str(dataset))
        if run_generate(gen) != 0:
            return EXIT_INPUT
    load = load_args(str(dataset))

    async def prepare(store: GraphStore) -> int:
        code = await run_load(load, store)
        if code == 0:
            await _refresh(store, only_if_stale=True)
        return code

    code = asyncio.run(_with_store(settings, prepare))
    if code != 0:
        return code
    print(
        f"serving the demo graph ({db}) at http://{settings.host}:{settings.port}/graphql",
        file=sys.stderr,
    )
    serve(settings)
    return 0


# -- parser ---------------------------------------------------------------------------------------


def _store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sqlite",
        metavar="FILE",
        help="SQLite file to use (overrides GRAPH_API_SQLITE_PATH; default data/graph.db)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graph-api",
        description=(
            "Social CRM relationship graph service. Settings come from GRAPH_API_* environment "
            "variables (see the README); options below override them."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="serve the GraphQL API (GraphiQL at /graphql)")
    _store_options(p)
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo", help="generate and load the synthetic demo data, refresh analytics, serve"
    )
    p.add_argument("--size", choices=["small", "medium", "large"], default="small")
    p.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p.add_argument("--data-dir", default="data", help="where data and the database go")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    _store_options(p)
    p.set_defaults(func=cmd_demo)

    try:
        from loaders.cli import register
    except ImportError:  # loaders not installed: the other commands still work
        pass
    else:
        register(sub)
        for name, func in (("load", cmd_load), ("generate", cmd_generate)):
            if name in sub.choices:
                sp = sub.choices[name]
                if name == "load":
                    _store_options(sp)
                    sp.add_argument(
                        "--no-refresh",
                        action="store_true",
                        help="do not refresh analytics after a load that changed data",
                    )
                sp.set_defaults(func=func)

    p = sub.add_parser("refresh", help="recompute analytics and write them onto the nodes")
    _store_options(p)
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("export", help="export the graph with scores for Gephi / networkx")
    _store_options(p)
    p.add_argument("--format", choices=["graphml", "gexf", "csv"], default="graphml")
    p.add_argument("out", help="output file (graphml, gexf) or folder (csv)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("hash-key", help="print the SHA-256 form of an API key for settings")
    p.add_argument("key", nargs="?", help="the key (prompted for when left out)")
    p.add_argument("--role", default="reader", choices=["reader", "analyst", "marketer", "admin"])
    p.set_defaults(func=cmd_hash_key)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (ConfigError, StoreUnavailable) as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG
    except GraphApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
