"""The reference the strongest-path searches are tested against: every simple path, enumerated."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx

# Strengths with few binary digits: products are exact, so ties are real ties in every search.
STRENGTHS = [0.0, 0.25, 0.375, 0.5, 0.75, 1.0]


def brute_force(
    G: nx.Graph, sources: set[Any], targets: set[Any], k: int, max_hops: int
) -> list[tuple[tuple[Any, ...], float]]:
    """Every simple path by nx.all_simple_paths, filtered and ordered as documented."""
    found: dict[tuple[Any, ...], float] = {}
    for s in sources - targets:
        for nodes in nx.all_simple_paths(G, s, targets, cutoff=max_hops):
            if any(n in targets for n in nodes[:-1]):
                continue  # a path stops at the first target it reaches
            strength = 1.0
            for u, v in itertools.pairwise(nodes):
                data = G[u][v]
                if G.is_multigraph():
                    strength *= max(d["strength"] for d in data.values())
                else:
                    strength *= data["strength"]
            if strength > 0:
                found[tuple(nodes)] = strength
    ranked = sorted(found.items(), key=lambda p: (-p[1], len(p[0]), tuple(str(n) for n in p[0])))
    return ranked[:k]
