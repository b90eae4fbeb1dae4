"""Analytics over HTTP, through the app: the fields are part of the served schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from graph_api.config import Role
from schema.build import sdl

GQL = Callable[..., Any]


def _hooked(field: str) -> bool:
    return f"  {field}" in sdl()


pytestmark = pytest.mark.skipif(
    not _hooked("analyticsStatus"), reason="schema/analytics.py is not in schema.build yet"
)


async def test_refresh_then_query_over_http(
    client_for: Callable[[Role | None], httpx.AsyncClient], gql: GQL
) -> None:
    admin, analyst, reader = (
        client_for(Role.ADMIN),
        client_for(Role.ANALYST),
        client_for(Role.READER),
    )
    status = await gql(reader, "{ analyticsStatus { stale runId } }")
    assert status["data"]["analyticsStatus"] == {"stale": True, "runId": None}

    denied = await gql(analyst, "mutation { refreshAnalytics { started } }")
    assert denied["errors"]
    done = await gql(admin, "mutation { refreshAnalytics(wait: true) { status { stale } } }")
    assert done["data"]["refreshAnalytics"]["status"]["stale"] is False

    ranked = await gql(analyst, "{ influencers(first: 2) { rank profile { externalId } } }")
    assert "errors" not in ranked, ranked
    assert [r["rank"] for r in ranked["data"]["influencers"]] == [1, 2]
    refused = await gql(reader, "{ influencers { rank } }")
    assert refused["errors"]


@pytest.mark.skipif(not _hooked("influence: InfluenceScore"), reason="node fields not hooked up")
async def test_node_fields_over_http(
    client_for: Callable[[Role | None], httpx.AsyncClient], gql: GQL
) -> None:
    admin, reader = client_for(Role.ADMIN), client_for(Role.READER)
    await gql(admin, "mutation { refreshAnalytics(wait: true) { started } }")
    query = """{ customer(id: "c1") {
        influence { score rank reach inflated explanation }
        advocacy { score class counts { praise referrals convertedReferrals } }
        community { id size }
    } }"""
    result = await gql(reader, query)
    assert "errors" not in result, result
    customer = result["data"]["customer"]
    assert 0 <= customer["influence"]["score"] <= 100
    assert customer["advocacy"]["class"] in {"PROMOTER", "PASSIVE", "DETRACTOR"}
    assert customer["advocacy"]["counts"]["convertedReferrals"] == 1
