"""Indexed strongest paths: both searches of k_strongest_paths equal a brute force and
strongest_paths, and source_reach holds the least walk costs it promises."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import networkx as nx
import pytest
from path_reference import STRENGTHS, brute_force

from algorithms.indexed_paths import (
    cost_adjacency,
    k_strongest_paths,
    source_reach,
)
from algorithms.paths import Path, PathEdge, strongest_paths


def least_walk_costs(G: nx.Graph, sources: set[Any], hops: int) -> dict[Any, float]:
    """min over walks of 1..hops edges from a source to each node of -log(strength), by
    enumerating every walk (small graphs only)."""
    best: dict[Any, float] = {}

    def walk(v: Any, cost: float, left: int) -> None:
        for w, data in G[v].items():
            s = data["strength"]
            if s <= 0:
                continue
            c = cost - math.log(s)
            best[w] = min(best.get(w, math.inf), c)
            if left > 1:
                walk(w, c, left - 1)

    for s in sources:
        walk(s, 0.0, hops)
    return best


def random_graph(trial: int) -> tuple[nx.Graph, set[int], set[int], int, int]:
    rng = random.Random(trial)
    n = rng.randint(2, 11)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    density = rng.uniform(0.1, 0.7)
    for u, v in itertools.combinations(range(n), 2):
        if rng.random() < density:
            G.add_edge(u, v, strength=rng.choice(STRENGTHS), rel="FOLLOWS")
    sources = set(rng.sample(range(n), rng.randint(1, min(4, n))))
    targets = set(rng.sample(range(n), rng.randint(1, min(3, n))))
    return G, sources, targets, rng.randint(1, 8), rng.randint(1, 6)


def as_pairs(paths: list[Path]) -> list[tuple[tuple[Any, ...], float]]:
    return [(p.nodes, p.strength) for p in paths]


def test_both_searches_equal_brute_force_on_random_graphs() -> None:
    nonempty = 0
    for trial in range(300):
        G, sources, targets, k, max_hops = random_graph(trial)
        rng = random.Random(-trial)
        expected = brute_force(G, sources, targets, k, max_hops)
        forward = k_strongest_paths(G, sources, targets, k=k, max_hops=max_hops)
        # reach from a superset of the sources, for more hops than asked: still exact
        extra = set(rng.sample(sorted(G), rng.randint(0, 2)))
        reach = source_reach(G, sources | extra, max_hops=max_hops + rng.randint(0, 2))
        backward = k_strongest_paths(G, sources, targets, k=k, max_hops=max_hops, reach=reach)
        assert as_pairs(forward) == expected, (trial, sources, targets)
        assert as_pairs(backward) == expected, (trial, sources, targets)
        assert [p.edges for p in backward] == [p.edges for p in forward]
        nonempty += bool(expected)
    assert nonempty > 100  # the cases exercise real searches, not just empty answers


@pytest.mark.parametrize("seed", range(3))
def test_backward_search_equals_strongest_paths_on_karate_club(seed: int) -> None:
    """A real social graph, every hop limit the service allows, few distinct strengths."""
    rng = random.Random(seed)
    G = nx.karate_club_graph()
    for u, v in G.edges:
        G[u][v]["strength"] = rng.choice([0.3, 0.5, 0.3, 0.95, 0.75, 0.0])
        G[u][v]["rel"] = "FOLLOWS"
    promoters = set(rng.sample(range(34), 8))
    costs = cost_adjacency(G)
    reach = source_reach(G, promoters, max_hops=6, adjacency=costs)
    for targets in ({33}, {0}, set(rng.sample(range(34), 5))):
        for max_hops in range(1, 7):
            expected = strongest_paths(G, promoters - targets, targets, k=10, max_hops=max_hops)
            got = k_strongest_paths(
                G, promoters, targets, k=10, max_hops=max_hops, adjacency=costs, reach=reach
            )
            assert got == expected, (targets, max_hops)


def test_ties_break_by_hops_then_names() -> None:
    G = nx.Graph()
    for u, v in [("s", "b"), ("b", "t"), ("s", "a"), ("a", "t"), ("s", "t")]:
        G.add_edge(u, v, strength=1.0, rel="FOLLOWS")
    reach = source_reach(G, ["s"])
    paths = k_strongest_paths(G, ["s"], ["t"], reach=reach)
    assert [p.nodes for p in paths] == [("s", "t"), ("s", "a", "t"), ("s", "b", "t")]


def test_paths_run_from_source_to_target_with_edge_data() -> None:
    G = nx.Graph()
    G.add_edge("bob", "ann", strength=0.5, rel="FOLLOWS")
    G.add_edge("cat", "bob", strength=0.8, rel="ENGAGED")
    (path,) = k_strongest_paths(G, ["ann"], ["cat"], reach=source_reach(G, ["ann"]))
    assert path == Path(
        nodes=("ann", "bob", "cat"),
        edges=(PathEdge("ann", "bob", "FOLLOWS", 0.5), PathEdge("bob", "cat", "ENGAGED", 0.8)),
        strength=0.4,
    )


def test_a_source_can_lie_inside_a_longer_path() -> None:
    G = nx.Graph()
    G.add_edge("a", "b", strength=0.5)
    G.add_edge("b", "t", strength=0.5)
    reach = source_reach(G, ["a", "b"])
    paths = k_strongest_paths(G, ["a", "b"], ["t"], reach=reach)
    assert as_pairs(paths) == [(("b", "t"), 0.5), (("a", "b", "t"), 0.25)]


def test_targets_stop_paths_and_start_none() -> None:
    G = nx.Graph()
    G.add_edge("s", "m1", strength=0.9)
    G.add_edge("m1", "m2", strength=1.0)
    G.add_edge("s", "x", strength=0.5)
    G.add_edge("x", "m2", strength=0.5)
    reach = source_reach(G, ["s", "m1"])
    paths = k_strongest_paths(G, ["s", "m1"], {"m1", "m2"}, reach=reach)
    assert [p.nodes for p in paths] == [("s", "m1"), ("s", "x", "m2")]
    assert k_strongest_paths(G, ["m1"], {"m1", "m2"}, reach=reach) == []


def test_hop_limit_zero_strength_and_unreachable_targets() -> None:
    G = nx.path_graph(6)
    nx.set_edge_attributes(G, 0.9, "strength")
    G.add_node("alone")
    reach = source_reach(G, [0], max_hops=6)
    assert k_strongest_paths(G, [0], [5], max_hops=4, reach=reach) == []
    (path,) = k_strongest_paths(G, [0], [5], max_hops=5, reach=reach)
    assert path.strength == pytest.approx(0.9**5)
    assert k_strongest_paths(G, [0], ["alone"], reach=reach) == []
    G[2][3]["strength"] = 0.0
    reach = source_reach(G, [0], max_hops=6)
    assert k_strongest_paths(G, [0], [5], max_hops=6, reach=reach) == []
    assert 3 not in reach.layers[6]


@pytest.mark.parametrize("trial", range(40))
def test_source_reach_holds_the_least_walk_costs(trial: int) -> None:
    G, sources, _, _, max_hops = random_graph(trial)
    max_hops = min(max_hops, 4)
    reach = source_reach(G, sources | {"not a node"}, max_hops=max_hops)
    assert reach.sources == frozenset(sources)
    assert reach.max_hops == max_hops
    assert reach.layers[0] == {}
    for j in range(1, max_hops + 1):
        expected = least_walk_costs(G, sources, j)
        assert reach.layers[j].keys() == expected.keys()
        for v, c in expected.items():
            assert reach.layers[j][v] == pytest.approx(c, abs=1e-12)


def test_source_reach_of_a_graph_without_edges() -> None:
    G = nx.Graph()
    G.add_nodes_from("abc")
    reach = source_reach(G, ["a"], max_hops=3)
    assert reach.layers == ({}, {}, {}, {})
    assert k_strongest_paths(G, ["a"], ["b"], max_hops=3, reach=reach) == []


def test_rejects_a_reach_that_does_not_fit() -> None:
    G = nx.path_graph(4)
    nx.set_edge_attributes(G, 0.5, "strength")
    reach = source_reach(G, [0], max_hops=2)
    with pytest.raises(ValueError, match="up to 2 hops"):
        k_strongest_paths(G, [0], [3], max_hops=3, reach=reach)
    with pytest.raises(ValueError, match="other sources"):
        k_strongest_paths(G, [0, 1], [3], max_hops=2, reach=reach)
    # sources outside the graph are left out, as without reach
    assert k_strongest_paths(G, [0, "zed"], [2], max_hops=2, reach=reach) == (
        k_strongest_paths(G, [0, "zed"], [2], max_hops=2)
    )


def test_source_reach_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="max_hops"):
        source_reach(nx.Graph([(1, 2)]), [1], max_hops=0)
    with pytest.raises(ValueError, match="undirected"):
        source_reach(nx.DiGraph([(1, 2)]), [1])
    with pytest.raises(ValueError, match="undirected"):
        source_reach(nx.MultiGraph([(1, 2)]), [1])
