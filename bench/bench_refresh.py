"""Benchmark: a full analytics refresh, step by step, against python-igraph, plus query latency.

Usage::

    .venv/bin/python bench/bench_refresh.py --data medium            # the synthetic set
    .venv/bin/python bench/bench_refresh.py --synthetic 100000 1000000
    .venv/bin/python bench/bench_refresh.py --data medium --synthetic 100000 1000000 --queries 200
    .venv/bin/python bench/bench_refresh.py --synthetic 100000 1000000 --reuse   # queries only

A store is kept in ``--workdir`` (``<set>.db``, ``synthetic-<NODES>-<EDGES>.db``) and reused
as data; by default it is refreshed again. With ``--reuse``, a store whose analytics are fresh
(refreshed at its current data version) is not refreshed: only the query latencies are measured
(no refresh, no igraph reference), which takes seconds instead of minutes. A store without
fresh analytics is refreshed first, as without the flag.

For each graph: the seconds and peak resident memory (RSS, sampled every 20 ms) of every refresh
step, the same steps done by python-igraph where it has them (graph construction, PageRank,
Louvain) with the ratio ours / igraph, and the p50 / p95 of the ``influencers`` and
``advocacyPaths`` queries of :class:`~graph_api.analytics.AnalyticsService`.

Data sets are written straight into a SQLite store with ``store.upsert`` in large batches, not
through ``loaders.load_path``: the loader validates every row and resolves identities, which is
what it is for, but takes far longer than the refresh being measured. The direct import keeps
the explicit HAS_PROFILE links of the files only (no identity resolution), which does not
change the size of the graphs the refresh works on.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph_api.analytics import AnalyticsService, Params  # noqa: E402
from graph_api.analytics.graphs import build_engagement, build_social  # noqa: E402
from graph_api.analytics.projection import build_projection  # noqa: E402
from graph_api.model import NodeLabel, RelType  # noqa: E402
from graph_api.store.base import EdgeWrite, NodeRef, NodeWrite  # noqa: E402
from graph_api.store.sqlite import SqliteGraphStore  # noqa: E402

C, P, G, D, I = (  # noqa: E741
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)
BATCH = 50_000


# --- memory ------------------------------------------------------------------------------------


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class StepMeter:
    """Attributes the peak RSS seen while a step runs to that step (progress messages)."""

    def __init__(self) -> None:
        self.step = "projection"
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            r = rss_mib()
            self.peak[self.step] = max(self.peak.get(self.step, 0.0), r)
            time.sleep(0.02)

    def progress(self, msg: str) -> None:
        if msg.endswith(" …"):
            self.step = msg[:-2]
        elif " done in " not in msg and not msg.startswith("read "):
            return
        if msg.startswith("read memberships"):
            self.step = "graphs"

    def __enter__(self) -> StepMeter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- data --------------------------------------------------------------------------------------


async def _write(store: SqliteGraphStore, nodes: list[NodeWrite], edges: list[EdgeWrite]) -> None:
    for i in range(0, len(nodes), BATCH):
        await store.upsert(nodes[i : i + BATCH])
    for i in range(0, len(edges), BATCH):
        await store.upsert((), edges[i : i + BATCH])


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists():
        return iter(())
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _typed(
    row: dict[str, Any],
    ints: tuple[str, ...] = (),
    floats: tuple[str, ...] = (),
    bools: tuple[str, ...] = (),
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if v in ("", None):
            continue
        if k in ints:
            out[k] = int(v)
        elif k in floats:
            out[k] = float(v)
        elif k in bools:
            out[k] = str(v).lower() == "true"
        else:
            out[k] = v
    return out


async def import_generated(store: SqliteGraphStore, folder: Path) -> None:
    """The generated files straight into the store (no validation, no identity resolution)."""
    nodes: list[NodeWrite] = []
    for stem, label, kw in (
        ("customers", C, {"floats": ("lifetimeValue",)}),
        ("profiles", P, {"ints": ("followers",), "bools": ("verified",)}),
        ("communities", G, {"bools": ("owned",)}),
        ("products", D, {"floats": ("price",)}),
    ):
        for row in _rows(folder / f"{stem}.csv"):
            props = _typed(row, **kw)
            nodes.append(NodeWrite(label, props.pop("id"), props))
    edges: list[EdgeWrite] = []
    links = ("actor", "actorType", "about", "in", "mentions", "respondsTo")
    with (folder / "interactions.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            iid = d["id"]
            nodes.append(
                NodeWrite(I, iid, {k: v for k, v in d.items() if k not in links and k != "id"})
            )
            me = NodeRef(I, iid)
            actor_label = C if d.get("actorType") == "customer" else P
            edges.append(EdgeWrite(RelType.PERFORMED, NodeRef(actor_label, d["actor"]), me))
            if d.get("respondsTo"):
                edges.append(EdgeWrite(RelType.RESPONDS_TO, me, NodeRef(I, d["respondsTo"])))
            for p in d.get("mentions", []) or []:
                edges.append(EdgeWrite(RelType.MENTIONS, me, NodeRef(P, p)))
            for x in d.get("about", []) or []:
                edges.append(EdgeWrite(RelType.ABOUT, me, NodeRef(D, x)))
            if d.get("in"):
                edges.append(EdgeWrite(RelType.IN, me, NodeRef(G, d["in"])))
    for stem, rel, s, t, kw in (
        (
            "has_profile",
            RelType.HAS_PROFILE,
            ("customer", C),
            ("profile", P),
            {"floats": ("confidence",)},
        ),
        ("follows", RelType.FOLLOWS, ("follower", P), ("followed", P), {}),
        (
            "purchases",
            RelType.PURCHASED,
            ("customer", C),
            ("product", D),
            {"ints": ("count",), "floats": ("amount",)},
        ),
        (
            "referrals",
            RelType.REFERRED,
            ("referrer", C),
            ("referred", C),
            {"bools": ("converted",)},
        ),
    ):
        for row in _rows(folder / f"{stem}.csv"):
            props = _typed(row, **kw)
            src, dst = props.pop(s[0]), props.pop(t[0])
            edges.append(EdgeWrite(rel, NodeRef(s[1], src), NodeRef(t[1], dst), props))
    for row in _rows(folder / "member_of.csv"):
        props = _typed(row)
        member = props.pop("member")
        label = C if props.pop("memberType", "profile") == "customer" else P
        edges.append(
            EdgeWrite(
                RelType.MEMBER_OF, NodeRef(label, member), NodeRef(G, props.pop("community")), props
            )
        )
    await _write(store, nodes, edges)


async def synthetic(store: SqliteGraphStore, n_nodes: int, n_edges: int, seed: int = 1) -> None:
    """A planted-partition social CRM graph of about `n_nodes` nodes and `n_edges` relationships.

    Profiles 60%, customers 25% (80% of them with one confirmed profile), interactions 15%;
    FOLLOWS make up what the other relationships leave of `n_edges`, 90% of them inside one of
    50 communities; follower counts are heavy-tailed.
    """
    rng = random.Random(seed)
    n_prof, n_cust = int(n_nodes * 0.60), int(n_nodes * 0.25)
    n_int = n_nodes - n_prof - n_cust - 50 - 100
    comm = [rng.randrange(50) for _ in range(n_prof)]
    by_comm: dict[int, list[int]] = {}
    for p, c in enumerate(comm):
        by_comm.setdefault(c, []).append(p)
    nodes = [
        NodeWrite(G, f"g{c}", {"name": f"Community {c}", "topic": f"topic{c % 10}"})
        for c in range(50)
    ]
    nodes += [
        NodeWrite(D, f"d{d}", {"name": f"Product {d}", "category": f"cat{d % 12}"})
        for d in range(100)
    ]
    nodes += [
        NodeWrite(
            P,
            f"p{p}",
            {"platform": "x", "handle": f"h{p}", "followers": int(rng.paretovariate(1.2) * 50)},
        )
        for p in range(n_prof)
    ]
    nodes += [NodeWrite(C, f"c{c}", {"name": f"Customer {c}"}) for c in range(n_cust)]
    kinds = ["post", "reply", "share", "praise", "review", "complaint", "mention"]
    edges: list[EdgeWrite] = []
    actors: list[int] = []
    for i in range(n_int):
        kind = rng.choice(kinds)
        s = round(rng.uniform(-1, 1), 2)
        day = rng.randrange(1, 28)
        nodes.append(
            NodeWrite(
                I,
                f"i{i}",
                {
                    "kind": kind,
                    "channel": "x",
                    "sentiment": s,
                    "occurredAt": f"2024-05-{day:02d}T12:00:00.000000Z",
                },
            )
        )
        a = rng.randrange(n_prof)
        actors.append(a)
        edges.append(EdgeWrite(RelType.PERFORMED, NodeRef(P, f"p{a}"), NodeRef(I, f"i{i}")))
        if i > 10 and rng.random() < 0.65:
            edges.append(
                EdgeWrite(
                    RelType.RESPONDS_TO, NodeRef(I, f"i{i}"), NodeRef(I, f"i{rng.randrange(i)}")
                )
            )
        if rng.random() < 0.2:
            edges.append(
                EdgeWrite(
                    RelType.MENTIONS, NodeRef(I, f"i{i}"), NodeRef(P, f"p{rng.randrange(n_prof)}")
                )
            )
        if rng.random() < 0.3:
            edges.append(
                EdgeWrite(RelType.ABOUT, NodeRef(I, f"i{i}"), NodeRef(D, f"d{rng.randrange(100)}"))
            )
        edges.append(EdgeWrite(RelType.IN, NodeRef(I, f"i{i}"), NodeRef(G, f"g{comm[a]}")))
    for c in range(n_cust):
        if rng.random() < 0.8:
            edges.append(
                EdgeWrite(
                    RelType.HAS_PROFILE,
                    NodeRef(C, f"c{c}"),
                    NodeRef(P, f"p{c}"),
                    {"status": "confirmed"},
                )
            )
        for _ in range(2):
            edges.append(
                EdgeWrite(
                    RelType.PURCHASED,
                    NodeRef(C, f"c{c}"),
                    NodeRef(D, f"d{rng.randrange(100)}"),
                    {"count": rng.randint(1, 3)},
                )
            )
        if rng.random() < 0.1:
            edges.append(
                EdgeWrite(
                    RelType.REFERRED,
                    NodeRef(C, f"c{c}"),
                    NodeRef(C, f"c{rng.randrange(n_cust)}"),
                    {"converted": rng.random() < 0.4},
                )
            )
    for p in range(n_prof):
        if rng.random() < 0.5:
            edges.append(
                EdgeWrite(RelType.MEMBER_OF, NodeRef(P, f"p{p}"), NodeRef(G, f"g{comm[p]}"))
            )
    seen: set[tuple[int, int]] = set()
    while len(edges) < n_edges:
        u = rng.randrange(n_prof)
        v = rng.choice(by_comm[comm[u]]) if rng.random() < 0.9 else rng.randrange(n_prof)
        if u != v and (u, v) not in seen:
            seen.add((u, v))
            edges.append(EdgeWrite(RelType.FOLLOWS, NodeRef(P, f"p{u}"), NodeRef(P, f"p{v}")))
    await _write(store, nodes, edges)


# --- igraph reference --------------------------------------------------------------------------


def igraph_reference(proj: Any) -> dict[str, float]:
    """The igraph equivalents of the graph, PageRank and Louvain steps, in seconds."""
    import igraph as ig

    engagement = build_engagement(proj)
    social = build_social(proj, engagement)
    e_edges = [(u, v, d["weight"]) for u, v, d in engagement.edges(data=True)]
    s_edges = [(u, v, d["weight"]) for u, v, d in social.edges(data=True)]
    out: dict[str, float] = {}
    t = time.perf_counter()
    eg = ig.Graph.TupleList(e_edges, directed=True, weights=True)
    sg = ig.Graph.TupleList(s_edges, directed=False, weights=True)
    out["graphs"] = time.perf_counter() - t
    t = time.perf_counter()
    eg.pagerank(weights="weight", damping=0.85)
    out["pagerank"] = time.perf_counter() - t
    t = time.perf_counter()
    sg.community_multilevel(weights="weight")
    out["communities"] = time.perf_counter() - t
    return out


# --- queries -----------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def query_latency(
    store: SqliteGraphStore, n: int, seed: int = 3
) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of influencers (overall, by product, by community) and advocacyPaths."""
    rng = random.Random(seed)
    service = AnalyticsService(store)
    products = [n.id async for batch in store.stream_nodes(D) for n in batch]
    communities = [n.id async for batch in store.stream_nodes(G) for n in batch]
    customers: list[str] = []
    async for batch in store.stream_edges(RelType.HAS_PROFILE):
        customers.extend(
            e.src.id for e in batch if e.props.get("status", "confirmed") == "confirmed"
        )
    t = time.perf_counter()
    await service.advocacy_paths(NodeRef(C, customers[0]), k=5, max_hops=4)  # builds the cache
    warm = time.perf_counter() - t
    timings: dict[str, list[float]] = {
        k: []
        for k in ("influencers", "influencers(product)", "influencers(community)", "advocacyPaths")
    }

    async def timed(name: str, fn: Callable[[], Any]) -> None:
        t0 = time.perf_counter()
        await fn()
        timings[name].append((time.perf_counter() - t0) * 1000)

    for _ in range(n):
        await timed("influencers", lambda: service.influencers(first=20, exclude_inflated=True))
        pr = rng.choice(products)
        await timed("influencers(product)", lambda pr=pr: service.influencers(product=pr, first=20))
        cm = rng.choice(communities)
        await timed(
            "influencers(community)", lambda cm=cm: service.influencers(community=cm, first=20)
        )
        cu = rng.choice(customers)
        await timed(
            "advocacyPaths", lambda cu=cu: service.advocacy_paths(NodeRef(C, cu), k=5, max_hops=4)
        )
    out = {k: (_pct(v, 0.5), _pct(v, 0.95)) for k, v in timings.items()}
    out["(paths cache build, s)"] = (warm, warm)
    return out


