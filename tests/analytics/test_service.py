"""AnalyticsService end to end on the toy graph: refresh, freshness, rankings, paths."""

from __future__ import annotations

import asyncio
import itertools
import math
import threading
from typing import Any

import networkx as nx
import pytest

import graph_api.analytics.service as service_module
from graph_api.analytics import AnalyticsService, influence_view
from graph_api.analytics.graphs import build_engagement, build_social
from graph_api.analytics.projection import build_projection
from graph_api.errors import InvalidInput, NotFound
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import Direction, NodeRef, NodeWrite
from graph_api.store.sqlite import SqliteGraphStore

C, P = NodeLabel.CUSTOMER, NodeLabel.PROFILE


async def test_refresh_writes_scores_and_freshness(toy_store: SqliteGraphStore) -> None:
    service = AnalyticsService(toy_store)
    before = await service.status()
    assert before.stale and before.run_id is None

    report = await service.refresh()
    assert report.data_version == await toy_store.data_version()
    assert set(report.steps) >= {"projection", "graphs", "pagerank", "communities", "write"}
    status = await service.status()
    assert not status.stale and status.run_id == report.run_id
    assert status.computed_at is not None and status.data_version == report.data_version

    profiles = await toy_store.get_nodes(P, ["p1", "p7"])
    p1 = influence_view(profiles["p1"].scores)
    assert p1 is not None and 0 <= p1.score <= 100 and p1.engagers == 1
    assert "community" in profiles["p1"].scores
    customers = await toy_store.get_nodes(C, ["c1", "c2", "c4"])
    assert customers["c1"].scores["advocacyClass"] == "promoter"
    assert customers["c2"].scores["advocacyClass"] == "detractor"
    assert customers["c4"].scores["advocacyClass"] == "passive"
    assert customers["c1"].scores["advocacyEvidence"]["convertedReferrals"] == 1
    assert customers["c1"].scores["advocacyEvidence"]["reviews"] == 1  # customer-direct review

    # A load that changes data makes the results stale; a refresh makes them fresh again.
    await toy_store.upsert([NodeWrite(P, "p9", {"platform": "x", "handle": "new"})])
    assert (await service.status()).stale
    assert await service.ensure_fresh() is not None
    assert not (await service.status()).stale
    assert await service.ensure_fresh() is None  # nothing moved: no work


