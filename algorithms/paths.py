"""Advocacy paths: the k strongest simple paths from a set of sources to a target, hop-limited."""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import networkx as nx

__all__ = ["Path", "PathEdge", "strongest_paths"]

# Candidates whose -log(strength) lies this close to the k-th best are collected before the
# final, deterministic sort, so floating-point noise in the search order cannot decide a tie.
_TIE_TOLERANCE: Final = 1e-9


@dataclass(frozen=True, slots=True)
class PathEdge:
    """One step of a :class:`Path`, in the direction of travel."""

    source: Any
    target: Any
    rel: Any
    strength: float


@dataclass(frozen=True, slots=True)
class Path:
    """A simple path, its edges and its strength (the product of its edge strengths)."""

    nodes: tuple[Any, ...]
    edges: tuple[PathEdge, ...]
    strength: float

    @property
    def hops(self) -> int:
        """Number of edges."""
        return len(self.edges)


def _node_set(G: nx.Graph, nodes: Any, what: str) -> set[Any]:
    """`nodes` as a set: a single node of `G`, or an iterable of nodes of `G`."""
    if isinstance(nodes, Hashable) and nodes in G:
        return {nodes}
    if isinstance(nodes, str | bytes) or not isinstance(nodes, Iterable):
        raise ValueError(f"{what} {nodes!r} is not in the graph")
    result = set(nodes)
    missing = [n for n in result if n not in G]
    if missing:
        raise ValueError(f"{what} not in the graph: {sorted(map(str, missing))[:5]}")
    if not result:
        raise ValueError(f"{what} is empty")
    return result


def _best_edge(
    multigraph: bool, u: Any, v: Any, data: Mapping[Any, Any], strength: str
) -> tuple[float, Mapping[str, Any]]:
    """Strength and attributes of the edge u-v (the strongest one between parallel edges)."""
    candidates = data.values() if multigraph else (data,)
    best: tuple[float, Mapping[str, Any]] | None = None
    for attrs in candidates:
        s = attrs.get(strength)
        if s is None:
            raise ValueError(f"edge {u!r}-{v!r} has no {strength!r} attribute")
        s = float(s)
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"edge {u!r}-{v!r} has {strength}={s}; strengths must be in [0, 1]")
        if best is None or s > best[0]:
            best = (s, attrs)
    assert best is not None
    return best


def _cost(s: float) -> float:
    return -math.log(s) if s > 0 else math.inf


def _rounded(x: float) -> float:
    return float(f"{x:.12g}")


