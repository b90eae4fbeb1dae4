"""Strongest paths: equal to brute-force enumeration on many random graphs, plus hand cases."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import networkx as nx
import pytest
from path_reference import STRENGTHS, brute_force

from algorithms.paths import Path, PathEdge, strongest_paths


def random_case(
    trial: int, graph_type: type[nx.Graph]
) -> tuple[nx.Graph, set[int], set[int], int, int]:
    rng = random.Random(trial)
    n = rng.randint(2, 11)
    G = graph_type()
    G.add_nodes_from(range(n))
    density = rng.uniform(0.1, 0.6)
    pairs = (
        itertools.permutations(range(n), 2)
        if G.is_directed()
        else itertools.combinations(range(n), 2)
    )
    for u, v in pairs:
        for _ in range(2 if G.is_multigraph() else 1):
            if rng.random() < density:
                G.add_edge(u, v, strength=rng.choice(STRENGTHS), rel="FOLLOWS")
    sources = set(rng.sample(range(n), rng.randint(1, min(3, n))))
    targets = set(rng.sample(range(n), rng.randint(1, min(2, n))))
    return G, sources, targets, rng.randint(1, 8), rng.randint(1, 5)


@pytest.mark.parametrize("graph_type", [nx.DiGraph, nx.Graph, nx.MultiDiGraph, nx.MultiGraph])
def test_equal_to_brute_force_on_random_graphs(graph_type: type[nx.Graph]) -> None:
    cases = 250 if graph_type in (nx.DiGraph, nx.Graph) else 60
    nonempty = 0
    for trial in range(cases):
        G, sources, targets, k, max_hops = random_case(trial, graph_type)
        expected = brute_force(G, sources, targets, k, max_hops)
        target: Any = next(iter(targets)) if len(targets) == 1 else targets
        got = strongest_paths(G, sources, target, k=k, max_hops=max_hops)
        assert [(p.nodes, p.strength) for p in got] == expected, (trial, sources, targets)
        nonempty += bool(expected)
    assert nonempty > cases // 3  # the cases exercise real searches, not just empty answers


def test_paths_carry_edge_data_in_travel_order() -> None:
    G = nx.Graph()
    G.add_edge("bob", "ann", strength=0.5, rel="FOLLOWS")
    G.add_edge("cat", "bob", strength=0.8, rel="REFERRED")
    (path,) = strongest_paths(G, ["ann"], "cat")
    assert path == Path(
        nodes=("ann", "bob", "cat"),
        edges=(PathEdge("ann", "bob", "FOLLOWS", 0.5), PathEdge("bob", "cat", "REFERRED", 0.8)),
        strength=0.4,
    )
    assert path.hops == 2


def test_ties_break_by_hops_then_names() -> None:
    G = nx.DiGraph()
    for u, v in [("s", "b"), ("b", "t"), ("s", "a"), ("a", "t"), ("s", "t")]:
        G.add_edge(u, v, strength=1.0)
    paths = strongest_paths(G, ["s"], "t")
    assert [p.nodes for p in paths] == [("s", "t"), ("s", "a", "t"), ("s", "b", "t")]


def test_hop_limit_and_k() -> None:
    G = nx.path_graph(6, create_using=nx.DiGraph)
    nx.set_edge_attributes(G, 0.9, "strength")
    assert strongest_paths(G, [0], 5, max_hops=4) == []
    (path,) = strongest_paths(G, [0], 5, max_hops=5)
    assert path.strength == pytest.approx(0.9**5)
    G.add_edge(0, 5, strength=0.1)
    assert len(strongest_paths(G, [0], 5, k=1, max_hops=5)) == 1


def test_community_target_stops_at_first_member() -> None:
    G = nx.DiGraph()
    G.add_edge("s", "m1", strength=0.9)
    G.add_edge("m1", "m2", strength=1.0)
    G.add_edge("s", "x", strength=0.5)
    G.add_edge("x", "m2", strength=0.5)
    paths = strongest_paths(G, "s", {"m1", "m2"})
    assert [p.nodes for p in paths] == [("s", "m1"), ("s", "x", "m2")]


def test_sources_inside_the_target_start_nothing() -> None:
    G = nx.DiGraph()
    G.add_edge("a", "b", strength=1.0)
    assert strongest_paths(G, ["a"], {"a", "b"}) == []
    assert strongest_paths(G, ["a"], "a") == []


def test_zero_strength_edges_are_not_used() -> None:
    G = nx.DiGraph()
    G.add_edge("a", "b", strength=0.0)
    assert strongest_paths(G, ["a"], "b") == []


def test_larger_graph_agrees_with_brute_force() -> None:
    # A denser case than the small ones: 40 nodes, 3 hops, 20 paths.
    rng = random.Random(5)
    G = nx.gnp_random_graph(40, 0.15, seed=5, directed=True)
    for u, v in G.edges():
        G[u][v]["strength"] = rng.choice([s for s in STRENGTHS if s > 0])
    sources, targets = {0, 1, 2, 3}, {39}
    got = strongest_paths(G, sources, 39, k=20, max_hops=3)
    assert [(p.nodes, p.strength) for p in got] == brute_force(G, sources, targets, 20, 3)


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_rejects_bad_k(k: Any) -> None:
    with pytest.raises(ValueError, match="k must be"):
        strongest_paths(nx.DiGraph([(1, 2)]), [1], 2, k=k)


@pytest.mark.parametrize("max_hops", [0, -2])
def test_rejects_bad_max_hops(max_hops: int) -> None:
    with pytest.raises(ValueError, match="max_hops"):
        strongest_paths(nx.DiGraph([(1, 2)]), [1], 2, max_hops=max_hops)


def test_rejects_unknown_nodes_and_empty_sets() -> None:
    G = nx.DiGraph([("a", "b")])
    with pytest.raises(ValueError, match="sources"):
        strongest_paths(G, ["zed"], "b")
    with pytest.raises(ValueError, match="sources"):
        strongest_paths(G, "zed", "b")
    with pytest.raises(ValueError, match="target"):
        strongest_paths(G, ["a"], "zed")
    with pytest.raises(ValueError, match="empty"):
        strongest_paths(G, [], "b")


def test_rejects_missing_or_out_of_range_strength() -> None:
    G = nx.DiGraph([("a", "b")])
    with pytest.raises(ValueError, match="no 'strength'"):
        strongest_paths(G, ["a"], "b")
    G["a"]["b"]["strength"] = 1.5
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        strongest_paths(G, ["a"], "b")
    G["a"]["b"]["strength"] = math.nan
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        strongest_paths(G, ["a"], "b")
