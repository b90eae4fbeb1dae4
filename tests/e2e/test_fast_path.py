"""POST /graphql skips FastAPI's routing and dependency injection (``graph_api.app``): every
answer must stay what the GraphQLRouter's own route gives, byte for byte."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from graph_api.app import _GraphQLPost, create_app
from graph_api.config import Role, Settings
from graph_api.store.sqlite import SqliteGraphStore

CARD = """query Card($id: ID!) { customer(id: $id) {
  id name email influence: score(name: "influence")
  profiles { edges { status confidence method node { platform handle followers } } }
  purchases { edges { count amount at node { name price } } }
  contactHistory(first: 10) { totalCount edges { node { kind sentiment occurredAt text } } }
} }"""

REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("card", {"json": {"query": CARD, "variables": {"id": "c1"}}}),
    ("pii refused", {"json": {"query": '{ customer(id: "c1") { email } }'}, "role": Role.READER}),
    ("anonymous", {"json": {"query": "{ customers { totalCount } }"}, "role": None}),
    ("unknown key", {"json": {"query": "{ customers { totalCount } }"}, "key": "nope"}),
    ("not found", {"json": {"query": '{ customer(id: "zz") { name } }'}}),
    ("syntax error", {"json": {"query": "{ customers { "}}),
    ("validation error", {"json": {"query": "{ customers { nope } }"}}),
    ("over the page size", {"json": {"query": "{ customers(first: 5000) { totalCount } }"}}),
    (
        "mutation refused",
        {"json": {"query": "mutation { refreshAnalytics { started } }"}, "role": Role.READER},
    ),
    ("no query", {"json": {"variables": {}}}),
    ("bad json", {"content": b"{not json", "type": "application/json"}),
    ("batch", {"json": [{"query": "{ customers { totalCount } }"}]}),
    ("form", {"content": b"query=x", "type": "application/x-www-form-urlencoded"}),
    ("graphql body", {"content": b"{ customers { totalCount } }", "type": "application/graphql"}),
]


def _without_fast_path(app: FastAPI) -> FastAPI:
    app.user_middleware = [m for m in app.user_middleware if m.cls is not _GraphQLPost]
    return app


async def _send(app: FastAPI, api_keys: dict[Role, str], spec: dict[str, Any]) -> httpx.Response:
    headers = {}
    role = spec.get("role", Role.ADMIN)
    if "key" in spec:
        headers["Authorization"] = f"Bearer {spec['key']}"
    elif role is not None:
        headers["Authorization"] = f"Bearer {api_keys[role]}"
    if "type" in spec:
        headers["Content-Type"] = spec["type"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        if "json" in spec:
            return await c.post("/graphql", json=spec["json"], headers=headers)
        return await c.post("/graphql", content=spec["content"], headers=headers)


@pytest.mark.parametrize(("name", "spec"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_post_answers_as_the_router_does(
    name: str,
    spec: dict[str, Any],
    settings: Settings,
    sample_store: SqliteGraphStore,
    api_keys: dict[Role, str],
) -> None:
    fast = create_app(settings, sample_store)
    assert any(m.cls is _GraphQLPost for m in fast.user_middleware)
    routed = _without_fast_path(create_app(settings, sample_store))
    got = await _send(fast, api_keys, spec)
    expected = await _send(routed, api_keys, spec)
    assert (got.status_code, got.content) == (expected.status_code, expected.content), name
    for header in ("content-type", "www-authenticate", "content-length"):
        assert got.headers.get(header) == expected.headers.get(header), (name, header)


async def test_other_requests_still_go_through_fastapi(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    got = await client.get("/graphql", params={"query": '{ customer(id: "c2") { name } }'})
    assert got.json() == {"data": {"customer": {"name": "Bob Stone"}}}
    assert (await client.put("/graphql")).status_code == 405
    assert (await client.post("/graphql/", json={"query": "{ __typename }"})).status_code in (
        307,
        308,
        404,
    )
