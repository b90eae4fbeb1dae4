"""Domain records of the social CRM graph: node labels, relationship types, their properties.

Every record is a pydantic model with ``extra="forbid"``; property names on the wire and in the
stores are the camelCase names of DESIGN.md §2 (``lifetimeValue``, ``occurredAt``), Python
attributes are snake_case. Timestamps must carry a timezone and are kept in UTC.

The store sees properties as plain JSON-able dicts (:func:`node_props`, :func:`edge_props`):
timestamps become fixed-width ISO-8601 UTC strings (``2024-05-01T12:00:00.000000Z``) so that
ordering the strings orders the instants, in SQLite and Neo4j alike.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "EDGE_MODELS",
    "NODE_MODELS",
    "PII_FIELDS",
    "RELATIONSHIPS",
    "Community",
    "Customer",
    "EdgeModel",
    "HasProfile",
    "Interaction",
    "InteractionKind",
    "LinkMethod",
    "LinkStatus",
    "NodeLabel",
    "NodeModel",
    "Platform",
    "Product",
    "Profile",
    "RelSpec",
    "RelType",
    "Timestamp",
    "edge_props",
    "format_timestamp",
    "node_props",
    "parse_timestamp",
]


class NodeLabel(StrEnum):
    CUSTOMER = "Customer"
    PROFILE = "Profile"
    COMMUNITY = "Community"
    PRODUCT = "Product"
    INTERACTION = "Interaction"


class RelType(StrEnum):
    HAS_PROFILE = "HAS_PROFILE"
    FOLLOWS = "FOLLOWS"
    MEMBER_OF = "MEMBER_OF"
    PURCHASED = "PURCHASED"
    PERFORMED = "PERFORMED"
    ABOUT = "ABOUT"
    IN = "IN"
    MENTIONS = "MENTIONS"
    RESPONDS_TO = "RESPONDS_TO"
    REFERRED = "REFERRED"


class Platform(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    LINKEDIN = "linkedin"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    FORUM = "forum"
    REVIEWS = "reviews"
    EMAIL = "email"
    WEB = "web"
    OTHER = "other"


class InteractionKind(StrEnum):
    POST = "post"
    REPLY = "reply"
    SHARE = "share"
    MENTION = "mention"
    REVIEW = "review"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    QUESTION = "question"
    LIKE = "like"
    SUPPORT_CASE = "support_case"
    REFERRAL = "referral"


class LinkMethod(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    HANDLE = "handle"
    NAME = "name"
    MANUAL = "manual"


class LinkStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANDIDATE = "candidate"
    REJECTED = "rejected"


# --- value types -------------------------------------------------------------------------------

_TIMESTAMP_FORMAT: Final = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"


def format_timestamp(value: datetime) -> str:
    """Fixed-width UTC ISO-8601 text (``2024-05-01T12:00:00.000000Z``); string order equals
    time order, years before 1000 included (zero-padded, which ``strftime("%Y")`` is not)."""
    if value.tzinfo is None:
        raise ValueError("timestamp has no timezone; add one, e.g. 2024-05-01T12:00:00Z")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # %-formatting the fields is twice as cheap as isoformat and five times strftime; a load
    # formats millions of these
    return _TIMESTAMP_FORMAT % (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


def parse_timestamp(text: str) -> datetime:
    """Inverse of :func:`format_timestamp` (accepts any ISO-8601 text with a timezone)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no timezone")
    return value.astimezone(UTC)


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 with an offset east of UTC, or 9999 west of it
        raise ValueError(
            "outside the years 1 to 9999 once in UTC; give the time in UTC (…Z)"
        ) from None


Timestamp = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]
"""A timezone-aware instant, normalised to UTC; JSON form is fixed-width ISO-8601."""

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]

_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE: Final = re.compile(r"^\+?[0-9][0-9 ()./-]{4,30}$")
_PHONE_MARKS: Final = str.maketrans("", "", "+ ()./-")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL_RE.match(value):
        raise ValueError("not an e-mail address (expected name@domain.tld)")
    return value


def _phone(value: str) -> str:
    value = value.strip()
    if not _PHONE_RE.match(value):
        raise ValueError("not a phone number (digits, optional leading +, spaces or -)")
    digits = value.translate(_PHONE_MARKS)  # what _PHONE_RE lets through besides digits
    return ("+" if value.startswith("+") else "") + digits


Email = Annotated[str, AfterValidator(_email)]
Phone = Annotated[str, AfterValidator(_phone)]
Sentiment = Annotated[float, Field(ge=-1.0, le=1.0)]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
    )


# --- nodes -------------------------------------------------------------------------------------


class NodeModel(_Record):
    """Base of every node record: a stable external id given by the source system."""

    label: ClassVar[NodeLabel]
    id: Id


