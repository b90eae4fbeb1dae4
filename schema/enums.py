"""GraphQL enums: the domain's own enums, and ordering fields per label."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_api import model

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

# The domain enums are exposed as they are: names in GraphQL, their values in the store.
Platform = strawberry.enum(model.Platform, name="Platform")
InteractionKind = strawberry.enum(model.InteractionKind, name="InteractionKind")
LinkMethod = strawberry.enum(model.LinkMethod, name="LinkMethod")
LinkStatus = strawberry.enum(model.LinkStatus, name="LinkStatus")


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