async def test_previous_results_are_served_during_a_refresh(
    toy_store: SqliteGraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = AnalyticsService(toy_store)
    first = await service.refresh()
    await toy_store.upsert([NodeWrite(P, "p9", {"platform": "x", "handle": "new"})])

    release = threading.Event()
    entered = threading.Event()
    real_compute = service_module.compute

    def slow_compute(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(service_module, "compute", slow_compute)
    refresh = asyncio.create_task(service.refresh())
    # Wait until the computation runs in its worker thread (a threading.Event: set off-loop).
    assert await asyncio.to_thread(entered.wait, 30)
    # The event loop is free, and every answer comes from the previous run.
    status = await service.status()
    assert status.refreshing and status.run_id == first.run_id and status.stale
    top = await service.influencers(first=3)
    assert top and top[0].node.scores.get("influence") is not None
    communities = await service.communities()
    assert communities.total_count >= 1
    release.set()
    second = await refresh
    status = await service.status()
    assert status.run_id == second.run_id != first.run_id and not status.stale


async def test_rankings(toy_store: SqliteGraphStore) -> None:
    service = AnalyticsService(toy_store)
    await service.refresh()
    top = await service.influencers(first=3)
    assert [r.rank for r in top] == [1, 2, 3]
    scores = [r.score for r in top]
    assert scores == sorted(scores, reverse=True)
    # p1 is the only profile engaged with by someone who is engaged with in turn.
    assert top[0].node.id == "p1"
    around = await service.influencers(product="d1")
    assert around and around[0].node.id == "p1"
    assert await service.influencers(topic="no such topic") == []
    advocates = await service.advocates(first=5)
    assert {r.node.id for r in advocates} == {"c1", "c5"}
    assert [r.node.id for r in await service.advocates(product="d1")] == ["c1"]
    with pytest.raises(InvalidInput):
        await service.influencers(topic="x", product="d1")


async def test_seeds_and_communities(toy_store: SqliteGraphStore) -> None:
    service = AnalyticsService(toy_store)
    await service.refresh()
    plan = await service.campaign_seeds(k=1)
    # p1 is engaged with by p4, who is shared by p6: p1's content travels the farthest.
    assert [s.node.id for s in plan.seeds] == ["p1"] and plan.expected_spread >= 1.0
    page = await service.communities(first=1)
    assert page.total_count >= 1 and len(page.items) == 1
    community_id = page.items[0]["id"]
    members = await service.community_members(community_id)
    assert members.total_count == page.items[0]["size"]
    if page.has_next_page:
        rest = await service.communities(first=10, after=page.cursors[-1])
        assert rest.items[0]["id"] != community_id


def _hop_is_a_store_edge(
    hop: Any, follows: set[tuple[str, str]], engaged: set[frozenset[str]]
) -> bool:
    a, b = hop.source, hop.target
    if hop.relationship in ("FOLLOWS", "FOLLOWS_AND_ENGAGED"):
        expected = {"out": {(a, b)}, "in": {(b, a)}, "both": {(a, b), (b, a)}}[hop.direction]
        if not expected <= follows:
            return False
    if hop.relationship in ("ENGAGED", "FOLLOWS_AND_ENGAGED"):
        return frozenset((a, b)) in engaged
    return True


async def _store_ties(store: SqliteGraphStore) -> tuple[set[tuple[str, str]], set[frozenset[str]]]:
    follows: set[tuple[str, str]] = set()
    async for batch in store.stream_edges(RelType.FOLLOWS):
        follows.update((e.src.id, e.dst.id) for e in batch)
    actor: dict[str, str] = {}
    async for batch in store.stream_edges(RelType.PERFORMED):
        actor.update((e.dst.id, e.src.id) for e in batch if e.src.label is P)
    engaged: set[frozenset[str]] = set()
    async for batch in store.stream_edges(RelType.RESPONDS_TO):
        for e in batch:
            if e.src.id in actor and e.dst.id in actor:
                engaged.add(frozenset((actor[e.src.id], actor[e.dst.id])))
    async for batch in store.stream_edges(RelType.MENTIONS):
        for e in batch:
            if e.src.id in actor:
                engaged.add(frozenset((actor[e.src.id], e.dst.id)))
    return follows, engaged


def _brute_force(
    social: nx.Graph, sources: set[str], targets: set[str], k: int, max_hops: int
) -> list[float]:
    strengths = []
    for s, t in itertools.product(sorted(sources), sorted(targets)):
        for path in nx.all_simple_paths(social, s, t, cutoff=max_hops):
            if any(n in targets for n in path[:-1]):
                continue  # a path ends at the first target it reaches
            strengths.append(
                math.prod(social[u][v]["strength"] for u, v in itertools.pairwise(path))
            )
    return sorted(strengths, reverse=True)[:k]


@pytest.mark.parametrize("max_hops", [1, 2, 3, 4, 5, 6])
async def test_advocacy_paths_match_brute_force_and_the_store(
    toy_store: SqliteGraphStore, max_hops: int
) -> None:
    service = AnalyticsService(toy_store)
    await service.refresh()
    promoters = {"c1", "c5"}
    target = NodeRef(C, "c3")  # c3's only confirmed profile is p3 (p8 is a candidate)
    paths = await service.advocacy_paths(target, k=10, max_hops=max_hops)

    proj = await build_projection(toy_store)
    social = build_social(proj, build_engagement(proj))
    expected = _brute_force(social, {"p1", "p5"}, {"p3"}, 10, max_hops)
    assert [p.strength for p in paths] == pytest.approx(expected)
    # p5 - p7 - p3 is the shortest path from a promoter to c3
    assert bool(paths) == (max_hops >= 2), "the toy graph has paths from both promoters to c3"

    follows, engaged = await _store_ties(toy_store)
    for path in paths:
        assert path.advocate in promoters
        assert path.profiles[0] in {"p1", "p5"} and path.profiles[-1] == "p3"
        assert len(path.hops) <= max_hops
        assert math.prod(h.strength for h in path.hops) == pytest.approx(path.strength)
        for hop in path.hops:
            assert _hop_is_a_store_edge(hop, follows, engaged), hop


async def test_advocacy_paths_targets_and_errors(toy_store: SqliteGraphStore) -> None:
    service = AnalyticsService(toy_store)
    with pytest.raises(NotFound):  # no analytics yet
        await service.advocacy_paths(NodeRef(P, "p3"))
    await service.refresh()
    to_profile = await service.advocacy_paths(NodeRef(P, "p3"), k=1)
    to_customer = await service.advocacy_paths(NodeRef(C, "c3"), k=1)
    assert to_profile[0].strength == pytest.approx(to_customer[0].strength)
    to_community = await service.advocacy_paths(NodeRef(NodeLabel.COMMUNITY, "g1"), k=3)
    assert all(p.profiles[-1] == "p3" for p in to_community)  # p3 is g1's member
    assert await service.advocacy_paths(NodeRef(P, "nobody")) == []
    with pytest.raises(InvalidInput):
        await service.advocacy_paths(NodeRef(P, "p3"), max_hops=0)
    # A fresh service (another replica) builds its own social graph from the store.
    other = AnalyticsService(toy_store)
    again = await other.advocacy_paths(NodeRef(P, "p3"), k=1)
    assert again[0].strength == pytest.approx(to_profile[0].strength)


async def test_advocacy_paths_of_every_target_kind_equal_strongest_paths(
    toy_store: SqliteGraphStore,
) -> None:
    """Profile, Customer, declared and detected community targets, every hop limit: the
    service's answers are those of algorithms.paths.strongest_paths from the promoters'
    profiles, also when the first queries come concurrently (one path index serves them)."""
    from algorithms.paths import strongest_paths

    service = AnalyticsService(toy_store)
    await service.refresh()
    detected = (await service.communities(first=1)).items[0]["id"]
    kinds: list[NodeRef | str] = [
        NodeRef(P, "p3"),
        NodeRef(P, "p4"),
        NodeRef(C, "c3"),
        NodeRef(NodeLabel.COMMUNITY, "g1"),
        detected,
    ]
    queries = [(t, h) for t in kinds for h in range(1, 7)]
    answers = await asyncio.gather(
        *(service.advocacy_paths(t, k=10, max_hops=h) for t, h in queries)
    )
    index = service._index
    assert index is not None and index.paths is not None
    promoter_profiles = {"p1", "p5"}  # c1 and c5, as in the brute-force test
    assert index.paths.reach.sources == promoter_profiles
    for (target, max_hops), got in zip(queries, answers, strict=True):
        targets = service._targets(index, target)
        expected = (
            strongest_paths(
                index.social, promoter_profiles - targets, targets, k=10, max_hops=max_hops
            )
            if promoter_profiles - targets
            else []
        )
        assert [(p.profiles, p.strength) for p in got] == [
            (p.nodes, p.strength) for p in expected
        ], (target, max_hops)
        assert all(p.advocate in {"c1", "c5"} for p in got)
    assert any(answers), "the toy graph has paths"


async def test_alerts_newest_first(toy_store: SqliteGraphStore) -> None:
    service = AnalyticsService(toy_store)
    assert await service.alerts() == []  # before any refresh
    await service.refresh()
    alerts = await service.alerts(first=50)
    times = [a.at for a in alerts]
    assert times == sorted(times, reverse=True)
    for a in alerts:
        assert a.kind in {"NEGATIVE_BY_INFLUENCER", "NEGATIVE_CASCADE"}
    if alerts:
        later = await service.alerts(since=alerts[0].at)
        assert all(a.at >= alerts[0].at for a in later)


async def test_neighbours_of_target_are_untouched(toy_store: SqliteGraphStore) -> None:
    """Refresh writes scores only: no relationship or property changes, no data version bump."""
    version = await toy_store.data_version()
    before = await toy_store.neighbours([NodeRef(P, "p1")], RelType.FOLLOWS, Direction.IN)
    await AnalyticsService(toy_store).refresh()
    assert await toy_store.data_version() == version
    after = await toy_store.neighbours([NodeRef(P, "p1")], RelType.FOLLOWS, Direction.IN)
    assert [h.node.id for h in after[NodeRef(P, "p1")].items] == [
        h.node.id for h in before[NodeRef(P, "p1")].items
    ]


@pytest.mark.parametrize("seed", range(6))
def test_fast_paths_equal_strongest_paths(seed: int) -> None:
    """The query-time search gives exactly the paths of algorithms.paths.strongest_paths."""
    import random

    from algorithms.indexed_paths import k_strongest_paths, source_reach
    from algorithms.paths import strongest_paths

    rng = random.Random(seed)
    G = nx.gnm_random_graph(60, 240, seed=seed)
    for u, v in G.edges:
        # few distinct strengths, as in the social graph: ties must be broken the same way
        G[u][v]["strength"] = rng.choice([0.3, 0.5, 0.3, 0.75, 0.9, 0.0])
        G[u][v]["rel"] = "FOLLOWS"
    sources = set(rng.sample(range(60), 12))
    targets = set(rng.sample(range(60), 2))
    reach = source_reach(G, sources, max_hops=6)  # what the service keeps per run
    for k, hops in [(1, 1), (3, 2), (5, 3), (10, 4), (4, 5), (6, 6)]:
        expected = strongest_paths(G, sources - targets, targets, k=k, max_hops=hops)
        got = k_strongest_paths(G, sources, targets, k=k, max_hops=hops)
        assert [(p.nodes, p.strength) for p in got] == [(p.nodes, p.strength) for p in expected]
        backward = k_strongest_paths(G, sources, targets, k=k, max_hops=hops, reach=reach)
        assert backward == expected


async def test_background_refresher_follows_the_data_version(toy_store: SqliteGraphStore) -> None:
    """After a load, a refresh happens without anyone asking for it."""
    service = AnalyticsService(toy_store)
    service.start_background(interval_s=0.05)
    try:
        for _ in range(200):
            if not (await service.status()).stale:
                break
            await asyncio.sleep(0.05)
        first = await service.status()
        assert not first.stale
        await toy_store.upsert([NodeWrite(P, "p9", {"platform": "x", "handle": "new"})])
        for _ in range(200):
            now = await service.status()
            if not now.stale and now.run_id != first.run_id:
                break
            await asyncio.sleep(0.05)
        assert not now.stale and now.run_id != first.run_id
    finally:
        await service.stop()


async def test_the_path_index_is_warmed_with_the_social_index(toy_store: SqliteGraphStore) -> None:
    """The first advocacyPaths query after a refresh does not build the path index itself:
    the index is built right after the in-memory graph, before any path query."""
    service = AnalyticsService(toy_store)
    service.start_background(interval_s=60)  # a serving process
    try:
        for _ in range(200):
            if service._paths_task is not None:
                break
            await asyncio.sleep(0.05)
        index = service._index
        assert index is not None and service._paths_task is not None
        await service._paths_task
        assert index.paths is not None
        assert index.paths.reach.sources == {"p1", "p5"}
    finally:
        await service.stop()
    # a process that only refreshes (graph-api refresh) does not build it
    quiet = AnalyticsService(toy_store)
    await quiet.refresh()
    assert quiet._paths_task is None