def strongest_paths(
    G: nx.Graph,
    sources: Any,
    target: Any,
    *,
    k: int = 5,
    max_hops: int = 4,
    strength: str = "strength",
    rel: str = "rel",
) -> list[Path]:
    """The `k` strongest simple paths from any of `sources` to `target`, at most `max_hops` long.

    The strength of a path is the product of its edge strengths, each in [0, 1] (edges of
    strength 0 are never used). A path has at least one edge, and only its last node belongs to
    the target: for a set of targets (the members of a community) a path stops at the first
    member it reaches, and a source inside the target set starts no path. Directed graphs are
    followed along edge direction; undirected graphs both ways; between parallel edges of a
    multigraph, the strongest is used.

    Paths are ordered by strength (descending, compared at 12 significant digits), then by
    number of hops (ascending), then by the sequence of ``str(node)`` of their nodes, so ties
    are broken deterministically.

    The search is a best-first (A*) enumeration of simple paths on ``-log(strength)``: partial
    paths are extended in order of their cost plus a lower bound of the cost still to go, taken
    from a hop-limited Dijkstra search backwards from the target that is advanced lazily, only as
    far as the frontier needs it. Only partial paths that can still reach the target within
    their remaining hops, and can still be among the `k` best, are expanded; on sparse social
    graphs a query touches a small neighbourhood of the target even when the graph has millions
    of edges (about 0.1 s per query on a 100k-node, 1M-edge power-law graph with 4 hops). The
    worst case is a target that the sources cannot reach: proving it scans the target's
    ``max_hops - 1``-hop in-neighbourhood.

    Parameters
    ----------
    G : networkx.Graph or DiGraph (multigraphs too)
        The social graph.
    sources : node or iterable of nodes
        Where paths start (e.g. the promoters).
    target : node or iterable of nodes
        Where paths end (a person, or the members of a community).
    k : int, optional (default=5)
        How many paths to return, at most.
    max_hops : int, optional (default=4)
        Maximum number of edges of a path.
    strength : str, optional (default="strength")
        Edge attribute with the strength, in [0, 1]. Every edge the search looks at needs one.
    rel : str, optional (default="rel")
        Edge attribute with the relationship type, reported on each :class:`PathEdge`.

    Returns
    -------
    paths : list of Path
        Up to `k` paths, strongest first.

    Raises
    ------
    ValueError
        If `k` or `max_hops` is less than 1, a source or target is not in `G`, `sources` or
        `target` is empty, or an edge has a missing or out-of-range strength.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("ann", "bob", strength=0.9, rel="FOLLOWS")
    >>> G.add_edge("bob", "cat", strength=0.5, rel="FOLLOWS")
    >>> G.add_edge("ann", "cat", strength=0.4, rel="FOLLOWS")
    >>> [(p.nodes, round(p.strength, 2)) for p in strongest_paths(G, ["ann"], "cat")]
    [(('ann', 'bob', 'cat'), 0.45), (('ann', 'cat'), 0.4)]

    References
    ----------
    .. [1] Hart, P. E., Nilsson, N. J. and Raphael, B. "A Formal Basis for the Heuristic
       Determination of Minimum Cost Paths." IEEE Trans. SSC 4(2) (1968).
    .. [2] Yen, J. Y. "Finding the K Shortest Loopless Paths in a Network." Management Science
       17(11) (1971).
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if isinstance(max_hops, bool) or not isinstance(max_hops, int) or max_hops < 1:
        raise ValueError(f"max_hops must be an integer >= 1, got {max_hops!r}")
    source_set = _node_set(G, sources, "sources")
    targets = _node_set(G, target, "target")
    succ = G.succ if G.is_directed() else G.adj
    pred = G.pred if G.is_directed() else G.adj
    multigraph = G.is_multigraph()

    # --- backward, hop-limited Dijkstra from the targets, advanced on demand ---------------
    # settled[v] lists (hops, cost) of v's non-dominated states in the order they were settled,
    # i.e. by increasing cost and decreasing hops.
    settled: dict[Any, list[tuple[int, float]]] = {}
    back_heap: list[tuple[float, int, Any, int]] = []
    tick = itertools.count()
    for t in targets:
        heapq.heappush(back_heap, (0.0, next(tick), t, 0))
    deepest = max_hops - 1  # a node after the first hop has at most max_hops - 1 hops to go

    def advance() -> None:
        while back_heap:
            c, _, v, j = heapq.heappop(back_heap)
            states = settled.setdefault(v, [])
            if states and states[-1][0] <= j:
                continue  # dominated: reached as cheaply before with no more hops
            states.append((j, c))
            if j < deepest:
                for u, data in pred[v].items():
                    s, _ = _best_edge(multigraph, u, v, data, strength)
                    if s > 0:
                        heapq.heappush(back_heap, (c + _cost(s), next(tick), u, j + 1))
            return

    def lower_bound(v: Any, hops_left: int) -> tuple[float, bool]:
        """(bound on the cost from v to a target within hops_left hops, whether it is exact)."""
        for j, c in settled.get(v, ()):
            if j <= hops_left:
                return c, True
        if not back_heap:
            return math.inf, True
        return back_heap[0][0], False

    # --- forward best-first enumeration of simple paths -----------------------------------
    heap: list[tuple[float, int, float, tuple[Any, ...], bool]] = []
    for s in sorted((s for s in source_set if s not in targets), key=str):
        heap.append((0.0, next(tick), 0.0, (s,), False))
    heapq.heapify(heap)
    found: list[tuple[Any, ...]] = []
    kth_cost = math.inf
    while heap:
        f, _, g, path, complete = heap[0]
        if len(found) >= k and f > kth_cost + _TIE_TOLERANCE:
            break
        heapq.heappop(heap)
        if complete:
            found.append(path)
            if len(found) == k:
                kth_cost = g
            continue
        v = path[-1]
        hops_left = max_hops - (len(path) - 1)
        # Sources skip the bound: the backward search only goes max_hops - 1 deep.
        bound, exact = lower_bound(v, hops_left) if len(path) > 1 else (0.0, True)
        while not exact and g + bound <= f:
            advance()
            bound, exact = lower_bound(v, hops_left)
        if g + bound > f:
            if bound < math.inf:
                heapq.heappush(heap, (g + bound, next(tick), g, path, False))
            continue
        for w, data in succ[v].items():
            if w in path:
                continue
            s, _ = _best_edge(multigraph, v, w, data, strength)
            if s <= 0:
                continue
            g_w = g + _cost(s)
            if w in targets:
                heapq.heappush(heap, (g_w, next(tick), g_w, (*path, w), True))
            elif hops_left > 1:
                bound_w, _ = lower_bound(w, hops_left - 1)
                if bound_w < math.inf:
                    heapq.heappush(heap, (g_w + bound_w, next(tick), g_w, (*path, w), False))

    paths = [_make_path(multigraph, nodes, succ, strength, rel) for nodes in found]
    paths.sort(key=lambda p: (-_rounded(p.strength), p.hops, tuple(str(n) for n in p.nodes)))
    return paths[:k]


def _make_path(
    multigraph: bool, nodes: tuple[Any, ...], succ: Mapping[Any, Any], strength: str, rel: str
) -> Path:
    edges = []
    product = 1.0
    for u, v in itertools.pairwise(nodes):
        s, attrs = _best_edge(multigraph, u, v, succ[u][v], strength)
        product *= s
        edges.append(PathEdge(u, v, attrs.get(rel), s))
    return Path(nodes=nodes, edges=tuple(edges), strength=product)
