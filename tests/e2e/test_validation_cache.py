"""Cached parsing and validation never let a repeated query skip a check that applies to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from graph_api.config import Role

Clients = Callable[[Role | None], httpx.AsyncClient]
PII_QUERY = '{ customer(id: "c1") { name email } }'
PAGE_QUERY = "query($n: Int) { customers(first: $n) { totalCount } }"


async def test_a_query_valid_for_one_role_is_still_refused_for_another(
    client_for: Clients, gql: Any
) -> None:
    for _ in range(2):  # the second round is served from the caches
        ok = await gql(client_for(Role.ADMIN), PII_QUERY)
        assert ok["data"]["customer"]["email"], ok
        refused = await gql(client_for(Role.READER), PII_QUERY)
        assert refused.get("data") is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        anonymous = await gql(client_for(None), PII_QUERY)
        assert anonymous["_status"] == 401
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_page_size_is_checked_per_request_after_the_text_passed(
    client_for: Clients, gql: Any
) -> None:
    client = client_for(Role.ADMIN)
    for _ in range(2):
        ok = await gql(client, PAGE_QUERY, {"n": 2})
        assert ok["data"] == {"customers": {"totalCount": 4}}
        refused = await gql(client, PAGE_QUERY, {"n": 100_000})
        assert refused.get("data") is None
        assert refused["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
        assert refused["errors"][0]["extensions"]["limit"] == "max_page_size"


async def test_syntax_errors_are_presented_every_time(client_for: Clients, gql: Any) -> None:
    for _ in range(2):
        body = await gql(client_for(Role.ADMIN), "{ customers { ")
        assert body.get("data") is None
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "Syntax Error" in body["errors"][0]["message"]
