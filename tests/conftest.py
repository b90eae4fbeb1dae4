"""Shared fixtures: a real SQLite store on a temp file, a small graph written through
``store.upsert``, the app (``create_app``) and httpx clients per role.

The sample graph (ids are external ids; see ``SAMPLE`` for what tests may rely on)::

    customers  c1 Alice (x: p1 confirmed, instagram: p2 candidate), c2 Bob (x: p3 confirmed),
               c3 Carol, c4 Dan
    communities g1 Trail runners (not owned), g2 Brand forum (owned)
    products   d1 Trail shoe, d2 Rain jacket
    members    c1, c2, p3 → g1 ; c3 → g2        purchases  c1 → d1, d2 ; c2 → d1 ; c3 → d2
    referral   c1 → c2 (converted)             follows    p3 → p1
    interactions (newest last)
      i1 2024-05-01 praise     by p1  about d1 in g1  +0.8
      i4 2024-05-02 complaint  by p3  about d1 in g1  -0.9  responds to i1, mentions p1
      i2 2024-05-03 support_case by c1 about d1      -0.6  (channel email)
      i3 2024-05-04 post       by p2 (candidate link: not in Alice's history)
      i5 2024-05-05 reply      by p3  about d2       -0.2  responds to i4
    scores     c1 influence 90 advocacy 50 ; c2 influence 40 advocacy -10 ; c3 influence 70
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from graph_api.app import create_app
from graph_api.config import Role, Settings, hash_api_key
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import EdgeWrite, GraphStore, NodeRef, NodeWrite
from graph_api.store.sqlite import SqliteGraphStore

C, P, G, D, I = (  # noqa: E741
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)

API_KEYS: dict[Role, str] = {role: f"test-key-{role.value}" for role in Role}
"""One API key per role; the settings fixture configures their hashes."""


def _ts(day: int) -> str:
    return f"2024-05-{day:02d}T12:00:00.000000Z"


def sample_writes() -> tuple[list[NodeWrite], list[EdgeWrite]]:
    """The sample graph as store writes (see the module docstring)."""
    n = NodeWrite
    nodes = [
        n(
            C,
            "c1",
            {
                "name": "Alice Martin",
                "email": "alice@example.com",
                "phone": "+33600000001",
                "segment": "vip",
                "lifetimeValue": 1200.0,
                "createdAt": _ts(1),
            },
        ),
        n(
            C,
            "c2",
            {
                "name": "Bob Stone",
                "email": "bob@example.com",
                "segment": "regular",
                "lifetimeValue": 300.0,
                "createdAt": _ts(2),
            },
        ),
        n(C, "c3", {"name": "Carol Li", "segment": "vip", "lifetimeValue": 800.0}),
        n(C, "c4", {"name": "Dan Roe", "segment": "prospect"}),
        n(P, "p1", {"platform": "x", "handle": "alice_runs", "followers": 1500, "verified": True}),
        n(
            P,
            "p2",
            {
                "platform": "instagram",
                "handle": "alice.m",
                "followers": 90,
                "verified": False,
                "email": "alice@example.com",
            },
        ),
        n(P, "p3", {"platform": "x", "handle": "bobstone", "followers": 20000, "verified": False}),
        n(P, "p4", {"platform": "forum", "handle": "dan_r", "followers": 3, "verified": False}),
        n(
            G,
            "g1",
            {"name": "Trail runners", "platform": "facebook", "topic": "running", "owned": False},
        ),
        n(G, "g2", {"name": "Brand forum", "platform": "forum", "topic": "support", "owned": True}),
        n(D, "d1", {"name": "Trail shoe", "category": "shoes", "price": 120.0}),
        n(D, "d2", {"name": "Rain jacket", "category": "apparel", "price": 200.0}),
        n(
            I,
            "i1",
            {
                "kind": "praise",
                "channel": "x",
                "sentiment": 0.8,
                "text": "Love my new trail shoes",
                "occurredAt": _ts(1),
            },
        ),
        n(
            I,
            "i4",
            {
                "kind": "complaint",
                "channel": "x",
                "sentiment": -0.9,
                "text": "Mine fell apart after a week",
                "occurredAt": _ts(2),
            },
        ),
        n(
            I,
            "i2",
            {
                "kind": "support_case",
                "channel": "email",
                "sentiment": -0.6,
                "text": "Sole is coming off",
                "occurredAt": _ts(3),
            },
        ),
        n(
            I,
            "i3",
            {
                "kind": "post",
                "channel": "instagram",
                "sentiment": 0.1,
                "text": "Sunday run",
                "occurredAt": _ts(4),
            },
        ),
        n(
            I,
            "i5",
            {
                "kind": "reply",
                "channel": "x",
                "sentiment": -0.2,
                "text": "The jacket is fine though",
                "occurredAt": _ts(5),
            },
        ),
    ]

    def e(
        t: RelType, s: tuple[NodeLabel, str], d: tuple[NodeLabel, str], **props: Any
    ) -> EdgeWrite:
        return EdgeWrite(t, NodeRef(*s), NodeRef(*d), props)

    H, M, B, R, F = (
        RelType.HAS_PROFILE,
        RelType.MEMBER_OF,
        RelType.PURCHASED,
        RelType.REFERRED,
        RelType.FOLLOWS,
    )
    edges = [
        e(H, (C, "c1"), (P, "p1"), confidence=0.98, method="email", status="confirmed"),
        e(H, (C, "c1"), (P, "p2"), confidence=0.55, method="name", status="candidate"),
        e(H, (C, "c2"), (P, "p3"), confidence=0.9, method="handle", status="confirmed"),
        e(M, (C, "c1"), (G, "g1"), role="member", joinedAt=_ts(1)),
        e(M, (C, "c2"), (G, "g1"), role="moderator", joinedAt=_ts(2)),
        e(M, (P, "p3"), (G, "g1"), role="member"),
        e(M, (C, "c3"), (G, "g2"), role="member"),
        e(B, (C, "c1"), (D, "d1"), at=_ts(1), amount=240.0, count=2),
        e(B, (C, "c1"), (D, "d2"), at=_ts(3), amount=200.0, count=1),
        e(B, (C, "c2"), (D, "d1"), at=_ts(2), amount=120.0, count=1),
        e(B, (C, "c3"), (D, "d2"), at=_ts(4), amount=200.0, count=1),
        e(R, (C, "c1"), (C, "c2"), at=_ts(1), converted=True),
        e(F, (P, "p3"), (P, "p1"), since=_ts(1)),
        e(RelType.PERFORMED, (P, "p1"), (I, "i1")),
        e(RelType.PERFORMED, (P, "p3"), (I, "i4")),
        e(RelType.PERFORMED, (C, "c1"), (I, "i2")),
        e(RelType.PERFORMED, (P, "p2"), (I, "i3")),
        e(RelType.PERFORMED, (P, "p3"), (I, "i5")),
        e(RelType.ABOUT, (I, "i1"), (D, "d1")),
        e(RelType.ABOUT, (I, "i4"), (D, "d1")),
        e(RelType.ABOUT, (I, "i2"), (D, "d1")),
        e(RelType.ABOUT, (I, "i5"), (D, "d2")),
        e(RelType.IN, (I, "i1"), (G, "g1")),
        e(RelType.IN, (I, "i4"), (G, "g1")),
        e(RelType.MENTIONS, (I, "i4"), (P, "p1")),
        e(RelType.RESPONDS_TO, (I, "i4"), (I, "i1")),
        e(RelType.RESPONDS_TO, (I, "i5"), (I, "i4")),
    ]
    return nodes, edges


async def write_sample_graph(store: GraphStore) -> None:
    nodes, edges = sample_writes()
    await store.upsert(nodes, edges)
    await store.write_scores(
        C,
        {
            "c1": {"influence": 90.0, "advocacy": 50.0},
            "c2": {"influence": 40.0, "advocacy": -10.0},
            "c3": {"influence": 70.0},
        },
    )


@pytest.fixture
async def graph_store(tmp_path: Path) -> AsyncIterator[SqliteGraphStore]:
    """An empty, opened SqliteGraphStore on a temp file."""
    store = SqliteGraphStore(tmp_path / "graph.db")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def sample_store(graph_store: SqliteGraphStore) -> SqliteGraphStore:
    """The store with the sample graph written."""
    await write_sample_graph(graph_store)
    return graph_store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with one API key per role (see API_KEYS) and the default limits."""
    return Settings(
        sqlite_path=str(tmp_path / "graph.db"),
        api_keys={hash_api_key(k): r for r, k in API_KEYS.items()},
        auto_refresh=False,
    )


