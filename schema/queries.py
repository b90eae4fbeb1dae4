"""Query fields, one class per area; :mod:`schema.build` merges them into ``Query``."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.types import Info

from graph_api.errors import LimitExceeded, NotFound
from graph_api.model import NodeLabel
from schema.context import get_context
from schema.filters import (
    CommunityFilter,
    CommunityOrder,
    CustomerFilter,
    CustomerOrder,
    InteractionFilter,
    InteractionOrder,
    ProductFilter,
    ProductOrder,
    ProfileFilter,
    ProfileOrder,
    build_query,
)
from schema.ids import decode_global_id, resolve_ref
from schema.types.common import Node, build_connection, field
from schema.types.graph import (
    Community,
    CommunityConnection,
    CommunityEdge,
    Customer,
    CustomerConnection,
    CustomerEdge,
    Interaction,
    InteractionConnection,
    InteractionEdge,
    Product,
    ProductConnection,
    ProductEdge,
    Profile,
    ProfileConnection,
    ProfileEdge,
    to_type,
)

__all__ = [
    "CommunityQueries",
    "CustomerQueries",
    "InteractionQueries",
    "NodeQueries",
    "ProductQueries",
    "ProfileQueries",
]


async def _by_id(info: Info[Any, Any], value: str, label: NodeLabel) -> Any:
    ref = resolve_ref(value, label, field="id")
    node = await get_context(info).loaders.get(ref)
    if node is None:
        raise NotFound(f"no {label} with id {ref.id!r}")
    return to_type(node)


async def _list(
    info: Info[Any, Any],
    label: NodeLabel,
    connection: Any,
    make_edge: Any,
    filter: Any | None,
    order_by: Any | None,
    page: tuple[int | None, str | None, int | None, str | None],
    **defaults: Any,
) -> Any:
    """One top-level listing: page limits, filter and order turned into a store query."""
    ctx = get_context(info)
    window = ctx.page_request(*page)
    query = build_query(filter, order_by, ctx.role, **defaults)
    result = await ctx.loaders.list_nodes(label, query, window)
    return build_connection(connection, result, make_edge)


@strawberry.type
class NodeQueries:
    @field(description="Any node by its global id (Relay); null when it is gone.")
    async def node(self, info: Info[Any, Any], id: strawberry.ID) -> Node | None:
        ref = decode_global_id(str(id))
        found = await get_context(info).loaders.get(ref)
        result: Node | None = to_type(found) if found is not None else None
        return result

    @field(description="Nodes by global id, in the order asked; null for missing ones.")
    async def nodes(self, info: Info[Any, Any], ids: list[strawberry.ID]) -> list[Node | None]:
        ctx = get_context(info)
        if len(ids) > ctx.settings.max_page_size:
            raise LimitExceeded(
                f"ids: {len(ids)} ids is over the page size limit "
                f"max_page_size={ctx.settings.max_page_size}"
            )
        refs = [decode_global_id(str(i), field=f"ids[{n}]") for n, i in enumerate(ids)]
        # gathered, so the DataLoaders batch them: one store call per label
        found = await asyncio.gather(*(ctx.loaders.get(ref) for ref in refs))
        result: list[Node | None] = [to_type(n) if n is not None else None for n in found]
        return result


@strawberry.type
class CustomerQueries:
    @field(
        description="The 360° card of one customer (global id or external id): profiles, "
        "communities, purchases, referrals, contact history."
    )
    async def customer(self, info: Info[Any, Any], id: strawberry.ID) -> Customer | None:
        result: Customer = await _by_id(info, str(id), NodeLabel.CUSTOMER)
        return result

    @strawberry.field
    async def customers(
        self,
        info: Info[Any, Any],
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CustomerConnection:
        result: CustomerConnection = await _list(
            info,
            NodeLabel.CUSTOMER,
            CustomerConnection,
            CustomerEdge.from_node,
            filter,
            order_by,
            (first, after, last, before),
        )
        return result


@strawberry.type
class ProfileQueries:
    @strawberry.field
    async def profile(self, info: Info[Any, Any], id: strawberry.ID) -> Profile | None:
        result: Profile = await _by_id(info, str(id), NodeLabel.PROFILE)
        return result

    @strawberry.field
    async def profiles(
        self,
        info: Info[Any, Any],
        filter: ProfileFilter | None = None,
        order_by: ProfileOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProfileConnection:
        result: ProfileConnection = await _list(
            info,
            NodeLabel.PROFILE,
            ProfileConnection,
            ProfileEdge.from_node,
            filter,
            order_by,
            (first, after, last, before),
        )
        return result


@strawberry.type
class CommunityQueries:
    @strawberry.field
    async def community(self, info: Info[Any, Any], id: strawberry.ID) -> Community | None:
        result: Community = await _by_id(info, str(id), NodeLabel.COMMUNITY)
        return result

    @strawberry.field
    async def communities(
        self,
        info: Info[Any, Any],
        filter: CommunityFilter | None = None,
        order_by: CommunityOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CommunityConnection:
        result: CommunityConnection = await _list(
            info,
            NodeLabel.COMMUNITY,
            CommunityConnection,
            CommunityEdge.from_node,
            filter,
            order_by,
            (first, after, last, before),
        )
        return result


@strawberry.type
class ProductQueries:
    @strawberry.field
    async def product(self, info: Info[Any, Any], id: strawberry.ID) -> Product | None:
        result: Product = await _by_id(info, str(id), NodeLabel.PRODUCT)
        return result

    @strawberry.field
    async def products(
        self,
        info: Info[Any, Any],
        filter: ProductFilter | None = None,
        order_by: ProductOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ProductConnection:
        result: ProductConnection = await _list(
            info,
            NodeLabel.PRODUCT,
            ProductConnection,
            ProductEdge.from_node,
            filter,
            order_by,
            (first, after, last, before),
        )
        return result


@strawberry.type
class InteractionQueries:
    @strawberry.field
    async def interaction(self, info: Info[Any, Any], id: strawberry.ID) -> Interaction | None:
        result: Interaction = await _by_id(info, str(id), NodeLabel.INTERACTION)
        return result

    @field(description="Interactions, newest first unless ordered otherwise.")
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
        result: InteractionConnection = await _list(
            info,
            NodeLabel.INTERACTION,
            InteractionConnection,
            InteractionEdge.from_node,
            filter,
            order_by,
            (first, after, last, before),
            default_order="occurredAt",
            default_descending=True,
        )
        return result
