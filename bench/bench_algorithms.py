"""Benchmark of algorithms/ on a random power-law-ish graph, with python-igraph as a reference.

    .venv/bin/python bench/bench_algorithms.py [--nodes 100000 --edges 1000000] [--seed 7]

Builds a directed graph with heavy-tailed in- and out-degrees (fixed seed), then times each
step: engagement PageRank, Louvain communities, RIS campaign seeds (k=20), strongest-path
queries, cascade statistics. Each step reports wall seconds and the peak growth of the
process's resident memory during the step (sampled every 5 ms from /proc/self/statm and
checked against ru_maxrss, so C code such as igraph's is counted too; memory the allocator keeps
from earlier steps makes this a lower bound). The same steps run with igraph where it has them:
PageRank, multilevel (Louvain) communities, and k shortest paths (Yen, single source, no hop
limit, so a reference point rather than the same problem). Ratio = ours / igraph time.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from algorithms import (
    campaign_seeds,
    cascade_influence,
    detect_communities,
    engagement_influence,
    strongest_paths,
)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mb: float = 0.0
    note: str = ""
    result: Any = field(default=None, repr=False)


@contextmanager
def measured() -> Iterator[Measure]:
    m = Measure()
    start_rss = _rss()
    start_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = [start_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.005):
            peak[0] = max(peak[0], _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - t0
        stop.set()
        sampler.join()
        end_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        grown = max(peak[0], _rss(), end_max if end_max > start_max else 0) - start_rss
        m.peak_mb = max(grown, 0) / 2**20


def run(fn: Callable[[], Any]) -> Measure:
    with measured() as m:
        m.result = fn()
    return m


def power_law_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """m distinct directed edges, no self-loops; out- and in-degree weights ~ rank^-0.8."""
    out_w = rng.permutation((np.arange(n) + 1.0) ** -0.8)
    in_w = rng.permutation((np.arange(n) + 1.0) ** -0.8)
    out_w /= out_w.sum()
    in_w /= in_w.sum()
    keys = np.empty(0, dtype=np.int64)
    while keys.size < m:
        want = int((m - keys.size) * 1.2) + 16
        u = rng.choice(n, size=want, p=out_w)
        v = rng.choice(n, size=want, p=in_w)
        ok = u != v
        keys = np.unique(np.concatenate([keys, u[ok] * n + v[ok]]))
    keys = rng.permutation(keys)[:m]
    return np.stack(np.divmod(keys, n), axis=1)


def random_forest(n_interactions: int, n_actors: int, rng: np.random.Generator) -> nx.DiGraph:
    """RESPONDS_TO forest: 30% root posts, the rest respond to a recent, popular interaction."""
    cascades = nx.DiGraph()
    cascades.add_nodes_from(range(n_interactions))
    is_root = rng.random(n_interactions) < 0.3
    is_root[0] = True
    edges = []
    for i in range(1, n_interactions):
        if not is_root[i]:
            back = int(min(i, 1 + rng.pareto(1.2) * 3))
            edges.append((i, i - back))
    cascades.add_edges_from(edges)
    return cascades


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queries", type=int, default=20, help="strongest-path queries")
    parser.add_argument("--no-igraph", action="store_true", help="skip the igraph reference")
    args = parser.parse_args(argv)
    n, m = args.nodes, args.edges
    if m > n * (n - 1):
        parser.error("more edges than a simple directed graph on that many nodes can hold")
    rng = np.random.default_rng(args.seed)

    print(f"graph: {n:,} nodes, {m:,} directed edges, seed {args.seed}", flush=True)
    edges = power_law_edges(n, m, rng)
    weight = rng.gamma(1.0, 1.0, m)
    strength = rng.uniform(0.05, 1.0, m)
    in_degree = np.bincount(edges[:, 1], minlength=n)
    prob = 1.0 / in_degree[edges[:, 1]]  # weighted cascade model
    names = [f"p{i}" for i in range(n)]

    def build() -> nx.DiGraph:
        G = nx.DiGraph()
        G.add_nodes_from(names)
        G.add_edges_from(
            (names[u], names[v], {"weight": w, "p": p, "strength": s, "rel": "FOLLOWS"})
            for (u, v), w, p, s in zip(edges.tolist(), weight, prob, strength, strict=True)
        )
        return G

    rows: list[tuple[str, Measure, Measure | None]] = []
    built = run(build)
    G: nx.DiGraph = built.result
    rows.append(("build networkx graph", built, None))
    print(f"  built in {built.seconds:.1f} s", flush=True)

    ig_graph = None
    if not args.no_igraph:
        import igraph as ig

        def build_ig() -> Any:
            g = ig.Graph(n=n, edges=edges.tolist(), directed=True)
            g.es["weight"] = weight.tolist()
            g.es["cost"] = (-np.log(strength)).tolist()
            return g

        ig_built = run(build_ig)
        ig_graph = ig_built.result
        rows[-1] = ("build graph", built, ig_built)

    def step(name: str, ours: Callable[[], Any], ref: Callable[[Any], Any] | None) -> Measure:
        print(f"  {name} ...", flush=True)
        mine = run(ours)
        theirs = run(lambda: ref(ig_graph)) if ref is not None and ig_graph is not None else None
        rows.append((name, mine, theirs))
        return mine

    pr = step(
        "engagement PageRank",
        lambda: engagement_influence(G),
        lambda g: g.pagerank(weights="weight", damping=0.85, directed=True),
    )
    top = max(pr.result, key=pr.result.__getitem__)
    pr.note = f"top {top}"

    def multilevel(g: Any) -> Any:
        u = g.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
        return u.community_multilevel(weights="weight", resolution=1.0)

    comm = step("Louvain communities", lambda: detect_communities(G, seed=0), multilevel)
    comm.note = f"{len(comm.result)} communities, largest {len(comm.result[0])}"
    ref_comm = rows[-1][2]
    if ref_comm is not None:
        ref_comm.note = f"{len(ref_comm.result)} communities"

    seeds = step("RIS seeds k=20", lambda: campaign_seeds(G, 20, seed=0), None)
    seeds.note = f"spread ~{seeds.result.spread:.0f} (samples {max(10_000, 2 * n):,})"

    query_rng = np.random.default_rng(args.seed + 1)
    queries = [
        (
            [names[i] for i in query_rng.choice(n, size=100, replace=False)],
            names[int(query_rng.integers(n))],
        )
        for _ in range(args.queries)
    ]
    found: list[int] = []
    slowest = [0.0]

    def path_queries() -> None:
        for sources, target in queries:
            t0 = time.perf_counter()
            found.append(len(strongest_paths(G, sources, target, k=5, max_hops=4)))
            slowest[0] = max(slowest[0], time.perf_counter() - t0)

    def ig_paths(g: Any) -> None:
        with warnings.catch_warnings():  # "Couldn't reach some vertices" for unreachable targets
            warnings.simplefilter("ignore", RuntimeWarning)
            for sources, target in queries:
                g.get_k_shortest_paths(int(sources[0][1:]), to=int(target[1:]), k=5, weights="cost")

    paths = step(f"strongest_paths x{args.queries}", path_queries, ig_paths)
    paths.note = (
        f"100 sources, k=5, <=4 hops; mean {paths.seconds / max(len(queries), 1) * 1000:.0f} ms, "
        f"max {slowest[0] * 1000:.0f} ms, {sum(found)} paths"
    )
    if rows[-1][2] is not None:
        rows[-1][2].note = "1 source, k=5, no hop limit (Yen)"

    n_interactions = max(m // 2, 10)
    cascades = random_forest(n_interactions, n, rng)
    authors = dict(zip(range(n_interactions), rng.choice(names, n_interactions), strict=True))
    casc = step("cascade stats", lambda: cascade_influence(cascades, authors), None)
    casc.note = f"{n_interactions:,} interactions, {len(casc.result):,} actors"

    print()
    header = f"{'step':<24}{'ours s':>9}{'ours MB':>9}{'igraph s':>10}{'igraph MB':>10}{'ratio':>8}"
    print(header + "  notes")
    print("-" * (len(header) + 40))
    for name, mine, theirs in rows:
        ref_s = f"{theirs.seconds:10.2f}" if theirs else f"{'-':>10}"
        ref_mb = f"{theirs.peak_mb:10.0f}" if theirs else f"{'-':>10}"
        has_ratio = theirs is not None and theirs.seconds > 0
        ratio = f"{mine.seconds / theirs.seconds:8.1f}" if theirs and has_ratio else f"{'-':>8}"
        notes = "; ".join(x for x in (mine.note, theirs.note if theirs else "") if x)
        print(f"{name:<24}{mine.seconds:9.2f}{mine.peak_mb:9.0f}{ref_s}{ref_mb}{ratio}  {notes}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS {peak:,.0f} MB; log2(n) = {math.log2(n):.1f}")


if __name__ == "__main__":
    main()
