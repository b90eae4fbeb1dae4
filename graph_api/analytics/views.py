"""What the analytics service returns: plain frozen records, no GraphQL and no networkx."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph_api.model import parse_timestamp
from graph_api.store.base import Node

__all__ = [
    "AdvocacyPath",
    "AdvocacyView",
    "Alert",
    "AnalyticsStatus",
    "CommunityPage",
    "InfluenceView",
    "PathHop",
    "RankedNode",
    "RefreshReport",
    "SeedPlan",
    "advocacy_view",
    "influence_view",
]


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """One finished refresh: what it was computed from, when, and how long each step took."""

    run_id: str
    data_version: int
    computed_at: datetime
    seconds: float
    steps: dict[str, float]
    counts: dict[str, int]

    def summary(self) -> str:
        """The report as text, one line per step (what ``graph-api refresh`` prints)."""
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """A human summary for the CLI."""
        out = [
            f"analytics run {self.run_id}: data version {self.data_version}, "
            f"{self.seconds:.1f}s in all"
        ]
        out += [f"  {name}: {secs:.2f}s" for name, secs in self.steps.items()]
        out += [f"  {name}: {n:,}" for name, n in self.counts.items()]
        return out


@dataclass(frozen=True, slots=True)
class AnalyticsStatus:
    """How fresh the served results are.

    ``stale`` is true when the store's data version moved since the results were computed, or
    when there are no results yet.
    """

    run_id: str | None
    computed_at: datetime | None
    data_version: int | None
    store_version: int
    stale: bool
    refreshing: bool
    seconds: float | None = None
    steps: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class InfluenceView:
    score: float
    rank: int | None
    composite: float
    reach: int
    engagement: float
    engagers: int
    cascade: float
    cascade_depth: int
    cascade_people: int
    conversions: int
    inflated: bool
    explanation: str


def influence_view(scores: Mapping[str, Any]) -> InfluenceView | None:
    """The influence stored on a node by the last refresh, or None before any refresh."""
    if "influence" not in scores:
        return None
    return InfluenceView(
        score=float(scores["influence"]),
        rank=int(scores["influenceRank"]) if scores.get("influenceRank") is not None else None,
        composite=float(scores.get("influenceComposite", 0.0)),
        reach=int(scores.get("reach", 0)),
        engagement=float(scores.get("engagement", 0.0)),
        engagers=int(scores.get("engagers", 0)),
        cascade=float(scores.get("cascade", 0.0)),
        cascade_depth=int(scores.get("cascadeDepth", 0)),
        cascade_people=int(scores.get("cascadePeople", 0)),
        conversions=int(scores.get("conversions", 0)),
        inflated=bool(scores.get("inflated", False)),
        explanation=str(scores.get("influenceExplanation", "")),
    )


@dataclass(frozen=True, slots=True)
class AdvocacyView:
    score: float
    category: str  # promoter | passive | detractor
    explanation: str
    evidence: dict[str, float]


def advocacy_view(scores: Mapping[str, Any]) -> AdvocacyView | None:
    if "advocacy" not in scores:
        return None
    return AdvocacyView(
        score=float(scores["advocacy"]),
        category=str(scores.get("advocacyClass", "passive")),
        explanation=str(scores.get("advocacyExplanation", "")),
        evidence=dict(scores.get("advocacyEvidence") or {}),
    )


@dataclass(frozen=True, slots=True)
class RankedNode:
    """A node with the score it was ranked by (1-based rank)."""

    node: Node
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class PathHop:
    """One step of an advocacy path between two profiles.

    ``relationship``: FOLLOWS, ENGAGED or FOLLOWS_AND_ENGAGED. ``direction`` says how the
    FOLLOWS edge points: ``out`` (source follows target), ``in`` (target follows source),
    ``both``, or ``none`` for a pure engagement tie (replies, shares, mentions either way).
    """

    source: str
    target: str
    relationship: str
    direction: str
    strength: float


@dataclass(frozen=True, slots=True)
class AdvocacyPath:
    advocate: str  # Customer id (a promoter)
    profiles: tuple[str, ...]
    hops: tuple[PathHop, ...]
    strength: float


@dataclass(frozen=True, slots=True)
class SeedPlan:
    seeds: list[RankedNode]
    expected_spread: float
    method: str  # how the spread was estimated
    topic: str | None


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    kind: str
    at: datetime
    interaction: str
    actor_label: str | None
    actor_id: str | None
    severity: float
    influence: float
    responses: int
    negative_share: float | None
    message: str

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Alert:
        actor = d.get("actor") or {}
        return cls(
            id=str(d["id"]),
            kind=str(d["kind"]),
            at=parse_timestamp(str(d["at"])),
            interaction=str(d["interaction"]),
            actor_label=actor.get("label"),
            actor_id=actor.get("id"),
            severity=float(d.get("severity", 0.0)),
            influence=float(d.get("influence", 0.0)),
            responses=int(d.get("responses", 0)),
            negative_share=d.get("negativeShare"),
            message=str(d.get("message", "")),
        )


@dataclass(frozen=True, slots=True)
class CommunityPage:
    """A window of detected-community profiles (JSON dicts, see ``communities.profiles``)."""

    items: list[dict[str, Any]]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int
