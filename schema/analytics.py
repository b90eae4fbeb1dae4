"""GraphQL analytics: influence, advocacy, advocacy paths, campaign seeds, communities, alerts.

Composed into the schema by :mod:`schema.build` (``AnalyticsQueries`` in ``QUERY_AREAS``,
``AnalyticsMutations`` in ``MUTATION_AREAS``). The per-node fields (``influence``, ``advocacy``,
``community`` of Customer and Profile) are the functions :func:`influence_of`,
:func:`advocacy_of` and :func:`community_of`, which the node types call.

Roles: scores on a node (influence, advocacy, community) are readable by every role, like the
``scores`` field they come from; the analytics queries (rankings, paths, seeds, communities,
alerts) need ``analyst``; ``analyticsStatus`` is open to all (a frontend shows freshness);
``refreshAnalytics`` needs ``admin``. Every resolver reads results a refresh wrote: none runs a
full algorithm.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph_api.analytics import (
    AdvocacyPath,
    Alert,
    AnalyticsService,
    AnalyticsStatus,
    RankedNode,
    advocacy_view,
    influence_view,
    service_for,
)
from graph_api.config import Role
from graph_api.errors import InvalidInput, NotFound, Problem
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import (
    Condition,
    Direction,
    NodeQuery,
    NodeRef,
    Op,
    PageRequest,
    Related,
)
from graph_api.store.base import Node as StoreNode
from schema.context import get_context, require_role
from schema.ids import resolve_ref
from schema.types.common import PageInfo, build_connection, field, mutation
from schema.types.graph import (
    Community,
    Customer,
    Interaction,
    Product,
    Profile,
    ProfileConnection,
    ProfileEdge,
    to_type,
)

__all__ = [
    "Advocacy",
    "AdvocacyClass",
    "AnalyticsMutations",
    "AnalyticsQueries",
    "DetectedCommunity",
    "InfluenceScore",
    "advocacy_of",
    "community_of",
    "influence_of",
]

_EVIDENCE_KINDS = ("praise", "review", "complaint", "support_case")


def _service(info: Info[Any, Any]) -> AnalyticsService:
    return service_for(get_context(info).store)


def _analyst(info: Info[Any, Any], action: str) -> None:
    require_role(info, Role.ANALYST, action)


async def _profiles(info: Info[Any, Any], ids: list[str]) -> list[Profile]:
    loaders = get_context(info).loaders
    out = []
    for pid in ids:
        node = await loaders.get(NodeRef(NodeLabel.PROFILE, pid))
        if node is not None:
            out.append(Profile.from_node(node))
    return out


async def _node(info: Info[Any, Any], label: NodeLabel, node_id: str | None) -> Any:
    if node_id is None:
        return None
    node = await get_context(info).loaders.get(NodeRef(label, node_id))
    return None if node is None else to_type(node)


# --- influence ---------------------------------------------------------------------------------


@strawberry.type(description="Influence: a 0-100 percentile and the components it is made of.")
class InfluenceScore:
    score: float = strawberry.field(description="Percentile of the composite among all actors.")
    rank: int | None = strawberry.field(description="1 = most influential; ties share a rank.")
    composite: float = strawberry.field(description="Weighted engagement, cascade, conversions.")
    reach: int = strawberry.field(description="Declared followers: reported, never influence.")
    engagement: float = strawberry.field(description="Engagement PageRank (time-decayed).")
    engagers: int = strawberry.field(description="People who engaged with the actor's content.")
    cascade: float = strawberry.field(description="How far the actor's interactions travel.")
    cascade_depth: int
    cascade_people: int
    conversions: int = strawberry.field(description="Converted referrals credited.")
    inflated: bool = strawberry.field(description="High reach, low influence.")
    explanation: str


def influence_of(record: StoreNode) -> InfluenceScore | None:
    """The ``influence`` field of Profile and Customer (null before the first refresh)."""
    v = influence_view(record.scores)
    if v is None:
        return None
    return InfluenceScore(
        score=v.score,
        rank=v.rank,
        composite=v.composite,
        reach=v.reach,
        engagement=v.engagement,
        engagers=v.engagers,
        cascade=v.cascade,
        cascade_depth=v.cascade_depth,
        cascade_people=v.cascade_people,
        conversions=v.conversions,
        inflated=v.inflated,
        explanation=v.explanation,
    )


# --- advocacy ----------------------------------------------------------------------------------


@strawberry.enum(description="Net-promoter style class of a customer's advocacy.")
class AdvocacyClass(Enum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


@strawberry.type(description="The counts an advocacy score was computed from.")
class AdvocacyCounts:
    praise: int
    reviews: int
    review_sentiment: float
    referrals: int
    converted_referrals: int
    purchases: int
    repeat_purchases: int
    complaints: int
    support_cases: int
    sentiment: float = strawberry.field(description="Mean sentiment, shrunk for small samples.")


@strawberry.type(description="A referral made by the customer.")
class AdvocacyReferral:
    customer: Customer
    converted: bool
    at: datetime | None


@strawberry.type(description="Advocacy: -100..100 from what a customer said and did.")
class Advocacy:
    customer_id: strawberry.Private[str]
    score: float
    category: AdvocacyClass = strawberry.field(name="class")
    explanation: str
    counts: AdvocacyCounts

    @field(
        description="The interactions that count (praise, review, complaint, support case) "
        "by the customer or their confirmed profiles, newest first."
    )
    async def interactions(self, info: Info[Any, Any], first: int = 20) -> list[Interaction]:
        ctx = get_context(info)
        window = ctx.page_request(first=first)
        me = NodeRef(NodeLabel.CUSTOMER, self.customer_id)
        linked = await ctx.store.neighbours(
            [me],
            RelType.HAS_PROFILE,
            Direction.OUT,
            edge=(Condition("status", Op.EQ, "confirmed"),),
            page=PageRequest(first=1000),
        )
        actors = (me, *(h.node.ref for h in linked[me].items))
        page = await ctx.store.list_nodes(
            NodeLabel.INTERACTION,
            NodeQuery(
                conditions=(Condition("kind", Op.IN, _EVIDENCE_KINDS),),
                related=(Related(RelType.PERFORMED, Direction.IN, actors),),
                order_by="occurredAt",
                descending=True,
            ),
            window,
        )
        return [Interaction.from_node(n) for n in page.items]

    @field(description="The people the customer referred, and whether they bought.")
    async def referrals(self, info: Info[Any, Any], first: int = 20) -> list[AdvocacyReferral]:
        ctx = get_context(info)
        me = NodeRef(NodeLabel.CUSTOMER, self.customer_id)
        hops = await ctx.store.neighbours(
            [me], RelType.REFERRED, Direction.OUT, page=ctx.page_request(first=first)
        )
        out = []
        for hop in hops[me].items:
            at = hop.edge.props.get("at")
            out.append(
                AdvocacyReferral(
                    customer=Customer.from_node(hop.node),
                    converted=bool(hop.edge.props.get("converted", False)),
                    at=datetime.fromisoformat(str(at).replace("Z", "+00:00")) if at else None,
                )
            )
        return out


def advocacy_of(record: StoreNode) -> Advocacy | None:
    """The ``advocacy`` field of Customer (null before the first refresh)."""
    v = advocacy_view(record.scores)
    if v is None:
        return None
    e = v.evidence
    return Advocacy(
        customer_id=record.id,
        score=v.score,
        category=AdvocacyClass(v.category),
        explanation=v.explanation,
        counts=AdvocacyCounts(
            praise=int(e.get("praise", 0)),
            reviews=int(e.get("reviews", 0)),
            review_sentiment=float(e.get("reviewSentiment", 0.0)),
            referrals=int(e.get("referrals", 0)),
            converted_referrals=int(e.get("convertedReferrals", 0)),
            purchases=int(e.get("purchases", 0)),
            repeat_purchases=int(e.get("repeatPurchases", 0)),
            complaints=int(e.get("complaints", 0)),
            support_cases=int(e.get("supportCases", 0)),
            sentiment=float(e.get("sentiment", 0.0)),
        ),
    )


# --- rankings ----------------------------------------------------------------------------------


@strawberry.type(description="A profile in a ranking, with the score it was ranked by.")
class RankedProfile:
    rank: int
    score: float
    profile: Profile


@strawberry.type(description="A customer in a ranking, with the score it was ranked by.")
class RankedCustomer:
    rank: int
    score: float
    customer: Customer


def _ranked_profiles(items: list[RankedNode]) -> list[RankedProfile]:
    return [
        RankedProfile(rank=r.rank, score=r.score, profile=Profile.from_node(r.node)) for r in items
    ]


# --- paths -------------------------------------------------------------------------------------


@strawberry.enum(description="The kind of social tie a path hop follows.")
class SocialRelationship(Enum):
    FOLLOWS = "FOLLOWS"
    ENGAGED = "ENGAGED"
    FOLLOWS_AND_ENGAGED = "FOLLOWS_AND_ENGAGED"


@strawberry.enum(description="How the FOLLOWS edge of a hop points.")
class FollowDirection(Enum):
    OUT = "out"
    IN = "in"
    BOTH = "both"
    NONE = "none"


@strawberry.type(description="One step of an advocacy path.")
class AdvocacyHop:
    source_id: strawberry.Private[str]
    target_id: strawberry.Private[str]
    relationship: SocialRelationship
    direction: FollowDirection = strawberry.field(
        description="OUT: from follows to; IN: to follows from; NONE: engagement only."
    )
    strength: float = strawberry.field(description="Tie strength in (0, 1).")

    @field(name="from")
    async def source(self, info: Info[Any, Any]) -> Profile | None:
        return await _node(info, NodeLabel.PROFILE, self.source_id)  # type: ignore[no-any-return]

    @field(name="to")
    async def target(self, info: Info[Any, Any]) -> Profile | None:
        return await _node(info, NodeLabel.PROFILE, self.target_id)  # type: ignore[no-any-return]


@strawberry.type(description="A path from a promoter to the target over social ties.")
class AdvocacyPathResult:
    advocate_id: strawberry.Private[str]
    profile_ids: strawberry.Private[list[str]]
    strength: float = strawberry.field(description="Product of the hops' strengths.")
    hops: list[AdvocacyHop]

    @field(description="The promoter the path starts from.")
    async def advocate(self, info: Info[Any, Any]) -> Customer | None:
        return await _node(info, NodeLabel.CUSTOMER, self.advocate_id or None)  # type: ignore[no-any-return]

    @field(description="The profiles along the path, advocate's first.")
    async def profiles(self, info: Info[Any, Any]) -> list[Profile]:
        return await _profiles(info, self.profile_ids)


def _path(p: AdvocacyPath) -> AdvocacyPathResult:
    return AdvocacyPathResult(
        advocate_id=p.advocate,
        profile_ids=list(p.profiles),
        strength=p.strength,
        hops=[
            AdvocacyHop(
                source_id=h.source,
                target_id=h.target,
                relationship=SocialRelationship(h.relationship),
                direction=FollowDirection(h.direction),
                strength=h.strength,
            )
            for h in p.hops
        ],
    )


# --- seeds -------------------------------------------------------------------------------------


@strawberry.type(description="Campaign seeds and their joint expected spread.")
class CampaignSeeds:
    seeds: list[Profile] = strawberry.field(description="In the order greedy picked them.")
    expected_spread: float = strawberry.field(
        description="Expected people reached by the seeds jointly (independent cascade)."
    )
    method: str = strawberry.field(description="How seeds and spread were estimated.")
    topic: str | None


# --- communities -------------------------------------------------------------------------------


@strawberry.type(description="A member with ties into other communities.")
class CommunityBridge:
    profile_id: strawberry.Private[str]
    external_edges: int
    communities_reached: int
    participation: float

    @field()
    async def profile(self, info: Info[Any, Any]) -> Profile | None:
        return await _node(info, NodeLabel.PROFILE, self.profile_id)  # type: ignore[no-any-return]


@strawberry.type(description="A product the community talks about or buys, with its weight.")
class DominantProduct:
    product_id: strawberry.Private[str]
    weight: int

    @field()
    async def product(self, info: Info[Any, Any]) -> Product | None:
        return await _node(info, NodeLabel.PRODUCT, self.product_id)  # type: ignore[no-any-return]


@strawberry.type(description="How much a detected community overlaps a declared one.")
class CommunityOverlap:
    community_id: strawberry.Private[str]
    shared: int
    jaccard: float

    @field(description="The declared community.")
    async def community(self, info: Info[Any, Any]) -> Community | None:
        ref = NodeRef(NodeLabel.COMMUNITY, self.community_id)
        node = await get_context(info).loaders.get(ref)
        return None if node is None else Community.from_node(node)


@strawberry.type(description="A community detected in the social graph (Louvain, connected).")
class DetectedCommunity:
    id: strawberry.ID = strawberry.field(description="Stable while its smallest member stays.")
    size: int
    customers: int
    cohesion: float = strawberry.field(description="Share of the members' ties inside.")
    density: float
    internal_edges: int
    boundary_edges: int
    mean_sentiment: float | None
    mean_advocacy: float | None
    top_influencer_ids: strawberry.Private[list[str]]
    bridges: list[CommunityBridge]
    dominant_products: list[DominantProduct]
    declared_overlap: list[CommunityOverlap]

    @field(description="The most influential members.")
    async def top_influencers(self, info: Info[Any, Any]) -> list[Profile]:
        return await _profiles(info, self.top_influencer_ids)

    @field(description="Member profiles, most influential first.")
    async def members(
        self, info: Info[Any, Any], first: int | None = None, after: str | None = None
    ) -> ProfileConnection:
        ctx = get_context(info)
        page = await _service(info).community_members(
            str(self.id), NodeLabel.PROFILE, ctx.page_request(first=first, after=after)
        )
        return build_connection(ProfileConnection, page, ProfileEdge.from_node)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DetectedCommunity:
        return cls(
            id=strawberry.ID(str(d["id"])),
            size=int(d["size"]),
            customers=int(d.get("customers", 0)),
            cohesion=float(d.get("cohesion", 0.0)),
            density=float(d.get("density", 0.0)),
            internal_edges=int(d.get("internalEdges", 0)),
            boundary_edges=int(d.get("boundaryEdges", 0)),
            mean_sentiment=d.get("meanSentiment"),
            mean_advocacy=d.get("meanAdvocacy"),
            top_influencer_ids=[str(p) for p in d.get("topInfluencers", [])],
            bridges=[
                CommunityBridge(
                    profile_id=str(b["profile"]),
                    external_edges=int(b["externalEdges"]),
                    communities_reached=int(b["communitiesReached"]),
                    participation=float(b["participation"]),
                )
                for b in d.get("bridges", [])
            ],
            dominant_products=[
                DominantProduct(product_id=str(p["product"]), weight=int(p["weight"]))
                for p in d.get("dominantProducts", [])
            ],
            declared_overlap=[
                CommunityOverlap(
                    community_id=str(o["community"]),
                    shared=int(o["shared"]),
                    jaccard=float(o["jaccard"]),
                )
                for o in d.get("declaredOverlap", [])
            ],
        )


@strawberry.type
class DetectedCommunityEdge:
    cursor: str
    node: DetectedCommunity


@strawberry.type
class DetectedCommunityConnection:
    edges: list[DetectedCommunityEdge]
    nodes: list[DetectedCommunity]
    page_info: PageInfo
    total_count: int


async def community_of(record: StoreNode, info: Info[Any, Any]) -> DetectedCommunity | None:
    """The ``community`` field of Profile and Customer: its detected community, if any."""
    cid = record.scores.get("community")
    if cid is None:
        return None
    found = await _service(info).community(str(cid))
    return None if found is None else DetectedCommunity.from_json(found)


# --- alerts and status -------------------------------------------------------------------------


@strawberry.enum(description="What an alert is about.")
class AlertKind(Enum):
    NEGATIVE_BY_INFLUENCER = "NEGATIVE_BY_INFLUENCER"
    NEGATIVE_CASCADE = "NEGATIVE_CASCADE"


@strawberry.type(description="A negative moment of truth to act on.")
class AnalyticsAlert:
    id: strawberry.ID
    kind: AlertKind
    at: datetime
    severity: float = strawberry.field(description="0..1")
    influence: float = strawberry.field(description="Influence of the actor (0-100).")
    responses: int
    negative_share: float | None
    message: str
    interaction_id: strawberry.Private[str]
    actor_ref: strawberry.Private[NodeRef | None]

    @field()
    async def interaction(self, info: Info[Any, Any]) -> Interaction | None:
        return await _node(info, NodeLabel.INTERACTION, self.interaction_id)  # type: ignore[no-any-return]

    @field(description="The Profile or Customer who performed the interaction.")
    async def actor(self, info: Info[Any, Any]) -> JSON | None:
        ref = self.actor_ref
        return None if ref is None else cast("JSON", {"label": ref.label.value, "id": ref.id})

    @classmethod
    def from_alert(cls, a: Alert) -> AnalyticsAlert:
        ref = (
            NodeRef(NodeLabel(a.actor_label), a.actor_id) if a.actor_label and a.actor_id else None
        )
        return cls(
            id=strawberry.ID(a.id),
            kind=AlertKind(a.kind),
            at=a.at,
            severity=a.severity,
            influence=a.influence,
            responses=a.responses,
            negative_share=a.negative_share,
            message=a.message,
            interaction_id=a.interaction,
            actor_ref=ref,
        )


@strawberry.type(description="Seconds one refresh step took.")
class StepTiming:
    step: str
    seconds: float


@strawberry.type(description="How fresh the analytics are.")
class AnalyticsStatusInfo:
    run_id: str | None
    computed_at: datetime | None
    data_version: int | None = strawberry.field(description="The data version computed from.")
    store_version: int = strawberry.field(description="The store's data version now.")
    stale: bool = strawberry.field(description="Data changed since (or no results yet).")
    refreshing: bool
    seconds: float | None
    steps: list[StepTiming]
    counts: JSON
    last_error: str | None

    @classmethod
    def from_status(cls, s: AnalyticsStatus) -> AnalyticsStatusInfo:
        return cls(
            run_id=s.run_id,
            computed_at=s.computed_at,
            data_version=s.data_version,
            store_version=s.store_version,
            stale=s.stale,
            refreshing=s.refreshing,
            seconds=s.seconds,
            steps=[StepTiming(step=k, seconds=v) for k, v in s.steps.items()],
            counts=s.counts,  # type: ignore[arg-type]
            last_error=s.last_error,
        )


# --- root fields -------------------------------------------------------------------------------


def _community_arg(value: str | None) -> str | None:
    """A declared Community (global or external id) or a detected community id (``dc-…``)."""
    if value is None or value.startswith("dc-"):
        return value
    return resolve_ref(value, NodeLabel.COMMUNITY, field="community").id


def _path_target(value: str) -> NodeRef | str:
    if value.startswith("dc-"):
        return value
    return resolve_ref(
        value, (NodeLabel.CUSTOMER, NodeLabel.PROFILE, NodeLabel.COMMUNITY), field="target"
    )


@strawberry.type
class AnalyticsQueries:
    @field(description="Most influential profiles, overall or around a topic/product/community.")
    async def influencers(
        self,
        info: Info[Any, Any],
        topic: str | None = None,
        product: strawberry.ID | None = None,
        community: strawberry.ID | None = None,
        first: int = 20,
        exclude_inflated: bool = False,
    ) -> list[RankedProfile]:
        _analyst(info, "influencers")
        get_context(info).page_request(first=first)  # the page-size limit
        items = await _service(info).influencers(
            topic=topic,
            product=resolve_ref(product, NodeLabel.PRODUCT, field="product").id
            if product
            else None,
            community=_community_arg(community),
            first=first,
            exclude_inflated=exclude_inflated,
        )
        return _ranked_profiles(items)

    @field(description="Customers with the highest advocacy, overall or per product/community.")
    async def advocates(
        self,
        info: Info[Any, Any],
        product: strawberry.ID | None = None,
        community: strawberry.ID | None = None,
        first: int = 20,
    ) -> list[RankedCustomer]:
        _analyst(info, "advocates")
        get_context(info).page_request(first=first)
        items = await _service(info).advocates(
            product=resolve_ref(product, NodeLabel.PRODUCT, field="product").id
            if product
            else None,
            community=_community_arg(community),
            first=first,
        )
        return [
            RankedCustomer(rank=r.rank, score=r.score, customer=Customer.from_node(r.node))
            for r in items
        ]

    @field(
        description="The k strongest paths from promoters to a Customer, Profile, Community "
        "(global id) or detected community (dc-…), at most maxHops long."
    )
    async def advocacy_paths(
        self, info: Info[Any, Any], target: strawberry.ID, k: int = 5, max_hops: int = 4
    ) -> list[AdvocacyPathResult]:
        _analyst(info, "advocacyPaths")
        paths = await _service(info).advocacy_paths(_path_target(target), k=k, max_hops=max_hops)
        return [_path(p) for p in paths]

    @field(description="k seed profiles with the largest joint expected spread.")
    async def campaign_seeds(
        self, info: Info[Any, Any], k: int = 20, topic: str | None = None
    ) -> CampaignSeeds:
        _analyst(info, "campaignSeeds")
        plan = await _service(info).campaign_seeds(k, topic)
        return CampaignSeeds(
            seeds=[Profile.from_node(r.node) for r in plan.seeds],
            expected_spread=plan.expected_spread,
            method=plan.method,
            topic=plan.topic,
        )

    @field(
        description="Communities detected in the social graph, largest first (the declared "
        "ones are `communities`)."
    )
    async def detected_communities(
        self, info: Info[Any, Any], first: int | None = None, after: str | None = None
    ) -> DetectedCommunityConnection:
        _analyst(info, "detectedCommunities")
        window = get_context(info).page_request(first=first, after=after)
        page = await _service(info).communities(window.first or 20, after)
        edges = [
            DetectedCommunityEdge(cursor=c, node=DetectedCommunity.from_json(item))
            for c, item in zip(page.cursors, page.items, strict=True)
        ]
        return DetectedCommunityConnection(
            edges=edges,
            nodes=[e.node for e in edges],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            total_count=page.total_count,
        )

    @field(description="One detected community by id (dc-…).")
    async def detected_community(
        self, info: Info[Any, Any], id: strawberry.ID
    ) -> DetectedCommunity:
        _analyst(info, "detectedCommunity")
        found = await _service(info).community(str(id))
        if found is None:
            raise NotFound(f"no detected community {id!r}")
        return DetectedCommunity.from_json(found)

    @field(description="Alerts on negative moments of truth, newest first.")
    async def alerts(
        self, info: Info[Any, Any], since: datetime | None = None, first: int = 20
    ) -> list[AnalyticsAlert]:
        _analyst(info, "alerts")
        get_context(info).page_request(first=first)
        if since is not None and since.tzinfo is None:
            reason = "give a timezone, e.g. 2024-05-01T00:00:00Z"
            raise InvalidInput(reason, [Problem("", "since", reason)])
        return [AnalyticsAlert.from_alert(a) for a in await _service(info).alerts(since, first)]

    @field(description="How fresh the analytics are (computed when, from which data version).")
    async def analytics_status(self, info: Info[Any, Any]) -> AnalyticsStatusInfo:
        get_context(info).role  # noqa: B018 - authenticated callers only
        return AnalyticsStatusInfo.from_status(await _service(info).status())


@strawberry.type(description="What refreshAnalytics did.")
class RefreshAnalyticsResult:
    started: bool = strawberry.field(description="False when a refresh was already running.")
    status: AnalyticsStatusInfo


@strawberry.type
class AnalyticsMutations:
    @mutation(
        description="Recompute the analytics (admin). By default starts a refresh in the "
        "background and returns at once; wait: true returns when it is done."
    )
    async def refresh_analytics(
        self, info: Info[Any, Any], wait: bool = False
    ) -> RefreshAnalyticsResult:
        require_role(info, Role.ADMIN, "refreshAnalytics")
        service = _service(info)
        if wait:
            await service.refresh()
            started = True
        else:
            started = service.trigger_refresh()
        return RefreshAnalyticsResult(
            started=started, status=AnalyticsStatusInfo.from_status(await service.status())
        )
