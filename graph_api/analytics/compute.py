"""The refresh computation: a :class:`Projection` in, scores and documents out. Pure and blocking.

It runs in a worker thread (see :class:`~graph_api.analytics.service.AnalyticsService`), never on
the event loop. Each step is timed into :attr:`Results.steps`.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Final

import networkx as nx

from algorithms.advocacy import AdvocacyEvidence, AdvocacyScore, advocacy_scores
from algorithms.influence import (
    CascadeStats,
    InfluenceScore,
    cascade_influence,
    engagement_influence,
    influence_scores,
    topic_influence,
)
from algorithms.seeds import campaign_seeds, spread_graph
from graph_api.analytics import communities as comm
from graph_api.analytics.alerts import find_alerts
from graph_api.analytics.graphs import build_cascades, build_engagement, build_social
from graph_api.analytics.projection import Projection

__all__ = [
    "OVERALL",
    "OVERALL_CLEAN",
    "SEED_KS",
    "TOP_N",
    "Params",
    "Results",
    "compute",
    "topic_focus",
]

TOP_N: Final = 100
"""Length of the precomputed rankings (per product, community, topic)."""
SEED_KS: Final = (1, 5, 10, 20, 50)
"""Seed-set sizes whose expected spread is precomputed; other k are computed on demand."""

OVERALL: Final = "*"
OVERALL_CLEAN: Final = "*clean"
"""Keys of the overall influence ranking (with and without profiles flagged inflated)."""

StepFn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Params:
    """Tuning of a refresh; every random step is seeded so reruns agree."""

    seed: int = 42
    resolution: float = 1.0
    half_life_days: float = 90.0
    seed_samples: int | None = None
    max_seeds: int = 50


@dataclass(slots=True)
class Results:
    """What a refresh produces."""

    data_version: int
    profile_scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    customer_scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    social: nx.Graph | None = None
    spread: nx.DiGraph | None = None
    promoters: list[str] = field(default_factory=list)


@contextmanager
def _timed(results: Results, name: str, progress: StepFn | None) -> Iterator[None]:
    start = time.perf_counter()
    if progress:
        progress(f"{name} …")
    yield
    results.steps[name] = round(time.perf_counter() - start, 3)
    if progress:
        progress(f"{name} done in {results.steps[name]:.2f}s")


# --- influence ---------------------------------------------------------------------------------


def _influence_record(s: InfluenceScore) -> dict[str, Any]:
    return {
        "influence": round(s.score, 3),
        "influenceRank": s.rank,
        "influenceComposite": round(s.composite, 6),
        "reach": s.reach,
        "engagement": s.engagement,
        "engagers": s.engagers,
        "cascade": round(s.cascade, 4),
        "cascadeDepth": s.depth,
        "cascadePeople": s.people,
        "conversions": s.conversions,
        "inflated": s.inflated,
        "influenceExplanation": s.explanation,
    }


def _profile_influence(
    proj: Projection, engagement: nx.DiGraph, cascades: nx.DiGraph, pagerank: dict[str, float]
) -> dict[str, InfluenceScore]:
    authors = {iid: i.profile for iid, i in proj.interactions.items() if i.profile is not None}
    converted = _converted(proj)
    # A customer's converted referrals are credited to each of their confirmed profiles: the
    # referral is one person's act, whichever account they are known by.
    conv = {p: converted[c] for c, ps in proj.profiles_of.items() if converted.get(c) for p in ps}
    stats = cascade_influence(cascades, authors, conversions=conv)
    return influence_scores(proj.followers, pagerank, stats, graph=engagement)


def _converted(proj: Projection) -> dict[str, int]:
    out: Counter[str] = Counter()
    for src, _dst, converted in proj.referrals:
        if converted:
            out[src] += 1
    return dict(out)


def _customer_of(proj: Projection, iid: str) -> str | None:
    info = proj.interactions[iid]
    if info.customer is not None:
        return info.customer
    return proj.owner.get(info.profile) if info.profile is not None else None


def _customer_influence(
    proj: Projection, cascades: nx.DiGraph, pagerank: dict[str, float]
) -> dict[str, InfluenceScore]:
    """Influence of customers: their confirmed profiles taken together."""
    reach = {c: 0 for c in proj.customers}
    eng = {c: 0.0 for c in proj.customers}
    for c, profiles in proj.profiles_of.items():
        if c in reach:
            reach[c] = sum(proj.followers.get(p, 0) for p in profiles)
            eng[c] = sum(pagerank.get(p, 0.0) for p in profiles)
    authors: dict[str, str] = {}
    for iid in proj.interactions:
        who = _customer_of(proj, iid)
        if who is not None:
            authors[iid] = who
    stats: dict[str, CascadeStats] = cascade_influence(
        cascades, authors, conversions=_converted(proj)
    )
    return influence_scores(reach, eng, stats)


# --- advocacy ----------------------------------------------------------------------------------

_EVIDENCE_KINDS: Final = frozenset({"praise", "review", "complaint", "support_case"})

SENTIMENT_PRIOR: Final = 2.0
"""Pseudo-interactions of neutral sentiment added to every customer's mean sentiment.

