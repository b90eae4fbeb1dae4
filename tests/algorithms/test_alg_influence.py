"""Influence: decay, engagement graph, PageRank by hand, cascades, the composite score."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest

from algorithms.influence import (
    CascadeStats,
    InfluenceWeights,
    cascade_influence,
    decay_weight,
    engagement_graph,
    engagement_influence,
    influence_scores,
    topic_influence,
)

# --- decay ----------------------------------------------------------------------------------


def test_decay_is_one_when_new_and_half_at_the_half_life() -> None:
    assert decay_weight(0.0) == 1.0
    assert decay_weight(90.0) == 0.5
    assert decay_weight(180.0) == 0.25
    assert decay_weight(30.0, half_life_days=30.0) == 0.5
    assert decay_weight(45.0) == pytest.approx(2**-0.5)


def test_negative_age_clamps_to_one() -> None:
    assert decay_weight(-10.0) == 1.0


@pytest.mark.parametrize("half_life", [0.0, -1.0, math.nan])
def test_decay_rejects_bad_half_life(half_life: float) -> None:
    with pytest.raises(ValueError):
        decay_weight(1.0, half_life)


def test_decay_rejects_nan_age() -> None:
    with pytest.raises(ValueError):
        decay_weight(math.nan)


# --- engagement graph -----------------------------------------------------------------------


def test_engagement_graph_sums_decayed_weights_and_drops_self_loops() -> None:
    G = engagement_graph(
        [
            ("ann", "bob", 0.0, 1.0),
            ("ann", "bob", 90.0, 1.0),  # half as much: one half-life old
            ("bob", "ann", 180.0, 2.0),  # 2 * 0.25
            ("cat", "cat", 0.0, 1.0),  # replying to oneself is not engagement
        ]
    )
    assert G["ann"]["bob"] == {"weight": 1.5, "count": 2}
    assert G["bob"]["ann"] == {"weight": 0.5, "count": 1}
    assert not G.has_edge("cat", "cat")
    assert set(G) == {"ann", "bob", "cat"}


def test_engagement_graph_ages_timestamps_from_the_latest_row() -> None:
    t = datetime(2024, 6, 1, tzinfo=UTC)
    rows = [("a", "b", t, 1.0), ("a", "c", t - timedelta(days=90), 1.0)]
    G = engagement_graph(rows)
    assert G["a"]["b"]["weight"] == 1.0
    assert G["a"]["c"]["weight"] == pytest.approx(0.5)
    later = engagement_graph(rows, now=t + timedelta(days=90))
    assert later["a"]["b"]["weight"] == pytest.approx(0.5)
    assert later["a"]["c"]["weight"] == pytest.approx(0.25)


def test_engagement_graph_rejects_naive_and_aware_mix() -> None:
    t = datetime(2024, 6, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        engagement_graph([("a", "b", t, 1.0), ("a", "c", datetime(2024, 5, 1), 1.0)])


def test_engagement_graph_rejects_negative_kind_weight() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        engagement_graph([("a", "b", 0.0, -1.0)])


# --- engagement PageRank, against values solved by hand ---------------------------------------
# With damping 0.85 and 3 nodes, each node gets 0.05 from teleportation plus 0.85 of the rank
# flowing into it; dangling nodes spread their rank evenly (0.85 * p / 3 to everyone).


def test_pagerank_of_a_chain_matches_hand_computation() -> None:
    # a -> b -> c, c dangling.  x = p_a:
    #   p_a = 0.05 + 0.85 p_c / 3
    #   p_b = 0.05 + 0.85 p_c / 3 + 0.85 p_a = 1.85 x
    #   p_c = 0.05 + 0.85 p_c / 3 + 0.85 p_b = x + 0.85 * 1.85 x = 2.5725 x
    # and the three sum to 1: x = 1 / 5.4225.
    x = 1 / 5.4225
    scores = engagement_influence(nx.DiGraph([("a", "b"), ("b", "c")]))
    assert scores == pytest.approx({"a": x, "b": 1.85 * x, "c": 2.5725 * x}, abs=1e-7)


def test_pagerank_of_an_in_star_matches_hand_computation() -> None:
    # b -> a, c -> a: p_b = 0.05 + 0.85 p_a / 3 with p_a = 1 - 2 p_b  =>  p_b = 10/47.
    scores = engagement_influence(nx.DiGraph([("b", "a"), ("c", "a")]))
    assert scores == pytest.approx({"a": 27 / 47, "b": 10 / 47, "c": 10 / 47}, abs=1e-7)


def test_pagerank_follows_engagement_weights() -> None:
    # a -> b (1), a -> c (3); b, c dangling.  p_a = 0.05 + 0.85 (1 - p_a) / 3 => p_a = 1/3.85,
    # p_b = p_a + 0.85 * 0.25 p_a, p_c = p_a + 0.85 * 0.75 p_a.
    G = nx.DiGraph()
    G.add_edge("a", "b", weight=1.0)
    G.add_edge("a", "c", weight=3.0)
    pa = 1 / 3.85
    scores = engagement_influence(G)
    assert scores == pytest.approx({"a": pa, "b": 1.2125 * pa, "c": 1.6375 * pa}, abs=1e-7)
    unweighted = engagement_influence(G, weight=None)
    assert unweighted["b"] == pytest.approx(unweighted["c"])


def test_pagerank_of_empty_graph_is_empty() -> None:
    assert engagement_influence(nx.DiGraph()) == {}


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, 1.5])
def test_pagerank_rejects_alpha_outside_open_unit_interval(alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        engagement_influence(nx.DiGraph([(1, 2)]), alpha=alpha)


def test_personalization_is_validated() -> None:
    G = nx.DiGraph([(1, 2)])
    with pytest.raises(ValueError, match="not in the graph"):
        engagement_influence(G, personalization={3: 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        engagement_influence(G, personalization={1: -1.0})
    with pytest.raises(ValueError, match="zero"):
        engagement_influence(G, personalization={1: 0.0})


def test_topic_influence_restarts_at_the_focus() -> None:
    # a -> b and an unrelated c -> d.  Restarting at a only, and b dangling back to a:
    #   p_a = 0.15 + 0.85 p_b,  p_b = 0.85 p_a  =>  p_a = 0.15 / (1 - 0.85**2).
    G = nx.DiGraph([("a", "b"), ("c", "d")])
    scores = topic_influence(G, ["a"])
    pa = 0.15 / (1 - 0.85**2)
    assert scores == pytest.approx({"a": pa, "b": 0.85 * pa, "c": 0.0, "d": 0.0}, abs=1e-7)
    weighted = topic_influence(G, {"a": 1.0, "c": 1.0})
    assert weighted["b"] == pytest.approx(weighted["d"])


def test_topic_influence_needs_known_focus() -> None:
    G = nx.DiGraph([("a", "b")])
    with pytest.raises(ValueError, match="empty"):
        topic_influence(G, [])
    with pytest.raises(ValueError, match="not in the graph"):
        topic_influence(G, ["zed"])


# --- cascade influence ----------------------------------------------------------------------


@pytest.fixture
def forest() -> tuple[nx.DiGraph, dict[str, str]]:
    """Two threads.

    P (ann) <- R1 (bob) <- R2 (ann) <- R3 (cat);  P <- R4 (bob);  S (dan) <- T1 (ann)
    """
    cascades = nx.DiGraph([("R1", "P"), ("R2", "R1"), ("R3", "R2"), ("R4", "P"), ("T1", "S")])
    authors = {
        "P": "ann",
        "R1": "bob",
        "R2": "ann",
        "R3": "cat",
        "R4": "bob",
        "S": "dan",
        "T1": "ann",
        "Q": "eve",  # a post nobody answered, absent from the graph
    }
    return cascades, authors


def test_cascade_stats_by_hand(forest: tuple[nx.DiGraph, dict[str, str]]) -> None:
    stats = cascade_influence(*forest, conversions={"ann": 2, "fay": 1})
    # ann: below P are R1 (bob), R2 (her own), R3 (cat), R4 (bob) -> 3 by others; R3 is 3 steps
    # below P; the people are bob and cat.
    ann = stats["ann"]
    assert (ann.posts, ann.interactions, ann.reached, ann.depth, ann.people) == (1, 3, 3, 3, 2)
    assert ann.conversions == 2
    assert ann.score == pytest.approx(math.log2(3) * (1 + math.log2(4)))
    # bob: below R1 are R2 (ann) and R3 (cat), 2 steps deep; below R4 nothing.
    bob = stats["bob"]
    assert (bob.posts, bob.interactions, bob.reached, bob.depth, bob.people) == (0, 2, 2, 2, 2)
    assert stats["cat"] == CascadeStats(interactions=1)
    dan = stats["dan"]
    assert (dan.posts, dan.reached, dan.depth, dan.people) == (1, 1, 1, 1)
    assert dan.score == pytest.approx(1.0 * (1 + 1.0))
    assert stats["eve"] == CascadeStats(posts=1, interactions=1)
    assert stats["fay"] == CascadeStats(conversions=1)


def test_own_replies_are_not_reach() -> None:
    cascades = nx.DiGraph([("r1", "p"), ("r2", "r1")])
    stats = cascade_influence(cascades, {"p": "ann", "r1": "ann", "r2": "ann"})
    assert stats["ann"].reached == 0
    assert stats["ann"].score == 0.0


def test_anonymous_responses_are_reach_but_not_people() -> None:
    cascades = nx.DiGraph([("r1", "p")])
    stats = cascade_influence(cascades, {"p": "ann"})
    assert (stats["ann"].reached, stats["ann"].people, stats["ann"].score) == (1, 0, 0.0)


def test_cascades_must_be_a_forest() -> None:
    with pytest.raises(ValueError, match="more than one"):
        cascade_influence(nx.DiGraph([("r", "a"), ("r", "b")]), {})
    with pytest.raises(ValueError, match="cycle"):
        cascade_influence(nx.DiGraph([("a", "b"), ("b", "a")]), {})
    with pytest.raises(ValueError, match="directed"):
        cascade_influence(nx.Graph([("a", "b")]), {})
    with pytest.raises(ValueError, match="non-negative"):
        cascade_influence(nx.DiGraph(), {}, conversions={"a": -1})


# --- composite influence --------------------------------------------------------------------


def test_percentiles_share_ties_and_zero_scores_zero() -> None:
    scores = influence_scores({}, {"a": 0.4, "b": 0.4, "c": 0.2, "d": 0.0}, {})
    # composite = 0.5 * engagement / max: a = b = 0.5, c = 0.25, d = 0.
    assert scores["a"].composite == pytest.approx(0.5)
    assert scores["c"].composite == pytest.approx(0.25)
    # ascending 0-based ranks d 0, c 1, a/b share (2 + 3) / 2 = 2.5; percentile = 100 r / 3.
    assert scores["a"].score == pytest.approx(250 / 3)
    assert scores["b"].score == pytest.approx(250 / 3)
    assert scores["c"].score == pytest.approx(100 / 3)
    assert scores["d"].score == 0.0
    assert [scores[x].rank for x in "abcd"] == [1, 1, 3, 4]


def test_small_samples() -> None:
    assert influence_scores({}, {"solo": 0.3}, {})["solo"].score == 100.0
    assert influence_scores({"solo": 5}, {}, {})["solo"].score == 0.0
    everyone_equal = influence_scores({}, {"a": 1.0, "b": 1.0, "c": 1.0}, {})
    assert {s.score for s in everyone_equal.values()} == {50.0}
    assert {s.rank for s in everyone_equal.values()} == {1}
    nobody = influence_scores({"a": 1, "b": 2}, {}, {})
    assert [(s.score, s.rank) for s in nobody.values()] == [(0.0, 1), (0.0, 1)]
    assert influence_scores({}, {}, {}) == {}


def test_composite_weighs_the_components() -> None:
    cascade = {
        "a": CascadeStats(score=2.0, conversions=3),
        "b": CascadeStats(score=4.0, conversions=0),
    }
    scores = influence_scores({}, {"a": 0.1, "b": 0.4}, cascade)
    # a: engagement 0.25, cascade 0.5, conversions 1.0 of the maxima.
    expected = (0.5 * 0.25 + 0.35 * 0.5 + 0.15 * 1.0) / 1.0
    assert scores["a"].composite == pytest.approx(expected)
    only_cascade = influence_scores(
        {}, {"a": 0.1, "b": 0.4}, cascade, weights=InfluenceWeights(0.0, 1.0, 0.0)
    )
    assert only_cascade["a"].composite == pytest.approx(0.5)
    with pytest.raises(ValueError):
        InfluenceWeights(0.0, 0.0, 0.0)


def test_reach_is_reported_but_is_not_influence_and_inflated_is_flagged() -> None:
    reach = {f"p{i}": 100 * (i + 1) for i in range(9)} | {"loud": 1_000_000}
    engagement = {f"p{i}": 0.01 * (i + 1) for i in range(9)} | {"loud": 0.001}
    scores = influence_scores(reach, engagement, {})
    assert scores["loud"].reach == 1_000_000
    assert scores["loud"].rank == 10
    assert scores["loud"].inflated
    assert not any(scores[f"p{i}"].inflated for i in range(9))
    assert "1M followers" in scores["loud"].explanation
    assert "inflated" in scores["loud"].explanation
    # The same engagement with no followers at all gives the same score.
    quiet = influence_scores({**reach, "loud": 0}, engagement, {})
    assert quiet["loud"].score == scores["loud"].score
    assert not quiet["loud"].inflated


def test_inflated_compares_influence_per_log_reach() -> None:
    # Four accounts of 100 followers and one big one; the top 20% by reach is the big one alone
    # (quantile 0.8 of [100, 100, 100, 100, reach] lies between 100 and its reach).
    engagement = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4, "big": 0.35}
    small = {"a": 100, "b": 100, "c": 100, "d": 100}
    scores = influence_scores(
        small | {"big": 1_000_000}, engagement, {}, inflated_reach_quantile=0.8
    )
    # composite = 0.5 * engagement / 0.4: a 0.125, b 0.25, c 0.375, d 0.5, big 0.4375, so big is
    # second of five, above the median composite (0.25): the old rule would not flag it.
    assert scores["big"].composite == pytest.approx(0.4375)
    assert scores["big"].rank == 2
    # rate = composite / log(1 + reach): a 0.125 / log(101) = 0.0271, big 0.4375 / log(1000001)
    # = 0.0317, b 0.0542, c 0.0813, d 0.1083; the median is b's, 0.25 / log(101). Big must earn
    # 0.25 * log(1000001) / log(101) = 0.748... for a million followers, and earns 0.4375.
    assert 0.25 * math.log1p(1_000_000) / math.log1p(100) == pytest.approx(0.74838, abs=1e-5)
    assert scores["big"].inflated
    assert "inflated" in scores["big"].explanation
    # Low rates with a small audience are not flagged (a's 0.125 / log(101) is below the cut).
    assert not any(scores[x].inflated for x in "abcd")
    # The same engagement with 1,000 followers: big's rate 0.4375 / log(1001) = 0.0633 lies
    # between b's and c's, so it is the median itself and big is not below it: it engages as its
    # audience should (b's rate would ask only 0.25 * log(1001) / log(101) = 0.374).
    modest = influence_scores(small | {"big": 1_000}, engagement, {}, inflated_reach_quantile=0.8)
    assert 0.4375 / math.log1p(1_000) == pytest.approx(0.06333, abs=1e-5)
    assert not any(s.inflated for s in modest.values())


def test_inflated_with_equal_reach_is_below_the_median_composite() -> None:
    # With one audience size log(1 + reach) is common to all, so the rule reduces to composite
    # below the median composite: composites 0.125, 0.25, 0.375, 0.5, median 0.3125.
    reach = {x: 50 for x in "abcd"}
    scores = influence_scores(reach, {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}, {})
    assert [scores[x].inflated for x in "abcd"] == [True, True, False, False]
    # A stricter influence quantile: the cut is quantile 0.25 of the rates, b's composite rate,
    # and only a is strictly below it.
    strict = influence_scores(
        reach, {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}, {}, inflated_influence_quantile=1 / 3
    )
    assert [strict[x].inflated for x in "abcd"] == [True, False, False, False]


def test_inflated_rate_ignores_actors_without_reach() -> None:
    # a, b, c with reach 10, 100, 1000 and composites 0.5 * (0.1, 0.2, 0.4) / 0.4, plus five
    # silent actors without followers. Quantile 0.9 of the eight reaches is 100 + 0.3 * 900 =
    # 370: c alone has a big audience. Rates 0.125 / log(11) = 0.0521, 0.25 / log(101) = 0.0542,
    # 0.5 / log(1001) = 0.0724; median 0.0542 (b's). c needs 0.0542 * log(1001) = 0.374 and has
    # 0.5: not inflated.
    reach = {"a": 10, "b": 100, "c": 1_000} | {f"z{i}": 0 for i in range(5)}
    engagement = {"a": 0.1, "b": 0.2, "c": 0.4}
    scores = influence_scores(reach, engagement, {}, inflated_reach_quantile=0.9)
    assert not any(s.inflated for s in scores.values())
    # With a reach of 10**9 c's rate is 0.5 / log(1e9 + 1) = 0.0241, the median is a's 0.0521,
    # and c needs 0.0521 * log(1e9 + 1) = 1.08 > 0.5: inflated. The silent actors do not enter
    # the rates; counted as rate 0 they would make the median 0 and c would pass.
    big = influence_scores(reach | {"c": 10**9}, engagement, {}, inflated_reach_quantile=0.9)
    assert big["c"].inflated
    assert not any(big[x].inflated for x in big if x != "c")


def test_high_reach_with_high_influence_is_not_inflated() -> None:
    reach = {"star": 500_000, "a": 10, "b": 20, "c": 30}
    engagement = {"star": 0.7, "a": 0.1, "b": 0.1, "c": 0.1}
    scores = influence_scores(reach, engagement, {})
    assert scores["star"].rank == 1
    assert not scores["star"].inflated


def test_explanation_names_the_evidence() -> None:
    G = nx.DiGraph()
    for i in range(4):
        G.add_edge(f"fan{i}", "ann", weight=2.5)
    G.add_edge("ann", "fan0", weight=1.0)
    pagerank = engagement_influence(G)
    cascade = {
        "ann": CascadeStats(posts=2, reached=57, depth=3, people=41, conversions=2, score=9.0)
    }
    scores = influence_scores({"ann": 120_000}, pagerank, cascade, graph=G)
    ann = scores["ann"]
    assert (ann.engagers, ann.engagement_weight) == (4, 10.0)
    assert ann.explanation == (
        "Top 20%: 4 people engaged with their content (weighted 10.0); posts travelled 3 steps "
        "and reached 41 people; 2 converted referrals. 120k followers."
    )
    # fan1..fan3 tie for rank 3 of 5 (only the teleportation share of PageRank).
    assert scores["fan3"].rank == 3
    assert scores["fan3"].explanation == (
        "Top 60%: nobody engaged with their content; posts drew no responses from others. "
        "0 followers."
    )
    nothing = influence_scores({"zed": 1_500}, {}, {})["zed"]
    assert nothing.explanation == (
        "No measured influence: nobody engaged with their content; posts drew no responses "
        "from others. 1.5k followers."
    )


def test_influence_scores_validates_input() -> None:
    with pytest.raises(ValueError, match="quantile"):
        influence_scores({}, {}, {}, inflated_reach_quantile=1.5)
    with pytest.raises(ValueError, match="reach"):
        influence_scores({"a": -1}, {}, {})
    with pytest.raises(ValueError, match="engagement"):
        influence_scores({}, {"a": -0.1}, {})
