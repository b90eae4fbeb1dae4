"""Mutations: upserts, interactions, identity-link review, erasure.

Every input is validated through the domain's pydantic models before anything is written;
all problems of one call are reported together (path + field + reason) and one call is one
``store.upsert`` transaction, so a failed mutation changes nothing. Relationships listed in
an input are added or updated; relationships not listed are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel, ValidationError
from strawberry.types import Info

from graph_api import model
from graph_api.config import Role
from graph_api.errors import InvalidInput, LimitExceeded, NotFound, Problem
from graph_api.model import NodeLabel, RelType, edge_props, node_props
from graph_api.store.base import (
    Condition,
    Direction,
    EdgeWrite,
    NodeQuery,
    NodeRef,
    NodeWrite,
    Op,
    PageRequest,
)
from schema.context import get_context, require_role
from schema.enums import InteractionKind, LinkMethod, LinkStatus, Platform
from schema.ids import resolve_ref
from schema.types.common import mutation
from schema.types.graph import Community, Customer, Interaction, Product, Profile, to_type

__all__ = ["MAX_BATCH", "GraphMutations"]

MAX_BATCH = 1_000
"""Items per mutation call; larger loads belong to the loaders (``graph-api load``)."""

M = TypeVar("M", bound=BaseModel)
_C, _P, _G, _D, _I = (
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)


# --- inputs ------------------------------------------------------------------------------------


@strawberry.input(description="MEMBER_OF: the member joins a community (global or external id).")
class MembershipInput:
    community: strawberry.ID
    role: str | None = None
    joined_at: datetime | None = None


@strawberry.input(description="PURCHASED: one edge per product; count and total amount.")
class PurchaseInput:
    product: strawberry.ID
    at: datetime | None = None
    amount: float | None = None
    count: int | None = None


@strawberry.input(description="REFERRED: this customer referred another one.")
class ReferralInput:
    customer: strawberry.ID
    at: datetime | None = None
    converted: bool | None = None


@strawberry.input
class CustomerInput:
    id: str = strawberry.field(description="The external id (from the source system).")
    name: str
    email: str | None = None
    phone: str | None = None
    segment: str | None = None
    lifetime_value: float | None = None
    created_at: datetime | None = None
    member_of: list[MembershipInput] | None = None
    purchases: list[PurchaseInput] | None = None
    referred: list[ReferralInput] | None = None


@strawberry.input(description="HAS_PROFILE: link the profile to a customer.")
class ProfileLinkInput:
    customer: strawberry.ID
    confidence: float | None = None
    method: LinkMethod | None = None
    status: LinkStatus | None = None


@strawberry.input(description="FOLLOWS: this profile follows another one.")
class FollowInput:
    profile: strawberry.ID
    since: datetime | None = None


@strawberry.input
class ProfileInput:
    id: str = strawberry.field(description="The external id (from the source system).")
    platform: Platform
    handle: str
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None
    followers: int | None = None
    verified: bool | None = None
    created_at: datetime | None = None
    customers: list[ProfileLinkInput] | None = None
    member_of: list[MembershipInput] | None = None
    follows: list[FollowInput] | None = None


@strawberry.input
class CommunityInput:
    id: str
    name: str
    platform: Platform | None = None
    topic: str | None = None
    owned: bool | None = None


@strawberry.input
class ProductInput:
    id: str
    name: str
    category: str | None = None
    price: float | None = None


@strawberry.input(description="An interaction with everything it touches.")
class InteractionInput:
    id: str
    kind: InteractionKind
    channel: str
    occurred_at: datetime
    actor: strawberry.ID = strawberry.field(
        description="Global id of the customer or profile that performed it."
    )
    sentiment: float | None = None
    text: str | None = None
    about: list[strawberry.ID] | None = strawberry.field(default=None, description="Products.")
    in_: strawberry.ID | None = strawberry.field(default=None, name="in", description="Community.")
    mentions: list[strawberry.ID] | None = strawberry.field(default=None, description="Profiles.")
    responds_to: strawberry.ID | None = strawberry.field(
        default=None, description="The interaction it answers or shares."
    )


# --- payloads ----------------------------------------------------------------------------------


@strawberry.type(description="A reviewed identity link (HAS_PROFILE).")
class ProfileLinkPayload:
    customer: Customer
    profile: Profile
    confidence: float
    method: LinkMethod
    status: LinkStatus


@strawberry.type
class LabelCount:
    label: str
    count: int


@strawberry.type(description="What an erasure removed.")
class ErasurePayload:
    customer_id: str
    nodes_deleted: list[LabelCount]
    relationships_deleted: int
    data_version: int


# --- validation --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # enums
    return value


class _Batch:
    """Collects validated writes and every problem found, for one mutation call."""

    def __init__(self) -> None:
        self.nodes: list[NodeWrite] = []
        self.edges: list[EdgeWrite] = []
        self.problems: list[Problem] = []

    def record(self, cls: type[M], data: dict[str, Any], where: str) -> M | None:
        fields = {k: _plain(v) for k, v in data.items() if v is not None}
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(record)"
                reason = str(err["msg"]).removeprefix("Value error, ")
                self.problems.append(Problem(where, field, reason))
            return None

    def node(self, cls: type[model.NodeModel], data: dict[str, Any], where: str) -> NodeRef:
        record = self.record(cls, data, where)
        if record is not None:
            self.nodes.append(NodeWrite(cls.label, record.id, node_props(record)))
        return NodeRef(cls.label, str(data.get("id", "")).strip())

    def ref(
        self, value: str | None, labels: NodeLabel | tuple[NodeLabel, ...], where: str
    ) -> NodeRef | None:
        if value is None:
            return None
        try:
            return resolve_ref(str(value), labels, field=where)
        except InvalidInput as exc:
            self.problems.extend(Problem("", where, p.reason) for p in exc.problems)
            return None

    def edge(
        self,
        rel: RelType,
        src: NodeRef | None,
        dst: NodeRef | None,
        data: dict[str, Any],
        where: str,
    ) -> None:
        props = self.record(model.EDGE_MODELS[rel], data, where)
        if src is not None and dst is not None and props is not None:
            self.edges.append(EdgeWrite(rel, src, dst, edge_props(props)))

    def check(self) -> None:
        if self.problems:
            first = self.problems[0]
            path = ".".join(p for p in (first.where, first.field) if p)
            more = len(self.problems) - 1
            tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
            raise InvalidInput(f"invalid input at {path}: {first.reason}{tail}", self.problems)


def _check_size(name: str, items: Sequence[Any]) -> None:
    if len(items) > MAX_BATCH:
        raise LimitExceeded(f"{name}: {len(items)} items is over the batch limit of {MAX_BATCH}")


async def _write(
    info: Info[Any, Any], batch: _Batch, label: NodeLabel, ids: list[str]
) -> list[Any]:
    batch.check()
    ctx = get_context(info)
    await ctx.store.upsert(batch.nodes, batch.edges)
    found = await ctx.store.get_nodes(label, ids)
    return [to_type(found[i]) for i in ids if i in found]


def _each(
    name: str, items: Sequence[Any], fn: Callable[[_Batch, Any, str], NodeRef]
) -> tuple[_Batch, list[str]]:
    _check_size(name, items)
    batch = _Batch()
    ids = [fn(batch, item, f"{name}[{n}]").id for n, item in enumerate(items)]
    return batch, list(dict.fromkeys(ids))


def _customer(batch: _Batch, c: CustomerInput, where: str) -> NodeRef:
    ref = batch.node(
        model.Customer,
        {
            "id": c.id,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "segment": c.segment,
            "lifetimeValue": c.lifetime_value,
            "createdAt": c.created_at,
        },
        where,
    )
    _memberships(batch, ref, c.member_of, where)
    for n, p in enumerate(c.purchases or []):
        w = f"{where}.purchases[{n}]"
        dst = batch.ref(p.product, _D, f"{w}.product")
        data = {"at": p.at, "amount": p.amount, "count": p.count}
        batch.edge(RelType.PURCHASED, ref, dst, data, w)
    for n, r in enumerate(c.referred or []):
        w = f"{where}.referred[{n}]"
        dst = batch.ref(r.customer, _C, f"{w}.customer")
        batch.edge(RelType.REFERRED, ref, dst, {"at": r.at, "converted": r.converted}, w)
    return ref


def _memberships(
    batch: _Batch, ref: NodeRef, items: list[MembershipInput] | None, where: str
) -> None:
    for n, m in enumerate(items or []):
        w = f"{where}.memberOf[{n}]"
        dst = batch.ref(m.community, _G, f"{w}.community")
        batch.edge(RelType.MEMBER_OF, ref, dst, {"role": m.role, "joinedAt": m.joined_at}, w)


def _profile(batch: _Batch, p: ProfileInput, where: str) -> NodeRef:
    ref = batch.node(
        model.Profile,
        {
            "id": p.id,
            "platform": p.platform,
            "handle": p.handle,
            "displayName": p.display_name,
            "email": p.email,
            "phone": p.phone,
            "followers": p.followers,
            "verified": p.verified,
            "createdAt": p.created_at,
        },
        where,
    )
    for n, link in enumerate(p.customers or []):
        w = f"{where}.customers[{n}]"
        src = batch.ref(link.customer, _C, f"{w}.customer")
        data = {"confidence": link.confidence, "method": link.method, "status": link.status}
        batch.edge(RelType.HAS_PROFILE, src, ref, data, w)
    _memberships(batch, ref, p.member_of, where)
    for n, f in enumerate(p.follows or []):
        w = f"{where}.follows[{n}]"
        dst = batch.ref(f.profile, _P, f"{w}.profile")
        batch.edge(RelType.FOLLOWS, ref, dst, {"since": f.since}, w)
    return ref


def _community(batch: _Batch, c: CommunityInput, where: str) -> NodeRef:
    data = {"id": c.id, "name": c.name, "platform": c.platform, "topic": c.topic, "owned": c.owned}
    return batch.node(model.Community, data, where)


def _product(batch: _Batch, p: ProductInput, where: str) -> NodeRef:
    data = {"id": p.id, "name": p.name, "category": p.category, "price": p.price}
    return batch.node(model.Product, data, where)


def _interaction(batch: _Batch, i: InteractionInput, where: str) -> NodeRef:
    ref = batch.node(
        model.Interaction,
        {
            "id": i.id,
            "kind": i.kind,
            "channel": i.channel,
            "sentiment": i.sentiment,
            "text": i.text,
            "occurredAt": i.occurred_at,
        },
        where,
    )
    actor = batch.ref(i.actor, (_C, _P), f"{where}.actor")
    batch.edge(RelType.PERFORMED, actor, ref, {}, f"{where}.actor")
    for n, product in enumerate(i.about or []):
        w = f"{where}.about[{n}]"
        batch.edge(RelType.ABOUT, ref, batch.ref(product, _D, w), {}, w)
    if i.in_ is not None:
        w = f"{where}.in"
        batch.edge(RelType.IN, ref, batch.ref(i.in_, _G, w), {}, w)
    for n, profile in enumerate(i.mentions or []):
        w = f"{where}.mentions[{n}]"
        batch.edge(RelType.MENTIONS, ref, batch.ref(profile, _P, w), {}, w)
    if i.responds_to is not None:
        w = f"{where}.respondsTo"
        batch.edge(RelType.RESPONDS_TO, ref, batch.ref(i.responds_to, _I, w), {}, w)
    return ref


async def _review_link(
    info: Info[Any, Any], customer: str, profile: str, status: model.LinkStatus
) -> ProfileLinkPayload:
    ctx = get_context(info)
    c_ref = resolve_ref(customer, _C, field="customer")
    p_ref = resolve_ref(profile, _P, field="profile")
    pages = await ctx.store.neighbours(
        [c_ref],
        RelType.HAS_PROFILE,
        Direction.OUT,
        query=NodeQuery(conditions=(Condition("id", Op.EQ, p_ref.id),)),
        page=PageRequest(first=1),
    )
    page = pages.get(c_ref)
    if page is None or not page.items:
        raise NotFound(f"no link between customer {c_ref.id!r} and profile {p_ref.id!r}")
    hop = page.items[0]
    props = {**hop.edge.props, "status": status.value}
    await ctx.store.upsert(edges=[EdgeWrite(RelType.HAS_PROFILE, c_ref, p_ref, props)])
    nodes = await ctx.store.get_nodes(_C, [c_ref.id])
    return ProfileLinkPayload(
        customer=Customer.from_node(nodes[c_ref.id]),
        profile=Profile.from_node(hop.node),
        confidence=float(props.get("confidence", 1.0)),
        method=model.LinkMethod(props.get("method", model.LinkMethod.MANUAL.value)),
        status=status,
    )


@strawberry.type
class GraphMutations:
    @mutation(description="Insert or replace customers (and their listed relations).")
    async def upsert_customers(
        self, info: Info[Any, Any], customers: list[CustomerInput]
    ) -> list[Customer]:
        require_role(info, Role.ADMIN, "upsertCustomers")
        batch, ids = _each("customers", customers, _customer)
        return await _write(info, batch, _C, ids)

    @mutation(description="Insert or replace social profiles (and their relations).")
    async def upsert_profiles(
        self, info: Info[Any, Any], profiles: list[ProfileInput]
    ) -> list[Profile]:
        require_role(info, Role.ADMIN, "upsertProfiles")
        batch, ids = _each("profiles", profiles, _profile)
        return await _write(info, batch, _P, ids)

    @strawberry.mutation
    async def upsert_communities(
        self, info: Info[Any, Any], communities: list[CommunityInput]
    ) -> list[Community]:
        require_role(info, Role.ADMIN, "upsertCommunities")
        batch, ids = _each("communities", communities, _community)
        return await _write(info, batch, _G, ids)

    @strawberry.mutation
    async def upsert_products(
        self, info: Info[Any, Any], products: list[ProductInput]
    ) -> list[Product]:
        require_role(info, Role.ADMIN, "upsertProducts")
        batch, ids = _each("products", products, _product)
        return await _write(info, batch, _D, ids)

    @mutation(description="Record one interaction with its actor and what it touches.")
    async def record_interaction(
        self, info: Info[Any, Any], interaction: InteractionInput
    ) -> Interaction:
        require_role(info, Role.ADMIN, "recordInteraction")
        batch = _Batch()
        ref = _interaction(batch, interaction, "interaction")
        written: list[Interaction] = await _write(info, batch, _I, [ref.id])
        return written[0]

    @mutation(description="Record many interactions in one transaction.")
    async def record_interactions(
        self, info: Info[Any, Any], interactions: list[InteractionInput]
    ) -> list[Interaction]:
        require_role(info, Role.ADMIN, "recordInteractions")
        batch, ids = _each("interactions", interactions, _interaction)
        return await _write(info, batch, _I, ids)

    @mutation(description="Confirm a candidate customer-profile link (marketer+).")
    async def confirm_profile_link(
        self, info: Info[Any, Any], customer: strawberry.ID, profile: strawberry.ID
    ) -> ProfileLinkPayload:
        require_role(info, Role.MARKETER, "confirmProfileLink")
        return await _review_link(info, str(customer), str(profile), model.LinkStatus.CONFIRMED)

    @mutation(description="Reject a candidate customer-profile link (marketer+).")
    async def reject_profile_link(
        self, info: Info[Any, Any], customer: strawberry.ID, profile: strawberry.ID
    ) -> ProfileLinkPayload:
        require_role(info, Role.MARKETER, "rejectProfileLink")
        return await _review_link(info, str(customer), str(profile), model.LinkStatus.REJECTED)

    @mutation(description="Erase a customer and everything personal about them (right to erasure).")
    async def erase_customer(self, info: Info[Any, Any], id: strawberry.ID) -> ErasurePayload:
        require_role(info, Role.ADMIN, "eraseCustomer")
        ref = resolve_ref(str(id), _C, field="id")
        report = await get_context(info).store.erase_customer(ref.id)
        return ErasurePayload(
            customer_id=report.customer_id,
            nodes_deleted=[
                LabelCount(label=str(k), count=v) for k, v in report.nodes_deleted.items()
            ],
            relationships_deleted=report.relationships_deleted,
            data_version=report.data_version,
        )
