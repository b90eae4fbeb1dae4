"""Depth, aliases, tokens, page size, cost, introspection and error masking, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.store.sqlite import SqliteGraphStore


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "max_depth": 6,
            "max_aliases": 3,
            "max_tokens": 200,
            "max_page_size": 50,
            "default_page_size": 10,
            "max_cost": 1_000,
            "introspection": False,
            "api_keys": {},
        }
    )


@pytest.fixture
async def lclient(limited: Settings, sample_store: SqliteGraphStore) -> Any:
    app = create_app(limited, sample_store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    assert body.get("data") is None, "refused before execution"
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_page_size_over_the_limit_names_it(lclient: httpx.AsyncClient, gql: Any) -> None:
    error = _error(await gql(lclient, "{ customers(first: 51) { totalCount } }"))
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "max_page_size=50" in error["message"] and "51" in error["message"]
    # through a variable, and on a nested connection
    error = _error(
        await gql(
            lclient,
            """query($n: Int) { customer(id: "c1") {
        purchases(last: $n) { totalCount } } }""",
            {"n": 99},
        )
    )
    assert "max_page_size=50" in error["message"]
    ok = await gql(lclient, "{ customers(first: 50) { totalCount } }")
    assert ok["data"] == {"customers": {"totalCount": 4}}


async def test_cost_multiplies_nested_page_sizes(lclient: httpx.AsyncClient, gql: Any) -> None:
    # 40 + 40 x 30 = 1,240 > 1,000
    q = """{ customers(first: 40) { edges { node { profiles(first: 30) { totalCount } } } } }"""
    error = _error(await gql(lclient, q))
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == "max_cost"
    assert error["extensions"]["value"] == 1240
    assert "query cost 1240" in error["message"] and "max_cost=1000" in error["message"]
    # defaults count: 10 + 10 x 10 + 10 x 10 x 10 = 1,110
    q = """{ customers { nodes { profiles { nodes { communities { totalCount } } } } } }"""
    assert _error(await gql(lclient, q))["extensions"]["value"] == 1110
    ok = await gql(
        lclient, "{ customers(first: 20) { nodes { profiles(first: 5) { totalCount } } } }"
    )
    assert "errors" not in ok


async def test_depth_aliases_tokens(lclient: httpx.AsyncClient, gql: Any) -> None:
    deep = """{ customers { nodes { profiles { nodes { communities { nodes { members {
        nodes { __typename } } } } } } } } }"""
    error = _error(await gql(lclient, deep))
    assert "depth" in error["message"] and error["extensions"]["code"] == "LIMIT_EXCEEDED"
    aliases = "{ " + " ".join(f"a{n}: customers {{ totalCount }}" for n in range(4)) + " }"
    error = _error(await gql(lclient, aliases))
    assert "aliases" in error["message"] and error["extensions"]["code"] == "LIMIT_EXCEEDED"
    tokens = "{ " + " ".join("customers { totalCount }" for _ in range(60)) + " }"
    error = _error(await gql(lclient, tokens))
    assert "tokens" in error["message"] and error["extensions"]["code"] == "LIMIT_EXCEEDED"


async def test_introspection_can_be_disabled(lclient: httpx.AsyncClient, gql: Any) -> None:
    error = _error(await gql(lclient, "{ __schema { types { name } } }"))
    assert "introspection" in error["message"].lower()


async def test_introspection_on_by_default(client: httpx.AsyncClient, gql: Any) -> None:
    body = await gql(client, '{ __type(name: "Customer") { name } }')
    assert body["data"] == {"__type": {"name": "Customer"}}


async def test_unexpected_errors_are_masked_unless_debug(
    settings: Settings, sample_store: SqliteGraphStore, gql: Any, api_keys: Any
) -> None:
    class Broken(SqliteGraphStore):
        async def list_nodes(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret internals /etc/passwd")

    broken = Broken(sample_store.path)
    await broken.open()
    try:
        for debug in (False, True):
            app = create_app(settings.model_copy(update={"debug": debug, "api_keys": {}}), broken)
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as c:
                body = await gql(c, "{ customers { totalCount } }")
            error = body["errors"][0]
            assert error["extensions"]["code"] == "INTERNAL"
            if debug:
                assert "secret internals" in error["message"]
            else:
                assert error["message"] == "Unexpected error."
                assert "secret" not in str(body)
    finally:
        await broken.close()
