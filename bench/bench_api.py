"""Benchmark: the customer card over HTTP, GraphQL vs a plain FastAPI JSON endpoint.

What the issue asks for: the customer-card query for random customers of the *medium synthetic
data set*, over HTTP on loopback; p50 and p99 latency at 8 concurrent clients (target p99 <= 50
ms) and the throughput at 32 clients, compared in the same run with a plain FastAPI JSON endpoint
returning the same data from the same store (target: GraphQL >= half the plain throughput).

    .venv/bin/python bench/bench_api.py [--size medium] [--seed 7] [--seconds 10] [--rebuild]
    .venv/bin/python bench/bench_api.py --db data/graph.db      # an already loaded store
    .venv/bin/python bench/bench_api.py --in-process 500        # server cost per card, no HTTP

How it stays fair:

* **The data** is what users get: ``graph-api generate --size medium --seed 7`` then
  ``graph-api load`` (validation, identity resolution, and the analytics refresh that ``load``
  runs after a load), built once into ``bench/out/card-<size>-<seed>.db`` (``--rebuild`` builds
  it again). Customers are drawn at random among the ids actually in the store; client ``n``
  draws the same sequence of customers for both endpoints.
* **The query** is the customer 360° card of the README (scores, personal data, profiles,
  communities, purchases, referrals, the last 10 contacts). The plain route makes the same seven
  store calls and returns the very same JSON (checked on 20 customers before measuring).
* **Steady state.** The server runs the service's default settings (``auto_refresh`` on), as
  in production. The store was refreshed when it was built, so no refresh should start; but a
  fresh process still builds the analytics' in-memory graphs in the background (10-25 s of
  CPU on the medium set), which would land in the first measurement. So before measuring, the
  benchmark checks that ``analyticsStatus`` is fresh (a stale store is refreshed *offline*
  first, with ``graph-api refresh``) and waits until the server process is idle (3 s in a
  row); afterwards it checks that the same analytics run is still served and no refresh ran.
  (Serving with ``auto_refresh`` off would also work; waiting keeps the production
  configuration.)
* **Warm caches, fair order.** The database file is read once (OS page cache), both endpoints
  are warmed up, then every row is measured in two halves in ABBA order (GraphQL, plain, plain,
  GraphQL), so a change in the machine's load hits both endpoints alike.
* **A light client.** The clients run in this process (the server in another one) over plain
  keep-alive HTTP/1.1 connections on uvloop: on a 2-core machine, a heavier client takes CPU
  from the server it measures. The table shows the server's CPU per request (from /proc): the
  figure that noise from other jobs disturbs least.

Targets: p99 <= 50 ms at 8 clients; GraphQL >= half the plain endpoint's throughput at 32.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph_api.model import (  # noqa: E402
    InteractionKind,
    LinkMethod,
    LinkStatus,
    NodeLabel,
    Platform,
    RelType,
    parse_timestamp,
)
from graph_api.store.base import (  # noqa: E402
    Condition,
    Direction,
    GraphStore,
    Hop,
    NodeQuery,
    NodeRef,
    Op,
    PageRequest,
    Related,
)

OUT = ROOT / "bench" / "out"
C, I = NodeLabel.CUSTOMER, NodeLabel.INTERACTION  # noqa: E741

# The customer 360° card of the README, verbatim.
CARD = """query CustomerCard($id: ID!) {
  customer(id: $id) {
    id
    name
    segment
    lifetimeValue
    email
    influence: score(name: "influence")
    advocacy: score(name: "advocacy")
    profiles {
      edges { status confidence method node { platform handle followers } }
    }
    communities { edges { role joinedAt node { name owned } } }
    purchases { edges { count amount at node { name price } } }
    referrals { edges { converted node { name } } }
    contactHistory(first: 10) {
      totalCount
      edges { node { kind channel sentiment occurredAt text } }
    }
  }
}"""
STATUS = "{ analyticsStatus { runId stale refreshing } }"
DEFAULT_PAGE = 20  # Settings.default_page_size: what the card's unsized connections get


# -- the plain endpoint ---------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return None if value is None else parse_timestamp(str(value)).isoformat()


def _score(scores: dict[str, Any], name: str) -> float | None:
    value = scores.get(name)
    return float(value) if isinstance(value, int | float) else None


def _edges(hops: list[Hop], edge: Callable[[Hop], dict[str, Any]]) -> dict[str, Any]:
    return {"edges": [edge(h) for h in hops]}


async def plain_card(store: GraphStore, customer_id: str) -> dict[str, Any] | None:
    """The card as a hand-written JSON endpoint would build it: the same seven store calls as
    the GraphQL query, and the same JSON as its ``data.customer``."""
    ref = NodeRef(C, customer_id)
    found = (await store.get_nodes(C, [customer_id])).get(customer_id)
    if found is None:
        return None
    page = PageRequest(first=DEFAULT_PAGE)
    confirmed_only = (Condition("status", Op.EQ, LinkStatus.CONFIRMED.value),)
    profiles, communities, purchases, referrals, confirmed = await asyncio.gather(
        store.neighbours([ref], RelType.HAS_PROFILE, Direction.OUT, page=page),
        store.neighbours([ref], RelType.MEMBER_OF, Direction.OUT, page=page),
        store.neighbours([ref], RelType.PURCHASED, Direction.OUT, page=page),
        store.neighbours([ref], RelType.REFERRED, Direction.OUT, page=page),
        store.neighbours(
            [ref],
            RelType.HAS_PROFILE,
            Direction.OUT,
            edge=confirmed_only,
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
        PageRequest(first=10),
    )
    p, s = found.props, found.scores
    return {
        "id": base64.b64encode(f"{found.label}:{found.id}".encode()).decode("ascii"),
        "name": str(p.get("name", "")),
        "segment": p.get("segment"),
        "lifetimeValue": p.get("lifetimeValue"),
        "email": p.get("email"),
        "influence": _score(s, "influence"),
        "advocacy": _score(s, "advocacy"),
        "profiles": _edges(
            profiles[ref].items,
            lambda h: {
                "status": LinkStatus(h.edge.props.get("status", "confirmed")).name,
                "confidence": float(h.edge.props.get("confidence", 1.0)),
                "method": LinkMethod(h.edge.props.get("method", "manual")).name,
                "node": {
                    "platform": Platform(h.node.props.get("platform", "other")).name,
                    "handle": str(h.node.props.get("handle", "")),
                    "followers": int(h.node.props.get("followers", 0)),
                },
            },
        ),
        "communities": _edges(
            communities[ref].items,
            lambda h: {
                "role": h.edge.props.get("role"),
                "joinedAt": _iso(h.edge.props.get("joinedAt")),
                "node": {
                    "name": str(h.node.props.get("name", "")),
                    "owned": bool(h.node.props.get("owned", False)),
                },
            },
        ),
        "purchases": _edges(
            purchases[ref].items,
            lambda h: {
                "count": int(h.edge.props.get("count", 1)),
                "amount": h.edge.props.get("amount"),
                "at": _iso(h.edge.props.get("at")),
                "node": {
                    "name": str(h.node.props.get("name", "")),
                    "price": h.node.props.get("price"),
                },
            },
        ),
        "referrals": _edges(
            referrals[ref].items,
            lambda h: {
                "converted": bool(h.edge.props.get("converted", False)),
                "node": {"name": str(h.node.props.get("name", ""))},
            },
        ),
        "contactHistory": {
            "totalCount": history.total_count,
            "edges": [
                {
                    "node": {
                        "kind": InteractionKind(n.props.get("kind", "post")).name,
                        "channel": str(n.props.get("channel", "")),
                        "sentiment": float(n.props.get("sentiment", 0.0)),
                        "occurredAt": _iso(n.props.get("occurredAt")),
                        "text": n.props.get("text"),
                    }
                }
                for n in history.items
            ],
        },
    }


def _app(db: Path, port: int = 8000) -> tuple[Any, GraphStore]:
    """The real app (default settings, open on loopback) plus, for the comparison only, the
    plain route; and its store (opened by the caller)."""
    from fastapi import FastAPI, HTTPException

    from graph_api.app import create_app
    from graph_api.config import Settings
    from graph_api.store.sqlite import SqliteGraphStore

    store = SqliteGraphStore(db)
    settings = Settings(sqlite_path=str(db), port=port, api_keys={}, log_level="warning")
    app: FastAPI = create_app(settings, store)

    @app.get("/plain/customer/{customer_id}")
    async def plain(customer_id: str) -> dict[str, Any]:
        card = await plain_card(store, customer_id)
        if card is None:
            raise HTTPException(404, f"no customer {customer_id!r}")
        return card

    return app, store


def serve(db: Path, port: int) -> None:
    """The server process: uvicorn, one worker, uvloop, on 127.0.0.1."""
    import uvicorn
    import uvloop

    async def main() -> None:
        app, store = _app(db, port)
        await store.open()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
        try:
            await uvicorn.Server(config).serve()
        finally:
            await store.close()

    uvloop.run(main())


# -- the client -----------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection, as light as a client gets: uvicorn always answers
    these routes with a Content-Length, which is all this reads."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        self._writer.write(head.encode("ascii") + body)
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"{path}: response without Content-Length")
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
            self._writer = None


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


async def graphql(conn: Connection, query: str, variables: dict[str, Any] | None = None) -> Any:
    status, body = await conn.request("POST", "/graphql", graphql_body(query, variables))
    result = json.loads(body)
    if status != 200 or result.get("errors"):
        raise RuntimeError(f"GraphQL {status}: {body[:300]!r}")
    return result["data"]


def _no_errors(body: bytes) -> bool:
    # an "errors" key; inside a JSON string a quote is escaped, so a value cannot match
    return b'"errors":' not in body


async def fetch_card(conn: Connection, kind: str, cid: str) -> tuple[bool, bytes]:
    if kind == "graphql":
        status, body = await conn.request("POST", "/graphql", graphql_body(CARD, {"id": cid}))
        return status == 200 and _no_errors(body), body
    status, body = await conn.request("GET", f"/plain/customer/{cid}")
    return status == 200, body


def _server_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) the server process used so far; None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _worker(
    conn: Connection,
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
        ok, body = await fetch_card(conn, kind, cid)
        latencies.append(time.perf_counter() - t0)
        if not ok:
            errors.append(body[:200].decode("utf-8", "replace"))


async def measure(
    port: int, pid: int, kind: str, clients: int, seconds: float, ids: list[str], seed: int
) -> dict[str, Any]:
    """``clients`` closed-loop clients for ``seconds``; client ``n`` draws its customers with
    seed ``seed + n``, the same for both endpoints."""
    conns = [Connection("127.0.0.1", port) for _ in range(clients)]
    try:
        for conn in conns:  # connect outside the measured time
            await fetch_card(conn, kind, ids[0])
        latencies: list[float] = []
        errors: list[str] = []
        cpu0, client0 = _server_cpu(pid), time.process_time()
        t0 = time.perf_counter()
        stop = t0 + seconds
        await asyncio.gather(
            *(
                _worker(conn, kind, ids, random.Random(seed + n), stop, latencies, errors)
                for n, conn in enumerate(conns)
            )
        )
        elapsed = time.perf_counter() - t0
        cpu1, client1 = _server_cpu(pid), time.process_time()
    finally:
        for conn in conns:
            await conn.close()
    return {
        "latencies": latencies,
        "errors": errors,
        "elapsed": elapsed,
        "server_cpu": None if cpu0 is None or cpu1 is None else cpu1 - cpu0,
        "client_cpu": client1 - client0,
    }


def summarize(kind: str, clients: int, halves: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = sorted(x for h in halves for x in h["latencies"])
    errors = [e for h in halves for e in h["errors"]]
    elapsed = sum(h["elapsed"] for h in halves)
    n = len(latencies)
    q = statistics.quantiles(latencies, n=100) if n > 1 else [0.0] * 99
    cpus = [h["server_cpu"] for h in halves]
    server_cpu = None if None in cpus else sum(cpus)
    return {
        "kind": kind,
        "clients": clients,
        "requests": n,
        "errors": len(errors),
        "rps": n / elapsed if elapsed else 0.0,
        "p50": q[49] * 1000,
        "p99": q[98] * 1000,
        "server_ms": None if server_cpu is None or not n else server_cpu / n * 1000,
        "server_util": None if server_cpu is None else server_cpu / elapsed,
        "client_ms": sum(h["client_cpu"] for h in halves) / n * 1000 if n else 0.0,
        "first_error": errors[0] if errors else "",
    }


# -- the data -------------------------------------------------------------------------------------


def _cli(*args: str) -> None:
    """``graph-api ARGS`` as users run it (default settings: auto_refresh on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    env["PYTHONPATH"] = str(ROOT)
    subprocess.run([sys.executable, "-m", "graph_api.cli", *args], env=env, check=True)


def _remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def build(size: str, seed: int, db: Path, rebuild: bool) -> None:
    """Generate the synthetic set and load it (with its analytics refresh) into ``db``."""
    data = OUT / f"{size}-{seed}"
    if rebuild or not (data / "truth.json").exists():
        shutil.rmtree(data, ignore_errors=True)
        _cli("generate", "--size", size, "--seed", str(seed), str(data))
    partial = db.with_name(db.name + ".partial")  # a failed build leaves no cached store
    _remove_db(partial)
    t0 = time.perf_counter()
    _cli("load", str(data), "--sqlite", str(partial))
    _remove_db(db)
    partial.rename(db)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    print(f"built {db} from {data} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)


async def inspect(db: Path) -> tuple[list[str], bool]:
    """The ids of the customers in the store, and whether its analytics are fresh."""
    from graph_api.analytics import service_for
    from graph_api.store.sqlite import SqliteGraphStore

    ids: list[str] = []
    async with SqliteGraphStore(db) as store:
        async for nodes in store.stream_nodes(C):
            ids += [n.id for n in nodes]
        fresh = not (await service_for(store).status()).stale
    return ids, fresh


def warm_page_cache(db: Path) -> None:
    for suffix in ("", "-wal"):
        path = Path(str(db) + suffix)
        if path.exists():
            with path.open("rb") as f:
                while f.read(1 << 20):
                    pass


# -- the run --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


async def _wait_until_ready(conn: Connection, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            if (await conn.request("GET", "/readyz"))[0] == 200:
                return
        except OSError:
            pass
        await conn.close()
        await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


async def _wait_until_idle(pid: int, quiet_s: int = 3, limit_s: float = 300.0) -> float:
    """Seconds until the server used < 5% of a core in each of ``quiet_s`` seconds in a row
    (its background work: the in-memory graphs of the analytics, a refresh if one ran); 0
    where /proc is missing."""
    t0 = time.perf_counter()
    last = _server_cpu(pid)
    if last is None:
        return 0.0
    quiet = 0
    while time.perf_counter() - t0 < limit_s:
        await asyncio.sleep(1.0)
        now = _server_cpu(pid)
        assert now is not None
        quiet = quiet + 1 if now - last < 0.05 else 0
        if quiet >= quiet_s:
            return time.perf_counter() - t0
        last = now
    raise RuntimeError(f"the server was still busy after {limit_s:.0f}s")


async def check_same_data(conn: Connection, ids: list[str]) -> None:
    """The plain route must return exactly the GraphQL card, or the comparison is unfair."""
    for cid in random.Random(1).sample(ids, min(20, len(ids))):
        gql = (await graphql(conn, CARD, {"id": cid}))["customer"]
        status, body = await conn.request("GET", f"/plain/customer/{cid}")
        if status != 200 or json.loads(body) != gql:
            raise RuntimeError(f"plain card of {cid} differs from GraphQL's:\n{body!r}\n{gql!r}")


async def run(args: argparse.Namespace, db: Path, ids: list[str]) -> int:
    warm_page_cache(db)
    port = _free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measurement
        [sys.executable, __file__, "--serve", str(db), "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    admin = Connection("127.0.0.1", port)  # closed after each use: uvicorn drops idle ones
    rows: list[dict[str, Any]] = []
    try:
        await _wait_until_ready(admin, server)
        before = (await graphql(admin, STATUS))["analyticsStatus"]
        if before["stale"]:
            raise RuntimeError(f"analytics are stale: {before}")
        await check_same_data(admin, ids)
        await admin.close()
        idle = await _wait_until_idle(server.pid)
        print(f"server idle after {idle:.0f}s; warming up; {_load()}", file=sys.stderr)
        for kind in ("graphql", "plain"):
            await measure(port, server.pid, kind, 8, args.warmup, ids, 10_000)
        load_before = _load()
        half = args.seconds / 2
        for clients in (8, 32):
            halves: dict[str, list[dict[str, Any]]] = {"graphql": [], "plain": []}
            for kind in ("graphql", "plain", "plain", "graphql"):  # ABBA
                seed = 0 if len(halves[kind]) == 0 else 1_000
                halves[kind].append(await measure(port, server.pid, kind, clients, half, ids, seed))
            rows += [summarize(kind, clients, halves[kind]) for kind in ("graphql", "plain")]
        await admin.close()
        after = (await graphql(admin, STATUS))["analyticsStatus"]
        if after["runId"] != before["runId"] or after["refreshing"] or after["stale"]:
            print(f"WARNING: analytics changed during the run: {before} -> {after}")
    finally:
        await admin.close()
        server.terminate()
        server.wait(10)
    print(
        f"\ncustomer card (README query), {db.name}: {len(ids)} customers, {args.seconds:g}s "
        f"per row (two halves, ABBA), 1 uvicorn worker, clients in another process on the same "
        f"host; {load_before} before, {_load()} after\n"
    )
    print(
        f"{'endpoint':<10}{'clients':>8}{'requests':>10}{'errors':>8}{'req/s':>9}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'srv ms/req':>12}{'srv cores':>11}{'cli ms/req':>12}"
    )
    for r in rows:
        srv = "-" if r["server_ms"] is None else f"{r['server_ms']:.2f}"
        util = "-" if r["server_util"] is None else f"{r['server_util']:.2f}"
        print(
            f"{r['kind']:<10}{r['clients']:>8}{r['requests']:>10}{r['errors']:>8}"
            f"{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{srv:>12}{util:>11}"
            f"{r['client_ms']:>12.2f}"
        )
        if r["first_error"]:
            print("   first error:", r["first_error"])
    g8 = rows[0]
    ratio = rows[2]["rps"] / rows[3]["rps"] if rows[3]["rps"] else 0.0
    print(
        f"\np99 at 8 clients (GraphQL): {g8['p99']:.1f} ms (target <= 50): "
        f"{'OK' if g8['p99'] <= 50 else 'MISSED'}"
    )
    print(
        f"GraphQL / plain throughput at 32 clients: {ratio:.2f} (target >= 0.5): "
        f"{'OK' if ratio >= 0.5 else 'MISSED'}"
    )
    return 0


# -- in-process cost ------------------------------------------------------------------------------


async def _asgi(app: Any, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request straight into the ASGI app: the server's own cost, no HTTP and no client."""
    headers = [(b"host", b"bench"), (b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"application/json"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"]), b"".join(m.get("body", b"") for m in sent[1:])


async def in_process(db: Path, ids: list[str], n: int) -> int:
    """Per-card cost inside one process, one request at a time, alternating the endpoints."""
    import gc

    app, store = _app(db)
    await store.open()
    rng = random.Random(0)

    async def card(kind: str) -> None:
        cid = rng.choice(ids)
        if kind == "graphql":
            status, body = await _asgi(app, "POST", "/graphql", graphql_body(CARD, {"id": cid}))
            ok = status == 200 and _no_errors(body)
        else:
            status, body = await _asgi(app, "GET", f"/plain/customer/{cid}")
            ok = status == 200
        if not ok:
            raise RuntimeError(body[:300])

    kinds = ("graphql", "plain")
    try:
        for kind in kinds:  # warm up
            for _ in range(min(n, 200)):
                await card(kind)
        gc.collect()
        gc.freeze()  # as the app's lifespan does
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        for rnd in range(6):
            for kind in kinds if rnd % 2 == 0 else kinds[::-1]:
                t0, c0 = time.perf_counter(), time.process_time()
                for _ in range(n):
                    await card(kind)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                results[kind].append((wall / n * 1000, cpu / n * 1000))
    finally:
        await store.close()
    print(f"\nin-process cost of one card, {db.name}, {n} cards x 6 rounds; {_load()}\n")
    print(f"{'endpoint':<10}{'wall ms (min / median)':>26}{'CPU ms (min / median)':>26}")
    for kind, values in results.items():
        walls = sorted(v[0] for v in values)
        cpus = sorted(v[1] for v in values)
        print(
            f"{kind:<10}{walls[0]:>14.2f} / {statistics.median(walls):<9.2f}"
            f"{cpus[0]:>14.2f} / {statistics.median(cpus):<9.2f}"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--db", type=Path, help="benchmark this loaded SQLite store instead")
    parser.add_argument("--seconds", type=float, default=10.0, help="per row (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="per endpoint (default 3)")
    parser.add_argument("--rebuild", action="store_true", help="generate and load again")
    parser.add_argument(
        "--in-process", type=int, metavar="N", help="measure N cards per round in-process"
    )
    parser.add_argument("--serve", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve), args.port)
        return 0
    db: Path = args.db or OUT / f"card-{args.size}-{args.seed}.db"
    if args.db is None and (args.rebuild or not db.exists()):
        OUT.mkdir(parents=True, exist_ok=True)
        build(args.size, args.seed, db, args.rebuild)
    elif not db.exists():
        print(f"{db}: no such file", file=sys.stderr)
        return 1
    import uvloop

    ids, fresh = uvloop.run(inspect(db))
    if not ids:
        print(f"{db} holds no customers", file=sys.stderr)
        return 1
    if not fresh:
        print("analytics are stale: refreshing offline first (graph-api refresh)", file=sys.stderr)
        _cli("refresh", "--sqlite", str(db))
    work: Awaitable[int] = (
        in_process(db, ids, args.in_process) if args.in_process else run(args, db, ids)
    )
    return uvloop.run(work)


if __name__ == "__main__":
    raise SystemExit(main())
