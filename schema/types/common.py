"""Relay plumbing shared by every area: the Node interface, PageInfo, Edge and Connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

import strawberry

from graph_api.model import parse_timestamp
from graph_api.store.base import Page

__all__ = [
    "Connection",
    "Edge",
    "Node",
    "PageInfo",
    "build_connection",
    "field",
    "mutation",
    "ts",
]

F = TypeVar("F", bound=Callable[..., Any])
N = TypeVar("N")
E = TypeVar("E")
T = TypeVar("T")


def field(*, description: str | None = None, name: str | None = None) -> Callable[[F], F]:
    """``strawberry.field(...)`` as a decorator that keeps the resolver's type for mypy."""
    return cast("Callable[[F], F]", strawberry.field(description=description, name=name))


def mutation(*, description: str | None = None, name: str | None = None) -> Callable[[F], F]:
    """``strawberry.mutation(...)`` as a typed decorator (see :func:`field`)."""
    return cast("Callable[[F], F]", strawberry.mutation(description=description, name=name))


@strawberry.interface(description="An object with a global id (Relay): base64 of 'Label:id'.")
class Node:
    id: strawberry.ID


@strawberry.type(description="Where a page sits in the whole list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def from_page(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )


@strawberry.type
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Opaque; pass as after/before.")
    node: N


@strawberry.type
class Connection(Generic[N, E]):
    edges: list[E]
    nodes: list[N] = strawberry.field(description="The edges' nodes, for convenience.")
    page_info: PageInfo
    total_count: int = strawberry.field(description="Matches in the whole list, not the page.")


C = TypeVar("C")


def build_connection(cls: Callable[..., C], page: Page[T], make_edge: Callable[[str, T], Any]) -> C:
    """A connection object from a store page; ``make_edge(cursor, item)`` builds each edge."""
    edges: Sequence[Any] = [
        make_edge(c, item) for c, item in zip(page.cursors, page.items, strict=True)
    ]
    return cls(
        edges=list(edges),
        nodes=[e.node for e in edges],
        page_info=PageInfo.from_page(page),
        total_count=page.total_count,
    )


def ts(value: Any) -> datetime | None:
    """A stored timestamp (fixed-width ISO text) as a datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return parse_timestamp(str(value))