@pytest.fixture
def app(settings: Settings, sample_store: SqliteGraphStore) -> FastAPI:
    return create_app(settings, sample_store)


@pytest.fixture
async def client_for(app: FastAPI) -> AsyncIterator[Callable[[Role | None], httpx.AsyncClient]]:
    """``client_for(role)``: an httpx client over ASGI sending that role's key (None: no key)."""
    clients: list[httpx.AsyncClient] = []

    def make(role: Role | None = Role.ADMIN) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {API_KEYS[role]}"} if role is not None else {}
        c = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        )
        clients.append(c)
        return c

    try:
        yield make
    finally:
        for c in clients:
            await c.aclose()


@pytest.fixture
def client(client_for: Callable[[Role | None], httpx.AsyncClient]) -> httpx.AsyncClient:
    """An admin client."""
    return client_for(Role.ADMIN)


async def post_graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL operation; the JSON body (data, errors) plus ``_status``."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    body: dict[str, Any] = response.json()
    body["_status"] = response.status_code
    return body


GraphQLCall = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def gql() -> GraphQLCall:
    """``await gql(client, query, variables)`` → the JSON body plus ``_status``."""
    return post_graphql


@pytest.fixture
def api_keys() -> dict[Role, str]:
    """The plain API key of each role (the settings fixture holds their hashes)."""
    return dict(API_KEYS)