One angry support ticket is a bad day, not a detractor: without the prior a single interaction
at -0.8 moves a customer to detractor by sentiment alone. With 2 neutral pseudo-interactions
the mean of n interactions is ``sum / (n + 2)``: a handful of consistent ones still count fully
enough, a single one counts a third."""

MAX_REPEAT_PURCHASES: Final = 3
"""Repeat purchases counted as advocacy, at most. Loyalty is evidence, but buying is not
speaking up for the brand: at 0.5 points each, 3 repeats give 1.5 points (score 29, passive),
so purchases alone never make a promoter; praise, reviews or referrals must add to them."""


def advocacy_evidence(proj: Projection) -> dict[str, AdvocacyEvidence]:
    """Evidence per customer from their own and their confirmed profiles' interactions."""
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    review_sent: dict[str, float] = defaultdict(float)
    sent_sum: dict[str, float] = defaultdict(float)
    sent_n: Counter[str] = Counter()
    for iid, info in proj.interactions.items():
        c = _customer_of(proj, iid)
        if c is None:
            continue
        sent_sum[c] += info.sentiment
        sent_n[c] += 1
        if info.kind in _EVIDENCE_KINDS:
            kinds[c][info.kind] += 1
            if info.kind == "review":
                review_sent[c] += info.sentiment
    referrals: Counter[str] = Counter()
    converted: Counter[str] = Counter()
    for src, _dst, conv in proj.referrals:
        referrals[src] += 1
        converted[src] += int(conv)
    out: dict[str, AdvocacyEvidence] = {}
    for c in proj.customers:
        k = kinds.get(c, Counter())
        bought = sum(proj.purchases.get(c, {}).values())
        reviews = k["review"]
        out[c] = AdvocacyEvidence(
            praise=k["praise"],
            reviews=reviews,
            review_sentiment=_clip(review_sent[c] / reviews) if reviews else 0.0,
            referrals=referrals[c],
            converted_referrals=converted[c],
            purchases=bought,
            repeat_purchases=min(MAX_REPEAT_PURCHASES, max(0, bought - 1)),
            complaints=k["complaint"],
            support_cases=k["support_case"],
            sentiment=_clip(sent_sum[c] / (sent_n[c] + SENTIMENT_PRIOR)),
        )
    return out


def _require_voice(s: AdvocacyScore) -> AdvocacyScore:
    """Classes follow what a customer says to others, as Reichheld's classes do.

    * A promoter speaks up: praise, a positive review or a referral. Repeat purchases and a good
      mood alone keep their score but the class passive.
    * A customer who complained in public and whose net score is negative is a detractor even
      when repeat purchases keep the score above the detractor threshold: buying again does not
      take back what they told others.

    The score is left as computed; the reason for the class is added to the explanation.
    """
    e = s.evidence
    voiced = e.praise > 0 or e.referrals > 0 or (e.reviews > 0 and e.review_sentiment > 0)
    if s.category == "promoter" and not voiced:
        return replace(
            s,
            category="passive",
            explanation=s.explanation + " Passive: no praise, positive review or referral yet.",
        )
    if s.category == "passive" and e.complaints > 0 and s.score < 0:
        return replace(
            s,
            category="detractor",
            explanation=s.explanation + " Detractor: complained in public, nothing outweighs it.",
        )
    return s


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, x))


