"""Analytics quality against the planted truth of the synthetic data (``loaders.generate``).

Thresholds and why:

* communities: NMI >= 0.9 against the planted communities (about 90% of ties are planted inside
  a community), and no detected community is disconnected;
* influence (medium set): >= 80% of the top 50 are planted real influencers and none is a planted
  inflated profile; the top 50 by declared followers is printed beside it for contrast;
* inflated flag (medium set): recall >= 0.8 and precision >= 0.5 against the planted inflated
  profiles, and no planted real influencer flagged (big audience, little engagement for its
  size; the planted inflated profiles draw a little engagement, see ``influence_scores``);
* campaign seeds (medium set): the expected spread of the k=20 seeds is at least that of the
  top 20 by followers and of the top 20 by degree (independent cascade, 1000 simulations,
  common random numbers);
* advocacy: planted advocates are promoters with precision and recall >= 0.9 (advocates praise,
  review and refer: strong, unambiguous evidence). Planted detractors are detractors with
  precision >= 0.9; recall is required (>= 0.8) only for the detractors whose complaints reach
  the store through their own account or a *confirmed* profile: a complaint posted from a
  profile that identity resolution only proposed (candidate) must not be pinned on a customer,
  and the generator plants some detractors with no complaint at all (see the printed counts).
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from algorithms.communities import normalized_mutual_information
from algorithms.seeds import expected_spread, spread_graph
from graph_api.analytics import AnalyticsService
from graph_api.analytics.graphs import build_engagement, build_social
from graph_api.analytics.projection import Projection, build_projection
from graph_api.model import NodeLabel
from graph_api.store.base import Node, NodeRef
from graph_api.store.sqlite import SqliteGraphStore

P, C = NodeLabel.PROFILE, NodeLabel.CUSTOMER
Dataset = Any  # conftest.Dataset: size, db, data, truth, report, load_seconds


async def open_store(path: Path) -> SqliteGraphStore:
    store = SqliteGraphStore(path)
    await store.open()
    return store


async def _nodes(store: SqliteGraphStore, label: NodeLabel) -> dict[str, Node]:
    out: dict[str, Node] = {}
    async for batch in store.stream_nodes(label):
        out.update((n.id, n) for n in batch)
    return out


async def _check_communities(ds: Dataset, store: SqliteGraphStore, proj: Projection) -> float:
    profiles = await _nodes(store, P)
    planted = ds.truth["profile_community"]
    ids = [p for p in planted if p in profiles]
    assert len(ids) == len(planted), "every planted profile is in the store"
    detected = {p: profiles[p].scores.get("community") for p in ids}
    assert all(detected.values()), "every profile got a community"
    nmi = normalized_mutual_information({p: planted[p] for p in ids}, detected)
    social = build_social(proj, build_engagement(proj))
    members: dict[str, list[str]] = {}
    for p, n in profiles.items():
        members.setdefault(str(n.scores["community"]), []).append(p)
    disconnected = [c for c, ms in members.items() if not nx.is_connected(social.subgraph(ms))]
    print(f"\n[{ds.size}] NMI {nmi:.4f} over {len(ids)} profiles, {len(members)} communities")
    assert not disconnected
    return nmi


async def test_small_communities_and_advocacy(small_set: Dataset) -> None:
    store = await open_store(small_set.db)
    try:
        proj = await build_projection(store)
        nmi = await _check_communities(small_set, store, proj)
        assert nmi >= 0.9
        customers = await _nodes(store, C)
    finally:
        await store.close()

    truth = small_set.truth
    advocates, detractors = set(truth["advocates"]), set(truth["detractors"])
    klass = {c: n.scores.get("advocacyClass") for c, n in customers.items()}
    promoters = {c for c, k in klass.items() if k == "promoter"}
    found_detractors = {c for c, k in klass.items() if k == "detractor"}

    # Detractors whose complaints the store attributes to them (own or confirmed profiles).
    complained: Counter[str] = Counter()
    for info in proj.interactions.values():
        if info.kind != "complaint":
            continue
        who = info.customer or (proj.owner.get(info.profile) if info.profile else None)
        if who is not None:
            complained[who] += 1
    detectable = {c for c in detractors if complained[c]}
    planted_complaining = {
        truth["profile_owner"].get(i.profile)
        for i in proj.interactions.values()
        if i.kind == "complaint" and i.profile
    }

    p_prec = len(promoters & advocates) / max(1, len(promoters))
    p_rec = len(promoters & advocates) / len(advocates)
    d_prec = len(found_detractors & detractors) / max(1, len(found_detractors))
    d_rec_all = len(found_detractors & detractors) / len(detractors)
    d_rec = len(found_detractors & detectable) / max(1, len(detectable))
    print(
        f"[small] promoters {len(promoters)}: precision {p_prec:.2f} recall {p_rec:.2f} "
        f"(planted {len(advocates)})\n"
        f"[small] detractors {len(found_detractors)}: precision {d_prec:.2f}, "
        f"recall {d_rec_all:.2f} "
        f"of all {len(detractors)} planted, {d_rec:.2f} of the {len(detectable)} whose complaints "
        f"reach them through confirmed links; planted detractors with any complaint: "
        f"{len(planted_complaining & detractors)}"
    )
    assert p_prec >= 0.9 and p_rec >= 0.9
    assert d_prec >= 0.9
    assert d_rec >= 0.8


async def test_small_paths_go_from_promoters_over_real_edges(small_set: Dataset) -> None:
    store = await open_store(small_set.db)
    try:
        service = AnalyticsService(store)
        proj = await build_projection(store)
        customers = await _nodes(store, C)
        promoters = {c for c, n in customers.items() if n.scores.get("advocacyClass") == "promoter"}
        follows = set(proj.follows)
        engaged: set[frozenset[str]] = set()
        for info in proj.interactions.values():
            if info.profile is None:
                continue
            parent = proj.interactions.get(info.parent) if info.parent else None
            if parent is not None and parent.profile is not None:
                engaged.add(frozenset((info.profile, parent.profile)))
            engaged.update(frozenset((info.profile, m)) for m in info.mentions)
        rng = random.Random(5)
        targets = rng.sample(sorted(c for c in proj.profiles_of if c not in promoters), 30)
        await service.advocacy_paths(NodeRef(C, targets[0]))  # builds the social graph once
        timings, found = [], 0
        for target in targets:
            t0 = time.perf_counter()
            paths = await service.advocacy_paths(NodeRef(C, target), k=3, max_hops=4)
            timings.append(time.perf_counter() - t0)
            found += bool(paths)
            for path in paths:
                assert path.advocate in promoters
                assert path.profiles[0] in proj.profiles_of[path.advocate]
                assert path.profiles[-1] in proj.profiles_of[target]
                assert math.prod(h.strength for h in path.hops) == pytest.approx(path.strength)
                for hop in path.hops:
                    a, b = hop.source, hop.target
                    if hop.direction in ("out", "both"):
                        assert (a, b) in follows
                    if hop.direction in ("in", "both"):
                        assert (b, a) in follows
                    if hop.relationship != "FOLLOWS":
                        assert frozenset((a, b)) in engaged
        timings.sort()
        print(f"\n[small] paths found for {found}/30 targets, p95 {timings[28] * 1000:.1f} ms")
        assert found >= 20
    finally:
        await store.close()


@pytest.mark.slow
async def test_medium_quality(medium_set: Dataset) -> None:
    """Communities, influence top 50 and campaign seeds on the medium set."""
    print(
        f"\n[medium] loaded in {medium_set.load_seconds:.0f} s; "
        f"refresh {medium_set.report.seconds:.0f} s"
    )
    store = await open_store(medium_set.db)
    try:
        proj = await build_projection(store)
        nmi = await _check_communities(medium_set, store, proj)
        profiles = await _nodes(store, P)
        service = AnalyticsService(store)
        plan = await service.campaign_seeds(k=20)
    finally:
        await store.close()
    assert nmi >= 0.9

    real = set(medium_set.truth["real_influencers"])
    inflated = set(medium_set.truth["inflated_profiles"])
    by_influence = sorted(profiles.values(), key=lambda n: (-n.scores.get("influence", 0.0), n.id))[
        :50
    ]
    by_followers = sorted(
        profiles.values(), key=lambda n: (-int(n.props.get("followers", 0)), n.id)
    )[:50]
    top_real = sum(n.id in real for n in by_influence)
    top_inflated = sum(n.id in inflated for n in by_influence)
    f_real = sum(n.id in real for n in by_followers)
    f_inflated = sum(n.id in inflated for n in by_followers)
    print(
        f"[medium] top 50 by influence: {top_real} real influencers, {top_inflated} inflated\n"
        f"[medium] top 50 by followers: {f_real} real influencers, {f_inflated} inflated "
        f"(planted: {len(real)} real, {len(inflated)} inflated)"
    )
    assert top_real >= 40 and top_inflated == 0

    flagged = {n.id for n in profiles.values() if n.scores.get("inflated")}
    caught = len(flagged & inflated)
    precision = caught / max(1, len(flagged))
    recall = caught / len(inflated)
    print(
        f"[medium] inflated flag: {len(flagged)} flagged, precision {precision:.3f}, "
        f"recall {recall:.3f}; real influencers flagged {len(flagged & real)}"
    )
    assert recall >= 0.8 and precision >= 0.5
    assert not flagged & real

    engagement = build_engagement(proj)
    spread = spread_graph(engagement)
    social = build_social(proj, engagement)
    seeds = [r.node.id for r in plan.seeds]
    followers = [n.id for n in by_followers[:20] if n.id in spread]
    degree = [p for p, _ in sorted(social.degree, key=lambda t: (-t[1], t[0]))[:20]]
    degree = [p for p in degree if p in spread]
    ours = expected_spread(spread, seeds, simulations=1000, seed=11)
    f_spread = expected_spread(spread, followers, simulations=1000, seed=11)
    d_spread = expected_spread(spread, degree, simulations=1000, seed=11)
    print(
        f"[medium] spread of 20 seeds {ours:.1f}, top-20 followers {f_spread:.1f}, "
        f"top-20 degree {d_spread:.1f}"
    )
    assert len(seeds) == 20
    assert ours >= f_spread and ours >= d_spread
