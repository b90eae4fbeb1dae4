"""The graph's node types and their relationship connections (with edge properties).

Node types are built from store :class:`~graph_api.store.base.Node` records (``from_node``);
relationship fields go through the request's DataLoaders, so a page of parents costs one
``neighbours`` call per relationship, whatever the page size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graph_api.errors import PermissionDenied
from graph_api.model import LinkMethod as _LinkMethod
from graph_api.model import LinkStatus as _LinkStatus
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import (
    Condition,
    Direction,
    Hop,
    NodeQuery,
    NodeRef,
    Op,
    Page,
    PageRequest,
    Related,
)
from graph_api.store.base import Node as StoreNode
from schema.context import get_context
from schema.enums import InteractionKind, LinkMethod, LinkStatus, Platform
from schema.filters import InteractionFilter, InteractionOrder, build_query
from schema.ids import encode_global_id
from schema.types.common import (
    Connection,
    Edge,
    Node,
    PageInfo,
    build_connection,
    field,
    ts,
)

if TYPE_CHECKING:
    from schema.analytics import Advocacy, DetectedCommunity, InfluenceScore

__all__ = [
    "Actor",
    "Community",
    "CommunityConnection",
    "Customer",
    "CustomerConnection",
    "Interaction",
    "InteractionConnection",
    "Member",
    "Product",
    "ProductConnection",
    "Profile",
    "ProfileConnection",
    "Scored",
    "to_type",
]

_MAX_PROFILES_PER_CUSTOMER = 1_000  # for the contact history: every confirmed profile


async def _hops(
    info: Info[Any, Any],
    ref: NodeRef,
    rel: RelType,
    direction: Direction,
    window: tuple[int | None, str | None, int | None, str | None] | PageRequest,
    *,
    query: NodeQuery = NodeQuery(),
    edge: Sequence[Condition] = (),
) -> Page[Hop]:
    ctx = get_context(info)
    page = window if isinstance(window, PageRequest) else ctx.page_request(*window)
    loader = ctx.loaders.hops(rel, direction, query=query, edge=edge, page=page)
    return await loader.load(ref)


async def _one(info: Info[Any, Any], ref: NodeRef, rel: RelType, direction: Direction) -> Any:
    page = await _hops(info, ref, rel, direction, PageRequest(first=1))
    return to_type(page.items[0].node) if page.items else None


def _pii(info: Info[Any, Any], node: StoreNode, name: str) -> str | None:
    role = get_context(info).role
    if not role.sees_pii:  # also refused before execution; see schema.guards
        raise PermissionDenied(
            f"{node.label}.{name} is personal data: it needs the marketer or admin role; "
            f"your key has {role}"
        )
    value = node.props.get(name)
    return None if value is None else str(value)


def _status_edge(status: list[_LinkStatus] | None) -> tuple[Condition, ...]:
    if not status:
        return ()
    return (Condition("status", Op.IN, tuple(s.value for s in status)),)


def _interaction_query(
    info: Info[Any, Any], filter: InteractionFilter | None, order: InteractionOrder | None
) -> NodeQuery:
    role = get_context(info).role
    return build_query(filter, order, role, default_order="occurredAt", default_descending=True)


@strawberry.interface(description="A node carrying analytics scores written back by a refresh.")
class Scored:
    record: strawberry.Private[StoreNode]

    @field(description="Every analytics score of this node, as computed.")
    def scores(self) -> JSON:
        return cast("JSON", dict(self.record.scores))

    @field(description="One numeric score by name (e.g. influence); null if absent.")
    def score(self, name: str) -> float | None:
        value = self.record.scores.get(name)
        return float(value) if isinstance(value, int | float) else None


# --- nodes -------------------------------------------------------------------------------------


@strawberry.type(description="A person or organisation the brand sells to.")
class Customer(Node, Scored):
    external_id: str
    name: str
    segment: str | None
    lifetime_value: float | None
    created_at: datetime | None

    @classmethod
    def from_node(cls, node: StoreNode) -> Customer:
        p = node.props
        return cls(
            id=strawberry.ID(encode_global_id(node.label, node.id)),
            record=node,
            external_id=node.id,
            name=str(p.get("name", "")),
            segment=p.get("segment"),
            lifetime_value=p.get("lifetimeValue"),
            created_at=ts(p.get("createdAt")),
        )

    @field(description="Personal data: marketer or admin role only.")
    def email(self, info: Info[Any, Any]) -> str | None:
        return _pii(info, self.record, "email")

    @field(description="Personal data: marketer or admin role only.")
    def phone(self, info: Info[Any, Any]) -> str | None:
        return _pii(info, self.record, "phone")

    @field(description="Influence (0-100 percentile) and its components; null before a refresh.")
    def influence(
        self,
    ) -> Annotated[InfluenceScore, strawberry.lazy("schema.analytics")] | None:
        from schema.analytics import influence_of

        return influence_of(self.record)

    @field(description="The community detected around this node's profiles; null if none.")
    async def community(
        self, info: Info[Any, Any]
    ) -> Annotated[DetectedCommunity, strawberry.lazy("schema.analytics")] | None:
        from schema.analytics import community_of

        return await community_of(self.record, info)

    @field(description="Advocacy (-100..100), class and the evidence; null before a refresh.")
    def advocacy(self) -> Annotated[Advocacy, strawberry.lazy("schema.analytics")] | None:
        from schema.analytics import advocacy_of

        return advocacy_of(self.record)

    @field(description="Social profiles linked to the customer, with link quality.")
    async def profiles(
        self,
        info: Info[Any, Any],
        status: list[LinkStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProfileLinkConnection:
        page = await _hops(
            info,
            self.record.ref,
            RelType.HAS_PROFILE,
            Direction.OUT,
            (first, after, last, before),
            edge=_status_edge(status),
        )
        return build_connection(ProfileLinkConnection, page, ProfileLinkEdge.from_hop)

    @field(description="Communities the customer belongs to.")
    async def communities(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> MembershipConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.MEMBER_OF, Direction.OUT, window)
        return build_connection(MembershipConnection, page, MembershipEdge.from_hop)

    @field(description="Products bought: one edge per product (count, total amount).")
    async def purchases(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PurchaseConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.PURCHASED, Direction.OUT, window)
        return build_connection(PurchaseConnection, page, PurchaseEdge.from_hop)

    @field(description="Customers this customer referred.")
    async def referrals(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ReferralConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.REFERRED, Direction.OUT, window)
        return build_connection(ReferralConnection, page, ReferralEdge.from_hop)

    @field(description="Customers who referred this customer.")
    async def referred_by(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ReferralConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.REFERRED, Direction.IN, window)
        return build_connection(ReferralConnection, page, ReferralEdge.from_hop)

    @field(
        description="Every interaction of the customer and of their confirmed profiles, across "
        "channels; newest first unless ordered otherwise."
    )
    async def contact_history(
        self,
        info: Info[Any, Any],
        filter: InteractionFilter | None = None,
        order_by: InteractionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> InteractionConnection:
        ctx = get_context(info)
        window = ctx.page_request(first, after, last, before)
        confirmed = await _hops(
            info,
            self.record.ref,
            RelType.HAS_PROFILE,
            Direction.OUT,
            PageRequest(first=_MAX_PROFILES_PER_CUSTOMER),
            edge=(Condition("status", Op.EQ, _LinkStatus.CONFIRMED.value),),
        )
        actors = (self.record.ref, *(h.node.ref for h in confirmed.items))
        base = _interaction_query(info, filter, order_by)
        query = NodeQuery(
            conditions=base.conditions,
            related=(*base.related, Related(RelType.PERFORMED, Direction.IN, actors)),
            order_by=base.order_by,
            descending=base.descending,
        )
        page = await ctx.loaders.list_nodes(NodeLabel.INTERACTION, query, window)
        return build_connection(InteractionConnection, page, InteractionEdge.from_node)


@strawberry.type(description="A social account (x, instagram, a forum, a review site …).")
class Profile(Node, Scored):
    external_id: str
    platform: Platform
    handle: str
    display_name: str | None
    followers: int = strawberry.field(description="Declared followers: reach, not influence.")
    verified: bool
    created_at: datetime | None

    @classmethod
    def from_node(cls, node: StoreNode) -> Profile:
        p = node.props
        return cls(
            id=strawberry.ID(encode_global_id(node.label, node.id)),
            record=node,
            external_id=node.id,
            platform=Platform(p.get("platform", "other")),
            handle=str(p.get("handle", "")),
            display_name=p.get("displayName"),
            followers=int(p.get("followers", 0)),
            verified=bool(p.get("verified", False)),
            created_at=ts(p.get("createdAt")),
        )

    @field(description="Personal data: marketer or admin role only.")
    def email(self, info: Info[Any, Any]) -> str | None:
        return _pii(info, self.record, "email")

    @field(description="Personal data: marketer or admin role only.")
    def phone(self, info: Info[Any, Any]) -> str | None:
        return _pii(info, self.record, "phone")

    @field(description="Influence (0-100 percentile) and its components; null before a refresh.")
    def influence(
        self,
    ) -> Annotated[InfluenceScore, strawberry.lazy("schema.analytics")] | None:
        from schema.analytics import influence_of

        return influence_of(self.record)

    @field(description="The community detected around this node's profiles; null if none.")
    async def community(
        self, info: Info[Any, Any]
    ) -> Annotated[DetectedCommunity, strawberry.lazy("schema.analytics")] | None:
        from schema.analytics import community_of

        return await community_of(self.record, info)

    @field(description="Customers this profile is linked to (identity resolution).")
    async def customers(
        self,
        info: Info[Any, Any],
        status: list[LinkStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CustomerLinkConnection:
        page = await _hops(
            info,
            self.record.ref,
            RelType.HAS_PROFILE,
            Direction.IN,
            (first, after, last, before),
            edge=_status_edge(status),
        )
        return build_connection(CustomerLinkConnection, page, CustomerLinkEdge.from_hop)

    @strawberry.field
    async def communities(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> MembershipConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.MEMBER_OF, Direction.OUT, window)
        return build_connection(MembershipConnection, page, MembershipEdge.from_hop)

    @field(description="Profiles this profile follows.")
    async def follows(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> FollowConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.FOLLOWS, Direction.OUT, window)
        return build_connection(FollowConnection, page, FollowEdge.from_hop)

    @field(description="Profiles following this profile.")
    async def followed_by(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> FollowConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.FOLLOWS, Direction.IN, window)
        return build_connection(FollowConnection, page, FollowEdge.from_hop)

    @field(description="Interactions performed by this profile, newest first.")
    async def interactions(
        self,
        info: Info[Any, Any],
        filter: InteractionFilter | None = None,
        order_by: InteractionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> InteractionConnection:
        page = await _hops(
            info,
            self.record.ref,
            RelType.PERFORMED,
            Direction.OUT,
            (first, after, last, before),
            query=_interaction_query(info, filter, order_by),
        )
        return build_connection(InteractionConnection, page, InteractionEdge.from_hop)

    @field(description="Interactions that mention this profile, newest first.")
    async def mentioned_in(
        self,
        info: Info[Any, Any],
        filter: InteractionFilter | None = None,
        order_by: InteractionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> InteractionConnection:
        page = await _hops(
            info,
            self.record.ref,
            RelType.MENTIONS,
            Direction.IN,
            (first, after, last, before),
            query=_interaction_query(info, filter, order_by),
        )
        return build_connection(InteractionConnection, page, InteractionEdge.from_hop)


@strawberry.type(description="A community: a group, a forum, a hashtag crowd …")
class Community(Node, Scored):
    external_id: str
    name: str
    platform: Platform | None
    topic: str | None
    owned: bool = strawberry.field(description="Does the brand run it?")

    @classmethod
    def from_node(cls, node: StoreNode) -> Community:
        p = node.props
        platform = p.get("platform")
        return cls(
            id=strawberry.ID(encode_global_id(node.label, node.id)),
            record=node,
            external_id=node.id,
            name=str(p.get("name", "")),
            platform=Platform(platform) if platform else None,
            topic=p.get("topic"),
            owned=bool(p.get("owned", False)),
        )

    @field(description="Members: customers and profiles, with role and join date.")
    async def members(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> MemberConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.MEMBER_OF, Direction.IN, window)
        return build_connection(MemberConnection, page, MemberEdge.from_hop)

    @field(description="Interactions posted in this community, newest first.")
    async def interactions(
        self,
        info: Info[Any, Any],
        filter: InteractionFilter | None = None,
        order_by: InteractionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> InteractionConnection:
        page = await _hops(
            info,
            self.record.ref,
            RelType.IN,
            Direction.IN,
            (first, after, last, before),
            query=_interaction_query(info, filter, order_by),
        )
        return build_connection(InteractionConnection, page, InteractionEdge.from_hop)


@strawberry.type
class Product(Node, Scored):
    external_id: str
    name: str
    category: str | None
    price: float | None

    @classmethod
    def from_node(cls, node: StoreNode) -> Product:
        p = node.props
        return cls(
            id=strawberry.ID(encode_global_id(node.label, node.id)),
            record=node,
            external_id=node.id,
            name=str(p.get("name", "")),
            category=p.get("category"),
            price=p.get("price"),
        )

    @field(description="Customers who bought the product.")
    async def buyers(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> BuyerConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.PURCHASED, Direction.IN, window)
        return build_connection(BuyerConnection, page, BuyerEdge.from_hop)

    @field(description="Interactions about this product, newest first.")
    async def interactions(
        self,
        info: Info[Any, Any],
        filter: InteractionFilter | None = None,
        order_by: InteractionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> InteractionConnection:
        page = await _hops(
            info,
            self.record.ref,
            RelType.ABOUT,
            Direction.IN,
            (first, after, last, before),
            query=_interaction_query(info, filter, order_by),
        )
        return build_connection(InteractionConnection, page, InteractionEdge.from_hop)


@strawberry.type(description="One event: a post, reply, review, complaint, support case …")
class Interaction(Node, Scored):
    external_id: str
    kind: InteractionKind
    channel: str
    sentiment: float = strawberry.field(description="From -1 (negative) to 1 (positive).")
    text: str | None
    occurred_at: datetime

    @classmethod
    def from_node(cls, node: StoreNode) -> Interaction:
        p = node.props
        occurred = ts(p.get("occurredAt"))
        assert occurred is not None
        return cls(
            id=strawberry.ID(encode_global_id(node.label, node.id)),
            record=node,
            external_id=node.id,
            kind=InteractionKind(p.get("kind", "post")),
            channel=str(p.get("channel", "")),
            sentiment=float(p.get("sentiment", 0.0)),
            text=p.get("text"),
            occurred_at=occurred,
        )

    @field(description="Who performed it: a customer or one of their profiles.")
    async def actor(self, info: Info[Any, Any]) -> Actor | None:
        result: Actor | None = await _one(info, self.record.ref, RelType.PERFORMED, Direction.IN)
        return result

    @field(description="The products it is about.")
    async def about(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProductConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.ABOUT, Direction.OUT, window)
        return build_connection(ProductConnection, page, ProductEdge.from_hop)

    @field(description="The community it was posted in.")
    async def community(self, info: Info[Any, Any]) -> Community | None:
        result: Community | None = await _one(info, self.record.ref, RelType.IN, Direction.OUT)
        return result

    @field(description="Profiles it mentions.")
    async def mentions(
        self,
        info: Info[Any, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProfileConnection:
        window = (first, after, last, before)
        page = await _hops(info, self.record.ref, RelType.MENTIONS, Direction.OUT, window)
        return build_connection(ProfileConnection, page, ProfileEdge.from_hop)

    @field(description="The interaction this one answers or shares.")
    async def responds_to(self, info: Info[Any, Any]) -> Interaction | None:
        ref = self.record.ref
        result: Interaction | None = await _one(info, ref, RelType.RESPONDS_TO, Direction.OUT)
        return result

    @field(description="Replies and shares of this interaction (the cascade).")
    async def responses(
        self,
        info: Info[Any, Any],
        filter: InteractionFilter | None = None,
        order_by: InteractionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> InteractionConnection:
        page = await _hops(
            info,
            self.record.ref,
            RelType.RESPONDS_TO,
            Direction.IN,
            (first, after, last, before),
            query=_interaction_query(info, filter, order_by),
        )
        return build_connection(InteractionConnection, page, InteractionEdge.from_hop)


Actor = Annotated[Customer | Profile, strawberry.union("Actor")]
Member = Annotated[Customer | Profile, strawberry.union("Member")]

_TYPES: dict[NodeLabel, Any] = {
    NodeLabel.CUSTOMER: Customer,
    NodeLabel.PROFILE: Profile,
    NodeLabel.COMMUNITY: Community,
    NodeLabel.PRODUCT: Product,
    NodeLabel.INTERACTION: Interaction,
}


def to_type(node: StoreNode) -> Any:
    """The GraphQL object for a store node, by label."""
    return _TYPES[node.label].from_node(node)


# --- plain connections -------------------------------------------------------------------------


class _PlainEdge:
    """Edges that carry only their node: built from a store node or from a hop's far end."""

    @classmethod
    def from_node(cls, cursor: str, node: StoreNode) -> Any:
        return cls(cursor=cursor, node=to_type(node))  # type: ignore[call-arg]

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> Any:
        return cls.from_node(cursor, hop.node)


