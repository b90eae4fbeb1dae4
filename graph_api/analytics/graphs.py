"""Graphs derived from a :class:`Projection`: engagement, cascades and the social graph.

Three graphs, each for what it is good at:

* the **engagement digraph** over Profiles (``u -> v``: u replied to, shared, mentioned or praised
  v's content), time-decayed weights, for PageRank and campaign spread;
* the **cascade forest** of RESPONDS_TO edges between interactions (child -> parent);
* the **social graph**, undirected, over Profiles: FOLLOWS in either direction plus engagement.
  It carries ``weight`` (for Louvain) and ``strength`` in (0, 1) with ``rel`` (for advocacy
  paths). One undirected graph serves both because a million follows stored twice as a digraph
  would double the memory, and an introduction along a tie works both ways.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Final

import networkx as nx

from algorithms.influence import DEFAULT_KIND_WEIGHTS, engagement_graph
from graph_api.analytics.projection import Projection

__all__ = [
    "FOLLOW_STRENGTH",
    "MUTUAL_FOLLOW_STRENGTH",
    "REL_ENGAGED",
    "REL_FOLLOWS",
    "REL_FOLLOWS_ENGAGED",
    "build_cascades",
    "build_engagement",
    "build_social",
    "engagement_rows",
]

RESPONSE_WEIGHT: Final = 0.5
"""Weight of a response whose kind is not in DEFAULT_KIND_WEIGHTS (a question, a complaint):
still someone paying attention to the other's content, but less than a share."""

FOLLOW_STRENGTH: Final = 0.3
MUTUAL_FOLLOW_STRENGTH: Final = 0.5
MAX_STRENGTH: Final = 0.95

REL_FOLLOWS: Final = "FOLLOWS"
REL_ENGAGED: Final = "ENGAGED"
REL_FOLLOWS_ENGAGED: Final = "FOLLOWS_AND_ENGAGED"

_DAY: Final = 86_400.0


def engagement_rows(proj: Projection) -> Iterator[tuple[str, str, float, float]]:
    """``(engager, engaged_with, age_days, kind_weight)`` for every profile-to-profile engagement.

    Ages are measured from the newest interaction, so results depend on the data only.
    """
    inter = proj.interactions
    now = max((i.at for i in inter.values()), default=0.0)
    mention_w = DEFAULT_KIND_WEIGHTS["mention"]
    for info in inter.values():
        u = info.profile
        if u is None:
            continue  # customer-direct interactions (support cases, web reviews): not social
        age = (now - info.at) / _DAY
        w = DEFAULT_KIND_WEIGHTS.get(info.kind, RESPONSE_WEIGHT)
        if info.parent is not None:
            parent = inter.get(info.parent)
            if parent is not None and parent.profile is not None and parent.profile != u:
                yield u, parent.profile, age, w
        for m in info.mentions:
            if m != u:
                yield u, m, age, max(w, mention_w)


def build_engagement(proj: Projection, *, half_life_days: float = 90.0) -> nx.DiGraph:
    """The engagement digraph; every Profile is a node (isolated ones score 0 later)."""
    G = engagement_graph(engagement_rows(proj), half_life_days=half_life_days, now=None)
    G.add_nodes_from(proj.followers)
    return G


def build_cascades(proj: Projection) -> nx.DiGraph:
    """RESPONDS_TO as a forest of ``child -> parent`` edges between known interactions."""
    C = nx.DiGraph()
    inter = proj.interactions
    C.add_edges_from(
        (iid, info.parent)
        for iid, info in inter.items()
        if info.parent is not None and info.parent in inter and info.parent != iid
    )
    # A store may hold a response cycle (bad source data); drop one edge per cycle, since a
    # thread cannot answer itself and cascade_influence requires a forest.
    try:
        while True:
            cycle = nx.find_cycle(C)
            C.remove_edge(*cycle[0][:2])
    except nx.NetworkXNoCycle:
        pass
    return C


def _engagement_strength(weight: float) -> float:
    # One reply (weight 1) gives 0.5, several approach 1: diminishing returns of repeated contact.
    return weight / (weight + 1.0)


def build_social(proj: Projection, engagement: nx.DiGraph) -> nx.Graph:
    """The undirected social graph over Profiles.

    Edge attributes: ``weight`` = follows (1 per direction) + engagement weight (both
    directions), for community detection; ``strength`` = 1 - (1 - s_follow)(1 - s_engaged),
    capped at 0.95, for advocacy paths; ``rel`` names the relationship kind; ``follower`` is the
    id of the profile that follows the other (``"*"`` when mutual, absent without a follow).
    """
    follow: dict[tuple[str, str], str] = {}
    for u, v in proj.follows:
        if u == v:
            continue
        key = (u, v) if u < v else (v, u)
        prev = follow.get(key)
        follow[key] = u if prev is None or prev == u else "*"
    engaged: dict[tuple[str, str], float] = defaultdict(float)
    for u, v, w in engagement.edges(data="weight"):
        key = (u, v) if u < v else (v, u)
        engaged[key] += float(w)

    def attrs(key: tuple[str, str]) -> dict[str, Any]:
        follower = follow.get(key)
        ew = engaged.get(key, 0.0)
        s_f = (
            0.0
            if follower is None
            else (MUTUAL_FOLLOW_STRENGTH if follower == "*" else FOLLOW_STRENGTH)
        )
        s_e = _engagement_strength(ew)
        strength = min(MAX_STRENGTH, 1.0 - (1.0 - s_f) * (1.0 - s_e))
        rel = (
            REL_FOLLOWS_ENGAGED
            if follower is not None and ew > 0
            else (REL_FOLLOWS if follower is not None else REL_ENGAGED)
        )
        d: dict[str, Any] = {
            "weight": (0.0 if follower is None else (2.0 if follower == "*" else 1.0)) + ew,
            "strength": strength,
            "rel": rel,
        }
        if follower is not None:
            d["follower"] = follower
        return d

    S = nx.Graph()
    S.add_nodes_from(proj.followers)
    S.add_edges_from((u, v, attrs((u, v))) for u, v in {*follow, *engaged})
    return S


def ic_probability(weight: float, *, scale: float = 0.1, cap: float = 0.5) -> float:
    """Independent-cascade probability of an engagement tie of this weight.

    ``1 - exp(-scale * weight)``: one engagement gives about 0.1, several raise it with
    diminishing returns; capped so no single tie is a certainty.
    """
    return min(cap, 1.0 - math.exp(-scale * weight))