class Customer(NodeModel):
    label: ClassVar[NodeLabel] = NodeLabel.CUSTOMER
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    segment: Annotated[str, StringConstraints(max_length=64)] | None = None
    lifetime_value: NonNegative | None = None
    created_at: Timestamp | None = None


class Profile(NodeModel):
    """A social account. ``email``/``phone`` (PII) are known for some platforms and let
    identity resolution link the profile to its customer."""

    label: ClassVar[NodeLabel] = NodeLabel.PROFILE
    platform: Platform
    handle: Name
    display_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    followers: Annotated[int, Field(ge=0)] = 0
    verified: bool = False
    created_at: Timestamp | None = None


class Community(NodeModel):
    label: ClassVar[NodeLabel] = NodeLabel.COMMUNITY
    name: Name
    platform: Platform | None = None
    topic: Annotated[str, StringConstraints(max_length=128)] | None = None
    owned: bool = False


class Product(NodeModel):
    label: ClassVar[NodeLabel] = NodeLabel.PRODUCT
    name: Name
    category: Annotated[str, StringConstraints(max_length=128)] | None = None
    price: NonNegative | None = None


class Interaction(NodeModel):
    label: ClassVar[NodeLabel] = NodeLabel.INTERACTION
    kind: InteractionKind
    channel: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    sentiment: Sentiment = 0.0
    text: Text | None = None
    occurred_at: Timestamp


NODE_MODELS: Final[dict[NodeLabel, type[NodeModel]]] = {
    m.label: m for m in (Customer, Profile, Community, Product, Interaction)
}

PII_FIELDS: Final[dict[NodeLabel, frozenset[str]]] = {
    NodeLabel.CUSTOMER: frozenset({"email", "phone"}),
    NodeLabel.PROFILE: frozenset({"email", "phone"}),
}
"""Properties (store names) that only roles allowed to see personal data may read."""


# --- relationships -----------------------------------------------------------------------------


class EdgeModel(_Record):
    """Base of every relationship's properties (the endpoints travel beside them)."""


class HasProfile(EdgeModel):
    confidence: Confidence = 1.0
    method: LinkMethod = LinkMethod.MANUAL
    status: LinkStatus = LinkStatus.CONFIRMED


class Follows(EdgeModel):
    since: Timestamp | None = None


class MemberOf(EdgeModel):
    role: Annotated[str, StringConstraints(max_length=64)] | None = None
    joined_at: Timestamp | None = None


class Purchased(EdgeModel):
    """One edge per customer and product; ``count`` purchases, ``amount`` their total."""

    at: Timestamp | None = None
    amount: NonNegative | None = None
    count: Annotated[int, Field(ge=1)] = 1


class Referred(EdgeModel):
    at: Timestamp | None = None
    converted: bool = False


class NoProps(EdgeModel):
    """Relationships that carry no properties."""


class RelSpec(BaseModel):
    model_config = ConfigDict(frozen=True)
    sources: frozenset[NodeLabel]
    targets: frozenset[NodeLabel]
    props: type[EdgeModel]


def _spec(sources: set[NodeLabel], targets: set[NodeLabel], props: type[EdgeModel]) -> RelSpec:
    return RelSpec(sources=frozenset(sources), targets=frozenset(targets), props=props)


_C, _P, _G, _D, _I = (
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)

RELATIONSHIPS: Final[dict[RelType, RelSpec]] = {
    RelType.HAS_PROFILE: _spec({_C}, {_P}, HasProfile),
    RelType.FOLLOWS: _spec({_P}, {_P}, Follows),
    RelType.MEMBER_OF: _spec({_C, _P}, {_G}, MemberOf),
    RelType.PURCHASED: _spec({_C}, {_D}, Purchased),
    RelType.PERFORMED: _spec({_P, _C}, {_I}, NoProps),
    RelType.ABOUT: _spec({_I}, {_D}, NoProps),
    RelType.IN: _spec({_I}, {_G}, NoProps),
    RelType.MENTIONS: _spec({_I}, {_P}, NoProps),
    RelType.RESPONDS_TO: _spec({_I}, {_I}, NoProps),
    RelType.REFERRED: _spec({_C}, {_C}, Referred),
}
"""Which labels each relationship type connects, and its property model (DESIGN.md §2)."""

EDGE_MODELS: Final[dict[RelType, type[EdgeModel]]] = {t: s.props for t, s in RELATIONSHIPS.items()}


def node_props(record: NodeModel) -> dict[str, Any]:
    """The store form of a node's properties: camelCase keys, JSON values, no ``id``, no nulls."""
    return record.model_dump(mode="json", by_alias=True, exclude={"id"}, exclude_none=True)


def edge_props(record: EdgeModel) -> dict[str, Any]:
    """The store form of a relationship's properties (camelCase keys, JSON values, no nulls)."""
    return record.model_dump(mode="json", by_alias=True, exclude_none=True)