# --- main --------------------------------------------------------------------------------------


async def refresh_measured(
    store: SqliteGraphStore,
) -> tuple[dict[str, float], dict[str, float], float, int]:
    service = AnalyticsService(store, Params())
    with StepMeter() as meter:
        t = time.perf_counter()
        report = await service.refresh(meter.progress)
        total = time.perf_counter() - t
    return report.steps, meter.peak, total, report.counts.get("relationships", 0)


def queries_only(name: str, db: Path, queries: int) -> list[str] | None:
    """Only the query latencies, on a store whose analytics are fresh; None when they are not."""
    store = SqliteGraphStore(db)

    async def run() -> dict[str, tuple[float, float]] | None:
        await store.open()
        try:
            if (await AnalyticsService(store).status()).stale:
                return None
            return await query_latency(store, queries)
        finally:
            await store.close()

    lat = asyncio.run(run())
    if lat is None:
        return None
    return [
        f"### {name}: queries only (the store's analytics reused)",
        "",
        "| query | p50 ms | p95 ms |",
        "|---|---:|---:|",
        *(f"| {k} | {a:.1f} | {b:.1f} |" for k, (a, b) in lat.items()),
    ]


def bench(name: str, db: Path, queries: int, reuse: bool = False) -> list[str]:
    if reuse:
        lines = queries_only(name, db, queries)
        if lines is not None:
            return lines
        print(f"{db}: no fresh analytics to reuse, refreshing", file=sys.stderr)
    store = SqliteGraphStore(db)

    async def run() -> tuple[Any, ...]:
        await store.open()
        try:
            steps, peak, total, rels = await refresh_measured(store)
            lat = await query_latency(store, queries) if queries else {}
            return steps, peak, total, rels, lat
        finally:
            await store.close()

    steps, peak, total, rels, lat = asyncio.run(run())

    async def reopen() -> dict[str, float]:
        await store.open()
        try:
            proj = await build_projection(store)
            return await asyncio.to_thread(igraph_reference, proj)
        finally:
            await store.close()

    ref = asyncio.run(reopen())
    lines = [
        f"### {name}: {rels:,} relationships, refresh {total:.1f} s, "
        f"peak RSS {max(peak.values()):.0f} MiB",
        "",
        "| step | seconds | peak RSS MiB | igraph s | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for step, secs in steps.items():
        r = ref.get(step)
        ratio = f"{secs / r:.1f}x" if r else "n/a"
        lines.append(
            f"| {step} | {secs:.2f} | {peak.get(step, float('nan')):.0f} | "
            f"{'' if r is None else f'{r:.2f}'} | {ratio} |"
        )
    lines.append(f"| **total** | **{total:.2f}** | **{max(peak.values()):.0f}** | | |")
    if lat:
        lines += ["", "| query | p50 ms | p95 ms |", "|---|---:|---:|"]
        lines += [f"| {k} | {a:.1f} | {b:.1f} |" for k, (a, b) in lat.items()]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", help="synthetic set size (small, medium, large) or a data folder")
    ap.add_argument("--synthetic", nargs=2, type=int, metavar=("NODES", "EDGES"))
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--workdir", default="/tmp/graph-api-bench")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="skip the refresh of a store whose analytics are fresh: measure the queries only",
    )
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    out: list[str] = []
    if args.data:
        folder = Path(args.data)
        if not folder.exists():
            from loaders import generate

            folder = work / args.data
            if not (folder / "truth.json").exists():
                generate(folder, size=args.data, seed=7)
        db = work / f"{folder.name}.db"
        if not db.exists():
            t = time.perf_counter()
            asyncio.run(_import(db, lambda s: import_generated(s, folder)))
            print(f"imported {folder} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        out += [*bench(f"synthetic set '{folder.name}'", db, args.queries, args.reuse), ""]
    if args.synthetic:
        n, m = args.synthetic
        db = work / f"synthetic-{n}-{m}.db"
        if not db.exists():
            t = time.perf_counter()
            asyncio.run(_import(db, lambda s: synthetic(s, n, m)))
            print(f"wrote synthetic graph in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        out += bench(
            f"planted-partition graph {n:,} nodes / {m:,} edges", db, args.queries, args.reuse
        )
    print("\n".join(out))


async def _import(db: Path, fill: Callable[[SqliteGraphStore], Any]) -> None:
    store = SqliteGraphStore(db)
    await store.open()
    try:
        await fill(store)
    finally:
        await store.close()


if __name__ == "__main__":
    main()