@strawberry.type
class CustomerEdge(_PlainEdge, Edge[Customer]):
    pass


@strawberry.type
class CustomerConnection(Connection[Customer, CustomerEdge]):
    pass


@strawberry.type
class ProfileEdge(_PlainEdge, Edge[Profile]):
    pass


@strawberry.type
class ProfileConnection(Connection[Profile, ProfileEdge]):
    pass


@strawberry.type
class CommunityEdge(_PlainEdge, Edge[Community]):
    pass


@strawberry.type
class CommunityConnection(Connection[Community, CommunityEdge]):
    pass


@strawberry.type
class ProductEdge(_PlainEdge, Edge[Product]):
    pass


@strawberry.type
class ProductConnection(Connection[Product, ProductEdge]):
    pass


@strawberry.type
class InteractionEdge(_PlainEdge, Edge[Interaction]):
    pass


@strawberry.type
class InteractionConnection(Connection[Interaction, InteractionEdge]):
    pass


# --- relationship connections (edges carry the relationship's properties) ------------------


def _link_props(hop: Hop) -> dict[str, Any]:
    p = hop.edge.props
    return {
        "confidence": float(p.get("confidence", 1.0)),
        "method": _LinkMethod(p.get("method", _LinkMethod.MANUAL.value)),
        "status": _LinkStatus(p.get("status", _LinkStatus.CONFIRMED.value)),
    }


