"""Filter and ordering inputs, and their translation into the store's :class:`NodeQuery`.

Every filter field is optional; given fields are ANDed. Relation filters (``memberOf``,
``purchased``, ``about`` …) take node ids (global ids, or external ids where the label is
implied) and keep nodes related to *at least one* of them.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from graph_api.config import Role
from graph_api.errors import InvalidInput, PermissionDenied, Problem
from graph_api.model import NodeLabel, RelType, format_timestamp
from graph_api.store.base import Condition, Direction, NodeQuery, Op, Related
from schema.enums import (
    CommunityOrderField,
    CustomerOrderField,
    InteractionKind,
    InteractionOrderField,
    OrderDirection,
    Platform,
    ProductOrderField,
    ProfileOrderField,
)
from schema.ids import resolve_ref
from schema.loaders import freeze

__all__ = [
    "CommunityFilter",
    "CommunityOrder",
    "CustomerFilter",
    "CustomerOrder",
    "DateTimeFilter",
    "FloatFilter",
    "IntFilter",
    "InteractionFilter",
    "InteractionOrder",
    "ProductFilter",
    "ProductOrder",
    "ProfileFilter",
    "ProfileOrder",
    "ScoreFilter",
    "StringFilter",
    "build_query",
]


@strawberry.input(description="Text: equality, membership, case-insensitive substring.")
class StringFilter:
    eq: str | None = None
    ne: str | None = None
    in_: list[str] | None = strawberry.field(default=None, name="in")
    contains: str | None = None
    is_null: bool | None = None


@strawberry.input
class FloatFilter:
    eq: float | None = None
    ne: float | None = None
    in_: list[float] | None = strawberry.field(default=None, name="in")
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    is_null: bool | None = None


@strawberry.input
class IntFilter:
    eq: int | None = None
    ne: int | None = None
    in_: list[int] | None = strawberry.field(default=None, name="in")
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None
    is_null: bool | None = None


@strawberry.input(description="Instants (with a timezone): equality and ranges.")
class DateTimeFilter:
    eq: datetime | None = None
    gt: datetime | None = None
    gte: datetime | None = None
    lt: datetime | None = None
    lte: datetime | None = None
    is_null: bool | None = None


@strawberry.input
class PlatformFilter:
    eq: Platform | None = None
    in_: list[Platform] | None = strawberry.field(default=None, name="in")


@strawberry.input
class InteractionKindFilter:
    eq: InteractionKind | None = None
    in_: list[InteractionKind] | None = strawberry.field(default=None, name="in")


@strawberry.input(description='A condition on an analytics score, e.g. name: "influence".')
class ScoreFilter:
    name: str
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    is_null: bool | None = None


_OPS = ("eq", "ne", "in_", "gt", "gte", "lt", "lte", "contains", "is_null")
_OP_OF = {
    "eq": Op.EQ,
    "ne": Op.NE,
    "in_": Op.IN,
    "gt": Op.GT,
    "gte": Op.GTE,
    "lt": Op.LT,
    "lte": Op.LTE,
    "contains": Op.CONTAINS,
    "is_null": Op.IS_NULL,
}


def _store_value(value: Any, where: str) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        try:
            return format_timestamp(value)
        except ValueError as exc:
            raise InvalidInput(f"{where}: {exc}", [Problem("", where, str(exc))]) from exc
    if isinstance(value, list):
        return tuple(_store_value(v, where) for v in value)
    return value


def conditions(field: str, value: Any, where: str) -> list[Condition]:
    """Conditions for one filter input on a store field (``where`` names it in errors)."""
    if value is None:
        return []
    if not hasattr(value, "__strawberry_definition__"):  # a plain value: equality
        return [Condition(field, Op.EQ, _store_value(value, where))]
    found = []
    for attr in _OPS:
        given = getattr(value, attr, None)
        if given is not None:
            found.append(Condition(field, _OP_OF[attr], freeze(_store_value(given, where))))
    return found


def _refs(values: list[strawberry.ID], label: NodeLabel | tuple[NodeLabel, ...], where: str) -> Any:
    return tuple(resolve_ref(str(v), label, field=where) for v in values)


@strawberry.input(description="Order by a field; scores order by analytics written back.")
class CustomerOrder:
    field: CustomerOrderField = CustomerOrderField.ID
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class ProfileOrder:
    field: ProfileOrderField = ProfileOrderField.ID
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class CommunityOrder:
    field: CommunityOrderField = CommunityOrderField.ID
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class ProductOrder:
    field: ProductOrderField = ProductOrderField.ID
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input
class InteractionOrder:
    field: InteractionOrderField = InteractionOrderField.OCCURRED_AT
    direction: OrderDirection = OrderDirection.DESC


@strawberry.input
class CustomerFilter:
    ids: list[strawberry.ID] | None = None
    name: StringFilter | None = None
    email: StringFilter | None = strawberry.field(default=None, description="Personal data.")
    phone: StringFilter | None = strawberry.field(default=None, description="Personal data.")
    segment: StringFilter | None = None
    lifetime_value: FloatFilter | None = None
    created_at: DateTimeFilter | None = None
    scores: list[ScoreFilter] | None = None
    member_of: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Members of at least one of these communities."
    )
    purchased: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Bought at least one of these products."
    )
    has_profile: list[strawberry.ID] | None = None
    referred_by: list[strawberry.ID] | None = None


@strawberry.input
class ProfileFilter:
    ids: list[strawberry.ID] | None = None
    platform: PlatformFilter | None = None
    handle: StringFilter | None = None
    display_name: StringFilter | None = None
    email: StringFilter | None = strawberry.field(default=None, description="Personal data.")
    phone: StringFilter | None = strawberry.field(default=None, description="Personal data.")
    followers: IntFilter | None = None
    verified: bool | None = None
    created_at: DateTimeFilter | None = None
    scores: list[ScoreFilter] | None = None
    member_of: list[strawberry.ID] | None = None
    owned_by: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Linked (any status) to one of these customers."
    )


@strawberry.input
class CommunityFilter:
    ids: list[strawberry.ID] | None = None
    name: StringFilter | None = None
    platform: PlatformFilter | None = None
    topic: StringFilter | None = None
    owned: bool | None = None
    scores: list[ScoreFilter] | None = None


@strawberry.input
class ProductFilter:
    ids: list[strawberry.ID] | None = None
    name: StringFilter | None = None
    category: StringFilter | None = None
    price: FloatFilter | None = None
    bought_by: list[strawberry.ID] | None = None


@strawberry.input
class InteractionFilter:
    ids: list[strawberry.ID] | None = None
    kind: InteractionKindFilter | None = None
    channel: StringFilter | None = None
    sentiment: FloatFilter | None = None
    text: StringFilter | None = None
    occurred_at: DateTimeFilter | None = None
    about: list[strawberry.ID] | None = strawberry.field(
        default=None, description="About at least one of these products."
    )
    community: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Posted in one of these communities."
    )
    performed_by: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Global ids of customers or profiles."
    )
    mentions: list[strawberry.ID] | None = None
    responds_to: list[strawberry.ID] | None = None


# How each filter field maps to the store: property fields, and relation fields.
_PROPS: dict[type, dict[str, str]] = {
    CustomerFilter: {
        "name": "name",
        "email": "email",
        "phone": "phone",
        "segment": "segment",
        "lifetime_value": "lifetimeValue",
        "created_at": "createdAt",
    },
    ProfileFilter: {
        "platform": "platform",
        "handle": "handle",
        "display_name": "displayName",
        "email": "email",
        "phone": "phone",
        "followers": "followers",
        "verified": "verified",
        "created_at": "createdAt",
    },
    CommunityFilter: {"name": "name", "platform": "platform", "topic": "topic", "owned": "owned"},
    ProductFilter: {"name": "name", "category": "category", "price": "price"},
    InteractionFilter: {
        "kind": "kind",
        "channel": "channel",
        "sentiment": "sentiment",
        "text": "text",
        "occurred_at": "occurredAt",
    },
}

_C, _P, _G, _D, _I = (
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)
# filter field → (relationship, direction from the filtered node, labels at the far end)
_RELATIONS: dict[type, dict[str, tuple[RelType, Direction, NodeLabel | tuple[NodeLabel, ...]]]] = {
    CustomerFilter: {
        "member_of": (RelType.MEMBER_OF, Direction.OUT, _G),
        "purchased": (RelType.PURCHASED, Direction.OUT, _D),
        "has_profile": (RelType.HAS_PROFILE, Direction.OUT, _P),
        "referred_by": (RelType.REFERRED, Direction.IN, _C),
    },
    ProfileFilter: {
        "member_of": (RelType.MEMBER_OF, Direction.OUT, _G),
        "owned_by": (RelType.HAS_PROFILE, Direction.IN, _C),
    },
    CommunityFilter: {},
    ProductFilter: {"bought_by": (RelType.PURCHASED, Direction.IN, _C)},
    InteractionFilter: {
        "about": (RelType.ABOUT, Direction.OUT, _D),
        "community": (RelType.IN, Direction.OUT, _G),
        "performed_by": (RelType.PERFORMED, Direction.IN, (_C, _P)),
        "mentions": (RelType.MENTIONS, Direction.OUT, _P),
        "responds_to": (RelType.RESPONDS_TO, Direction.OUT, _I),
    },
}
_PII = {"email", "phone"}

_FILTER_LABEL = {
    CustomerFilter: _C,
    ProfileFilter: _P,
    CommunityFilter: _G,
    ProductFilter: _D,
    InteractionFilter: _I,
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def build_query(
    filter: Any | None,
    order: Any | None,
    role: Role,
    *,
    default_order: str = "id",
    default_descending: bool = False,
    extra: tuple[Related, ...] = (),
) -> NodeQuery:
    """The store query for a filter input and an order input (both optional)."""
    conds: list[Condition] = []
    related: list[Related] = list(extra)
    if filter is not None:
        kind = type(filter)
        label = _FILTER_LABEL[kind]
        ids = getattr(filter, "ids", None)
        if ids is not None:
            refs = _refs(ids, label, "filter.ids")
            conds.append(Condition("id", Op.IN, tuple(r.id for r in refs)))
        for attr, store_field in _PROPS[kind].items():
            value = getattr(filter, attr)
            if value is None:
                continue
            if attr in _PII and not role.sees_pii:
                raise PermissionDenied(
                    f"filter.{attr}: filtering on personal data needs the marketer or admin "
                    f"role; your key has {role}"
                )
            conds.extend(conditions(store_field, value, f"filter.{_camel(attr)}"))
        for score in getattr(filter, "scores", None) or []:
            conds.extend(conditions(f"scores.{score.name}", score, f"filter.scores.{score.name}"))
        for attr, (rel, direction, far) in _RELATIONS[kind].items():
            values = getattr(filter, attr)
            if values is not None:
                where = f"filter.{_camel(attr)}"
                related.append(Related(rel, direction, _refs(values, far, where)))
    order_by, descending = default_order, default_descending
    if order is not None:
        order_by = order.field.value
        descending = order.direction is OrderDirection.DESC
    return NodeQuery(
        conditions=tuple(conds),
        related=tuple(related),
        order_by=order_by,
        descending=descending,
    )