def _advocacy_record(s: AdvocacyScore) -> dict[str, Any]:
    e = s.evidence
    return {
        "advocacy": round(s.score, 3),
        "advocacyClass": s.category,
        "advocacyExplanation": s.explanation,
        "advocacyEvidence": {
            "praise": e.praise,
            "reviews": e.reviews,
            "reviewSentiment": round(e.review_sentiment, 4),
            "referrals": e.referrals,
            "convertedReferrals": e.converted_referrals,
            "purchases": e.purchases,
            "repeatPurchases": e.repeat_purchases,
            "complaints": e.complaints,
            "supportCases": e.support_cases,
            "sentiment": round(e.sentiment, 4),
        },
    }


# --- topics ------------------------------------------------------------------------------------


def topic_focus(
    proj: Projection, communities: Mapping[str, list[str]]
) -> dict[str, dict[str, float]]:
    """Who is "around" each product, declared community, detected community and topic string.

    Keys ``product:<id>``, ``community:<id>``, ``detected:<id>``, ``topic:<text>``; values are
    profile -> weight (interactions about it; members weigh 1).
    """
    focus: dict[str, Counter[str]] = defaultdict(Counter)
    topic_of_product = proj.products
    topic_of_comm = proj.communities
    for info in proj.interactions.values():
        p = info.profile
        if p is None:
            continue
        for d in info.about:
            focus[f"product:{d}"][p] += 1
            if topic_of_product.get(d):
                focus[f"topic:{topic_of_product[d].lower()}"][p] += 1
        for g in info.community:
            focus[f"community:{g}"][p] += 1
            if topic_of_comm.get(g):
                focus[f"topic:{topic_of_comm[g].lower()}"][p] += 1
    for g, members in proj.profile_members.items():
        for p in members:
            focus[f"community:{g}"][p] += 1
    for g, customers in proj.customer_members.items():
        for c in customers:
            for p in proj.profiles_of.get(c, ()):
                focus[f"community:{g}"][p] += 1
    for cid, members in communities.items():
        focus[f"detected:{cid}"].update(members)
    return {k: {p: float(w) for p, w in v.items()} for k, v in focus.items()}