@strawberry.type(description="HAS_PROFILE seen from the customer.")
class ProfileLinkEdge(Edge[Profile]):
    confidence: float = strawberry.field(description="How sure identity resolution is, 0..1.")
    method: LinkMethod
    status: LinkStatus

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> ProfileLinkEdge:
        return cls(cursor=cursor, node=Profile.from_node(hop.node), **_link_props(hop))


@strawberry.type
class ProfileLinkConnection(Connection[Profile, ProfileLinkEdge]):
    pass


@strawberry.type(description="HAS_PROFILE seen from the profile.")
class CustomerLinkEdge(Edge[Customer]):
    confidence: float
    method: LinkMethod
    status: LinkStatus

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> CustomerLinkEdge:
        return cls(cursor=cursor, node=Customer.from_node(hop.node), **_link_props(hop))


@strawberry.type
class CustomerLinkConnection(Connection[Customer, CustomerLinkEdge]):
    pass


@strawberry.type(description="MEMBER_OF seen from the member.")
class MembershipEdge(Edge[Community]):
    role: str | None
    joined_at: datetime | None

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> MembershipEdge:
        p = hop.edge.props
        return cls(
            cursor=cursor,
            node=Community.from_node(hop.node),
            role=p.get("role"),
            joined_at=ts(p.get("joinedAt")),
        )


