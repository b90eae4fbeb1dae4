"""Detected communities: detection on the social graph, stable ids, and community profiles."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from algorithms.communities import community_profiles, detect_communities
from graph_api.analytics.projection import Projection

__all__ = ["customer_community", "detect", "members_by_id", "profiles"]

TOP: int = 5


def detect(social: nx.Graph, *, seed: int = 42, resolution: float = 1.0) -> list[set[str]]:
    """Louvain communities of the social graph (weighted), each one connected.

    A thin adapter over :func:`algorithms.communities.detect_communities`, which splits any
    community Louvain leaves disconnected into its connected parts.
    """
    return detect_communities(social, resolution=resolution, seed=seed, weight="weight")


def members_by_id(communities: Iterable[set[str]]) -> dict[str, list[str]]:
    """Communities keyed by a stable id: ``dc-`` + the smallest member id.

    Louvain numbers its communities arbitrarily; naming each after a member keeps the id of a
    community the same across refreshes as long as that member stays in it, so clients can
    bookmark a community and the members listed by score keep matching the profile documents.
    """
    out: dict[str, list[str]] = {}
    for c in communities:
        members = sorted(c)
        out[f"dc-{members[0]}"] = members
    return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def customer_community(profiles: Iterable[str], membership: Mapping[str, str]) -> str | None:
    """The detected community most of a customer's confirmed profiles are in (ties: smallest)."""
    counts = Counter(membership[p] for p in profiles if p in membership)
    if not counts:
        return None
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def profiles(
    proj: Projection,
    social: nx.Graph,
    members: Mapping[str, list[str]],
    membership: Mapping[str, str],
    influence: Mapping[str, float],
    customer_scores: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """One JSON profile per detected community of two or more members, largest first.

    Structure (size, density, cohesion = share of the members' ties that stay inside, top
    influencers, bridges) comes from :func:`algorithms.communities.community_profiles`; what
    the members talk about and buy (dominant products), their mean sentiment and advocacy, and
    the overlap (Jaccard) with declared communities are added here from the projection.
    """
    kept = {cid: ms for cid, ms in members.items() if len(ms) >= 2}
    ids = list(kept)
    structure = community_profiles(
        social, [set(kept[cid]) for cid in ids], scores=influence, top=TOP
    )

    products: dict[str, Counter[str]] = defaultdict(Counter)
    sentiment: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for info in proj.interactions.values():
        cid = membership.get(info.profile) if info.profile is not None else None
        if cid is None or cid not in kept:
            continue
        acc = sentiment[cid]
        acc[0] += info.sentiment
        acc[1] += 1
        for d in info.about:
            products[cid][d] += 1
    member_customers: dict[str, set[str]] = defaultdict(set)
    for p, cid in membership.items():
        c = proj.owner.get(p)
        if c is not None and cid in kept:
            member_customers[cid].add(c)
    for cid, cs in member_customers.items():
        for c in cs:
            for d, n in proj.purchases.get(c, {}).items():
                products[cid][d] += n

    declared: dict[str, set[str]] = defaultdict(set)
    for g, profile_ids in proj.profile_members.items():
        declared[g].update(profile_ids)
    for g, customer_ids in proj.customer_members.items():
        for c in customer_ids:
            declared[g].update(proj.profiles_of.get(c, ()))
    shared: dict[str, Counter[str]] = defaultdict(Counter)
    for g, member_set in declared.items():
        for p in member_set:
            cid = membership.get(p)
            if cid is not None:
                shared[cid][g] += 1

    out: list[dict[str, Any]] = []
    for cid, st in zip(ids, structure, strict=True):
        n = st.size
        advocacy = [
            float(customer_scores[c].get("advocacy", 0.0))
            for c in member_customers.get(cid, ())
            if c in customer_scores
        ]
        s_sum, s_n = sentiment.get(cid, [0.0, 0.0])
        overlap: list[dict[str, Any]] = [
            {"community": g, "shared": k, "jaccard": round(k / (n + len(declared[g]) - k), 4)}
            for g, k in shared.get(cid, Counter()).items()
        ]
        overlap.sort(key=lambda o: (-o["jaccard"], o["community"]))
        out.append(
            {
                "id": cid,
                "size": n,
                "customers": len(member_customers.get(cid, ())),
                "internalEdges": st.internal_edges,
                "boundaryEdges": st.boundary_edges,
                "cohesion": round(st.inside_fraction, 4),
                "density": round(st.density, 6),
                "topInfluencers": [m for m, _ in st.top_members],
                "bridges": [
                    {
                        "profile": b.node,
                        "externalEdges": b.external_edges,
                        "communitiesReached": b.communities_reached,
                        "participation": round(b.participation, 4),
                    }
                    for b in st.bridges
                ],
                "dominantProducts": [
                    {"product": d, "weight": w} for d, w in products[cid].most_common(TOP)
                ],
                "meanSentiment": round(s_sum / s_n, 4) if s_n else None,
                "meanAdvocacy": round(sum(advocacy) / len(advocacy), 3) if advocacy else None,
                "declaredOverlap": overlap[:TOP],
            }
        )
    return out