def _local_topic_ranking(
    engagement: nx.DiGraph, focus: Mapping[str, float], n: int
) -> list[list[Any]]:
    """Personalised PageRank on the audience and the people they engage with.

    Restricting to the focus and its out-neighbours keeps each ranking to a small subgraph, so
    hundreds of topics cost seconds, not a full PageRank each.
    """
    nodes = set(focus)
    for u in focus:
        nodes.update(engagement.successors(u))
    sub = engagement.subgraph(nodes)
    if sub.number_of_edges() == 0:
        ranked = sorted(focus.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        total = sum(focus.values()) or 1.0
        return [[p, w / total] for p, w in ranked]
    scores = topic_influence(sub, focus)
    ranked_s = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [[p, round(s, 8)] for p, s in ranked_s if s > 0]


# --- the pipeline ------------------------------------------------------------------------------


def compute(proj: Projection, params: Params = Params(), progress: StepFn | None = None) -> Results:
    """Every analytics result for one projection (blocking; run it off the event loop)."""
    res = Results(data_version=proj.data_version)
    with _timed(res, "graphs", progress):
        engagement = build_engagement(proj, half_life_days=params.half_life_days)
        cascades = build_cascades(proj)
        social = build_social(proj, engagement)
    res.counts.update(
        profiles=len(proj.followers),
        customers=len(proj.customers),
        interactions=len(proj.interactions),
        relationships=proj.relationships,
        engagementEdges=engagement.number_of_edges(),
        socialEdges=social.number_of_edges(),
    )

    with _timed(res, "pagerank", progress):
        pagerank = engagement_influence(engagement) if engagement.number_of_edges() else {}
    with _timed(res, "influence", progress):
        prof = _profile_influence(proj, engagement, cascades, pagerank)
        cust = _customer_influence(proj, cascades, pagerank)
    for p in proj.followers:
        res.profile_scores[p] = _influence_record(prof[p]) if p in prof else {}
    for c in proj.customers:
        res.customer_scores[c] = _influence_record(cust[c]) if c in cust else {}

    with _timed(res, "advocacy", progress):
        adv = advocacy_scores(advocacy_evidence(proj))
    adv = {c: _require_voice(s) for c, s in adv.items()}
    for c, s in adv.items():
        res.customer_scores.setdefault(c, {}).update(_advocacy_record(s))
    res.promoters = sorted(c for c, s in adv.items() if s.category == "promoter")

    with _timed(res, "communities", progress):
        detected = comm.detect(social, seed=params.seed, resolution=params.resolution)
        members = comm.members_by_id(detected)
        membership = {p: cid for cid, ps in members.items() for p in ps}
        for p, cid in membership.items():
            res.profile_scores.setdefault(p, {})["community"] = cid
        for c in proj.customers:
            cid_c = comm.customer_community(proj.profiles_of.get(c, ()), membership)
            if cid_c is not None:
                res.customer_scores.setdefault(c, {})["community"] = cid_c
        influence_of = {p: prof[p].composite for p in prof}
        res.documents["communities"] = comm.profiles(
            proj, social, members, membership, influence_of, res.customer_scores
        )
    res.counts["communities"] = len(members)

    with _timed(res, "topics", progress):
        focus = topic_focus(proj, members)
        res.documents["topics"] = {
            key: _local_topic_ranking(engagement, f, TOP_N) for key, f in focus.items() if f
        }
        # The overall rankings too, so the most common query is one cached lookup.
        overall = sorted(prof.items(), key=lambda kv: (kv[1].rank, kv[0]))
        res.documents["topics"][OVERALL] = [
            [p, round(s.score, 3)] for p, s in overall[:TOP_N] if s.composite > 0
        ]
        res.documents["topics"][OVERALL_CLEAN] = [
            [p, round(s.score, 3)]
            for p, s in [kv for kv in overall if not kv[1].inflated][:TOP_N]
            if s.composite > 0
        ]
        res.documents["advocates"] = _advocate_rankings(proj, members, res.customer_scores)

    with _timed(res, "seeds", progress):
        spread = spread_graph(engagement)
        res.spread = spread
        res.documents["seeds"] = _seeds(spread, params)

    with _timed(res, "alerts", progress):
        res.documents["alerts"] = find_alerts(
            proj, cascades, res.profile_scores, res.customer_scores
        )
    res.social = social
    return res


def _advocate_rankings(
    proj: Projection, members: Mapping[str, list[str]], scores: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[list[Any]]]:
    """Top promoters per product (buyers and people who spoke about it) and per community."""
    around: dict[str, set[str]] = defaultdict(set)
    for c, bought in proj.purchases.items():
        for d in bought:
            around[f"product:{d}"].add(c)
    for iid, info in proj.interactions.items():
        who = _customer_of(proj, iid)
        if who is None:
            continue
        for d in info.about:
            around[f"product:{d}"].add(who)
        for g in info.community:
            around[f"community:{g}"].add(who)
    for g, cs in proj.customer_members.items():
        around[f"community:{g}"].update(cs)
    for g, profiles in proj.profile_members.items():
        around[f"community:{g}"].update(proj.owner[p] for p in profiles if p in proj.owner)
    for cid, profiles in members.items():
        around[f"detected:{cid}"].update(proj.owner[p] for p in profiles if p in proj.owner)
    around[""] = set(proj.customers)
    out: dict[str, list[list[Any]]] = {}
    for key, group in around.items():
        promoters = (c for c in group if scores.get(c, {}).get("advocacyClass") == "promoter")
        ranked = sorted(
            ((c, float(scores[c].get("advocacy", 0.0))) for c in promoters),
            key=lambda t: (-t[1], t[0]),
        )
        out[key] = [[c, s] for c, s in ranked[:TOP_N]]
    return out


def _seeds(spread: nx.DiGraph, params: Params) -> dict[str, Any]:
    """Seeds for the whole audience, with the expected spread of the prefixes in SEED_KS.

    Greedy on the same reverse-reachable sets picks the same first seeds whatever k is, so the
    k=50 run's seeds serve every k; the spread of each prefix is the RIS estimate of a run with
    that k (the same samples: about a second each on the medium set, where 1000 Monte Carlo
    simulations per k took 35 s). Tests re-check the spread by Monte Carlo.
    """
    if len(spread) == 0 or spread.number_of_edges() == 0:
        return {"seeds": [], "spread": {}}
    k = min(params.max_seeds, len(spread))
    chosen = campaign_seeds(spread, k, samples=params.seed_samples, seed=params.seed)
    spreads = {str(k): chosen.spread}
    for size in SEED_KS:
        if size < k:
            run = campaign_seeds(spread, size, samples=params.seed_samples, seed=params.seed)
            spreads[str(size)] = run.spread
    return {"seeds": list(chosen.seeds), "spread": spreads, "method": "ris"}