@strawberry.type
class MembershipConnection(Connection[Community, MembershipEdge]):
    pass


@strawberry.type(description="MEMBER_OF seen from the community.")
class MemberEdge:
    cursor: str
    node: Member
    role: str | None
    joined_at: datetime | None

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> MemberEdge:
        p = hop.edge.props
        return cls(
            cursor=cursor,
            node=to_type(hop.node),
            role=p.get("role"),
            joined_at=ts(p.get("joinedAt")),
        )


@strawberry.type
class MemberConnection:
    edges: list[MemberEdge]
    nodes: list[Member]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="PURCHASED seen from the customer.")
class PurchaseEdge(Edge[Product]):
    at: datetime | None = strawberry.field(description="Latest purchase.")
    amount: float | None = strawberry.field(description="Total spent on the product.")
    count: int = strawberry.field(description="Number of purchases.")

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> PurchaseEdge:
        p = hop.edge.props
        return cls(
            cursor=cursor,
            node=Product.from_node(hop.node),
            at=ts(p.get("at")),
            amount=p.get("amount"),
            count=int(p.get("count", 1)),
        )


@strawberry.type
class PurchaseConnection(Connection[Product, PurchaseEdge]):
    pass


@strawberry.type(description="PURCHASED seen from the product.")
class BuyerEdge(Edge[Customer]):
    at: datetime | None
    amount: float | None
    count: int

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> BuyerEdge:
        p = hop.edge.props
        return cls(
            cursor=cursor,
            node=Customer.from_node(hop.node),
            at=ts(p.get("at")),
            amount=p.get("amount"),
            count=int(p.get("count", 1)),
        )


@strawberry.type
class BuyerConnection(Connection[Customer, BuyerEdge]):
    pass


@strawberry.type(description="FOLLOWS (either direction).")
class FollowEdge(Edge[Profile]):
    since: datetime | None

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> FollowEdge:
        since = ts(hop.edge.props.get("since"))
        return cls(cursor=cursor, node=Profile.from_node(hop.node), since=since)


@strawberry.type
class FollowConnection(Connection[Profile, FollowEdge]):
    pass


@strawberry.type(description="REFERRED (either direction).")
class ReferralEdge(Edge[Customer]):
    at: datetime | None
    converted: bool = strawberry.field(description="Did the referred person buy?")

    @classmethod
    def from_hop(cls, cursor: str, hop: Hop) -> ReferralEdge:
        p = hop.edge.props
        return cls(
            cursor=cursor,
            node=Customer.from_node(hop.node),
            at=ts(p.get("at")),
            converted=bool(p.get("converted", False)),
        )


@strawberry.type
class ReferralConnection(Connection[Customer, ReferralEdge]):
    pass
