"""Benchmark: the customer-card query over HTTP, GraphQL vs a plain FastAPI JSON endpoint.

Builds (once) a synthetic graph of ~20k customers directly through ``store.upsert`` into
``bench/out/bench.db``, serves the app with uvicorn on 127.0.0.1 in a subprocess (with a plain
JSON route mounted for the comparison only), then measures latency at 8 concurrent clients
(p50/p99) and throughput at 32 clients, for both endpoints, in the same run.

    .venv/bin/python bench/bench_api.py [--customers 20000] [--seconds 10] [--rebuild]

Targets: p99 <= 50 ms at 8 clients; GraphQL >= half the plain endpoint's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph_api.model import NodeLabel, RelType  # noqa: E402
from graph_api.store.base import (  # noqa: E402
    Condition,
    Direction,
    EdgeWrite,
    GraphStore,
    NodeQuery,
    NodeRef,
    NodeWrite,
    Op,
    PageRequest,
    Related,
)

OUT = ROOT / "bench" / "out"
C, P, G, D, I = (  # noqa: E741
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)

CARD = """query Card($id: ID!) { customer(id: $id) {
  id externalId name segment lifetimeValue
  profiles(first: 10) { edges { status confidence method
    node { externalId platform handle followers } } }
  communities(first: 10) { edges { role node { externalId name } } }
  purchases(first: 10) { edges { count amount node { externalId name price } } }
  contactHistory(first: 10) { totalCount
    edges { node { externalId kind channel sentiment occurredAt } } }
} }"""


def _ts(day: float) -> str:
    base = 1_700_000_000 + int(day * 86_400)
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(base))


async def build(store: GraphStore, customers: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    communities, products = 200, 500
    nodes: list[NodeWrite] = [
        NodeWrite(G, f"g{k}", {"name": f"community {k}", "owned": k % 7 == 0})
        for k in range(communities)
    ]
    nodes += [
        NodeWrite(D, f"d{k}", {"name": f"product {k}", "price": float(rng.randint(5, 500))})
        for k in range(products)
    ]
    await store.upsert(nodes)
    batch_n: list[NodeWrite] = []
    batch_e: list[EdgeWrite] = []
    interaction = 0

    async def flush() -> None:
        await store.upsert(batch_n, batch_e)
        batch_n.clear()
        batch_e.clear()

    for i in range(customers):
        cid = f"c{i}"
        batch_n.append(
            NodeWrite(
                C,
                cid,
                {
                    "name": f"customer {i}",
                    "segment": rng.choice(["vip", "regular", "prospect"]),
                    "lifetimeValue": float(rng.randint(0, 5000)),
                },
            )
        )
        actors = [NodeRef(C, cid)]
        for k in range(rng.choice([1, 1, 2])):
            pid = f"p{i}_{k}"
            batch_n.append(
                NodeWrite(
                    P,
                    pid,
                    {
                        "platform": rng.choice(["x", "instagram", "forum"]),
                        "handle": f"h{i}_{k}",
                        "followers": rng.randint(0, 10_000),
                    },
                )
            )
            status = "confirmed" if k == 0 else "candidate"
            batch_e.append(
                EdgeWrite(
                    RelType.HAS_PROFILE,
                    NodeRef(C, cid),
                    NodeRef(P, pid),
                    {"confidence": 0.9, "method": "email", "status": status},
                )
            )
            if status == "confirmed":
                actors.append(NodeRef(P, pid))
        for g in rng.sample(range(communities), 2):
            batch_e.append(
                EdgeWrite(
                    RelType.MEMBER_OF, NodeRef(C, cid), NodeRef(G, f"g{g}"), {"role": "member"}
                )
            )
        for d in rng.sample(range(products), 3):
            batch_e.append(
                EdgeWrite(
                    RelType.PURCHASED,
                    NodeRef(C, cid),
                    NodeRef(D, f"d{d}"),
                    {"at": _ts(rng.random() * 300), "amount": 50.0, "count": 1},
                )
            )
        for _ in range(3):
            iid = f"i{interaction}"
            interaction += 1
            batch_n.append(
                NodeWrite(
                    I,
                    iid,
                    {
                        "kind": rng.choice(["post", "review", "complaint"]),
                        "channel": "x",
                        "sentiment": rng.uniform(-1, 1),
                        "occurredAt": _ts(rng.random() * 300),
                    },
                )
            )
            batch_e.append(EdgeWrite(RelType.PERFORMED, rng.choice(actors), NodeRef(I, iid), {}))
            batch_e.append(
                EdgeWrite(
                    RelType.ABOUT, NodeRef(I, iid), NodeRef(D, f"d{rng.randrange(products)}"), {}
                )
            )
        if len(batch_n) >= 5_000:
            await flush()
    await flush()


async def plain_card(store: GraphStore, customer_id: str) -> dict[str, Any]:
    """The same card as the GraphQL query, straight from the store (same calls)."""
    ref = NodeRef(C, customer_id)
    found = (await store.get_nodes(C, [customer_id])).get(customer_id)
    if found is None:
        return {"error": "not found"}
    ten = PageRequest(first=10)
    profiles, communities, purchases, confirmed = await asyncio.gather(
        store.neighbours([ref], RelType.HAS_PROFILE, Direction.OUT, page=ten),
        store.neighbours([ref], RelType.MEMBER_OF, Direction.OUT, page=ten),
        store.neighbours([ref], RelType.PURCHASED, Direction.OUT, page=ten),
        store.neighbours(
            [ref],
            RelType.HAS_PROFILE,
            Direction.OUT,
            edge=(Condition("status", Op.EQ, "confirmed"),),
            page=PageRequest(first=1000),
        ),
    )
    actors = (ref, *(h.node.ref for h in confirmed[ref].items))
    history = await store.list_nodes(
        I,
        NodeQuery(
            related=(Related(RelType.PERFORMED, Direction.IN, actors),),
            order_by="occurredAt",
            descending=True,
        ),
        ten,
    )
    return {
        "id": found.id,
        "name": found.props.get("name"),
        "segment": found.props.get("segment"),
        "lifetimeValue": found.props.get("lifetimeValue"),
        "profiles": [
            {**h.edge.props, "node": {"id": h.node.id, **h.node.props}} for h in profiles[ref].items
        ],
        "communities": [
            {**h.edge.props, "node": {"id": h.node.id, **h.node.props}}
            for h in communities[ref].items
        ],
        "purchases": [
            {**h.edge.props, "node": {"id": h.node.id, **h.node.props}}
            for h in purchases[ref].items
        ],
        "contactHistory": {
            "totalCount": history.total_count,
            "edges": [{"id": n.id, **n.props} for n in history.items],
        },
    }


def serve(db: Path, port: int) -> None:
    """The server process: the real app plus, for the comparison only, a plain JSON route."""
    import uvicorn
    from fastapi import FastAPI

    from graph_api.app import create_app
    from graph_api.config import Settings
    from graph_api.store.sqlite import SqliteGraphStore

    async def main() -> None:
        store = SqliteGraphStore(db)
        await store.open()
        settings = Settings(sqlite_path=str(db), port=port, api_keys={}, log_level="warning")
        app: FastAPI = create_app(settings, store)

        @app.get("/plain/customer/{customer_id}")
        async def plain(customer_id: str) -> dict[str, Any]:
            return await plain_card(store, customer_id)

        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
        await uvicorn.Server(config).serve()
        await store.close()

    import uvloop

    uvloop.run(main())


async def _worker(
    client: httpx.AsyncClient,
    kind: str,
    ids: list[str],
    rng: random.Random,
    stop: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    while time.perf_counter() < stop:
        cid = rng.choice(ids)
        t0 = time.perf_counter()
        if kind == "graphql":
            r = await client.post("/graphql", json={"query": CARD, "variables": {"id": cid}})
            ok = r.status_code == 200 and "errors" not in r.json()
        else:
            r = await client.get(f"/plain/customer/{cid}")
            ok = r.status_code == 200
        latencies.append(time.perf_counter() - t0)
        if not ok:
            errors.append(r.text[:200])


async def measure(
    base: str, kind: str, clients: int, seconds: float, customers: int
) -> dict[str, Any]:
    ids = [f"c{i}" for i in range(customers)]
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        # warm-up
        await _worker(client, kind, ids, random.Random(0), time.perf_counter() + 1, [], [])
        stop = time.perf_counter() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(
            *(
                _worker(client, kind, ids, random.Random(n), stop, latencies, errors)
                for n in range(clients)
            )
        )
        elapsed = time.perf_counter() - t0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "kind": kind,
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "rps": len(latencies) / elapsed,
        "p50": q[49] * 1000,
        "p99": q[98] * 1000,
        "first_error": errors[0] if errors else "",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(args: argparse.Namespace) -> tuple[Path, bool]:
    """The database file, and whether it must be built."""
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"bench-{args.customers}.db"
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    return db, not db.exists()


async def run(args: argparse.Namespace, db: Path, must_build: bool) -> int:
    from graph_api.store.sqlite import SqliteGraphStore

    if must_build:
        t0 = time.perf_counter()
        async with SqliteGraphStore(db) as store:
            await build(store, args.customers)
            counts = {str(lbl): await store.count_nodes(lbl) for lbl in NodeLabel}
        print(f"built {db.name} in {time.perf_counter() - t0:.1f}s: {counts}")
    port = _free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measurement
        [sys.executable, __file__, "--serve", str(db), "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as c:
            for _ in range(300):
                try:
                    if (await c.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                print("server did not start", file=sys.stderr)
                return 1
        rows = []
        for kind in ("graphql", "plain"):
            rows.append(await measure(base, kind, 8, args.seconds, args.customers))
            rows.append(await measure(base, kind, 32, args.seconds, args.customers))
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"\ncustomer card, {args.customers} customers, {args.seconds:.0f}s per row, "
        f"1 uvicorn worker, client in a separate process on the same host\n"
    )
    print(
        f"{'endpoint':<10}{'clients':>8}{'requests':>10}{'errors':>8}{'req/s':>9}"
        f"{'p50 ms':>9}{'p99 ms':>9}"
    )
    for r in rows:
        print(
            f"{r['kind']:<10}{r['clients']:>8}{r['requests']:>10}{r['errors']:>8}"
            f"{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
        )
        if r["first_error"]:
            print("   first error:", r["first_error"])
    g8 = rows[0]
    ratio = rows[1]["rps"] / rows[3]["rps"]
    print(
        f"\np99 at 8 clients (GraphQL): {g8['p99']:.1f} ms (target <= 50): "
        f"{'OK' if g8['p99'] <= 50 else 'MISSED'}"
    )
    print(
        f"GraphQL / plain throughput at 32 clients: {ratio:.2f} (target >= 0.5): "
        f"{'OK' if ratio >= 0.5 else 'MISSED'}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--serve", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.port)
        return 0
    return asyncio.run(run(args, *prepare(args)))


if __name__ == "__main__":
    raise SystemExit(main())
