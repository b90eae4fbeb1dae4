"""GraphQL enums: the domain's own enums, and ordering fields per label."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_api.model import InteractionKind, LinkMethod, LinkStatus, Platform

__all__ = [
    "CommunityOrderField",
    "CustomerOrderField",
    "InteractionKind",
    "InteractionOrderField",
    "LinkMethod",
    "LinkStatus",
    "OrderDirection",
    "Platform",
    "ProductOrderField",
    "ProfileOrderField",
]

# The domain enums are exposed as they are (strawberry.enum registers the class itself):
# names in GraphQL, their values in the store.
for _domain_enum in (Platform, InteractionKind, LinkMethod, LinkStatus):
    strawberry.enum(_domain_enum, name=_domain_enum.__name__)


@strawberry.enum
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


# Values are store field names; ``scores.<name>`` are analytics written back onto the nodes.
@strawberry.enum
class CustomerOrderField(Enum):
    ID = "id"
    NAME = "name"
    SEGMENT = "segment"
    LIFETIME_VALUE = "lifetimeValue"
    CREATED_AT = "createdAt"
    INFLUENCE = "scores.influence"
    ADVOCACY = "scores.advocacy"


@strawberry.enum
class ProfileOrderField(Enum):
    ID = "id"
    HANDLE = "handle"
    PLATFORM = "platform"
    FOLLOWERS = "followers"
    CREATED_AT = "createdAt"
    INFLUENCE = "scores.influence"
    ADVOCACY = "scores.advocacy"


@strawberry.enum
class CommunityOrderField(Enum):
    ID = "id"
    NAME = "name"
    PLATFORM = "platform"
    TOPIC = "topic"


@strawberry.enum
class ProductOrderField(Enum):
    ID = "id"
    NAME = "name"
    CATEGORY = "category"
    PRICE = "price"


@strawberry.enum
class InteractionOrderField(Enum):
    OCCURRED_AT = "occurredAt"
    SENTIMENT = "sentiment"
    ID = "id"
