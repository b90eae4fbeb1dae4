"""API keys, roles and personal data, over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from graph_api.app import create_app
from graph_api.config import Role, Settings
from graph_api.store.sqlite import SqliteGraphStore

Clients = Callable[[Role | None], httpx.AsyncClient]
PII_QUERY = '{ customer(id: "c1") { name email } }'


async def test_missing_and_wrong_keys_are_refused(client_for: Clients, gql: Any, app: Any) -> None:
    body = await gql(client_for(None), "{ customers { totalCount } }")
    assert body["_status"] == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in body["errors"][0]["message"]
    assert body.get("data") is None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers={"X-API-Key": "not-a-key"},
    ) as wrong:
        body = await gql(wrong, "{ customers { totalCount } }")
    assert body["_status"] == 401
    assert body["errors"][0]["message"] == "unknown API key"


async def test_x_api_key_header_works(app: Any, api_keys: dict[Role, str], gql: Any) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers={"X-API-Key": api_keys[Role.READER]},
    ) as c:
        body = await gql(c, "{ customers { totalCount } }")
    assert body == {"data": {"customers": {"totalCount": 4}}, "_status": 200}


async def test_pii_is_refused_for_roles_without_sees_pii(client_for: Clients, gql: Any) -> None:
    for role in (Role.READER, Role.ANALYST):
        body = await gql(client_for(role), PII_QUERY)
        assert body.get("data") is None, "refused before execution, never a silent null"
        error = body["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert "Customer.email is personal data" in error["message"]
        # the same through a fragment and on profiles
        frag = await gql(
            client_for(role),
            """{ profiles { nodes { ...P } } }
            fragment P on Profile { handle phone }""",
        )
        assert frag["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # filtering on personal data is refused too
        flt = await gql(
            client_for(role),
            '{ customers(filter: {email: {eq: "bob@example.com"}}) { totalCount } }',
        )
        assert flt["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # the rest stays readable
        ok = await gql(client_for(role), '{ customer(id: "c1") { name } }')
        assert ok["data"] == {"customer": {"name": "Alice Martin"}}
    for role in (Role.MARKETER, Role.ADMIN):
        body = await gql(client_for(role), PII_QUERY)
        assert body["data"]["customer"]["email"] == "alice@example.com"
        flt = await gql(
            client_for(role),
            '{ customers(filter: {email: {eq: "bob@example.com"}}) { nodes { externalId } } }',
        )
        assert flt["data"]["customers"]["nodes"] == [{"externalId": "c2"}]


async def test_mutations_need_admin_links_need_marketer(client_for: Clients, gql: Any) -> None:
    upsert = 'mutation { upsertProducts(products: [{id: "d9", name: "Cap"}]) { externalId } }'
    for role in (Role.READER, Role.ANALYST, Role.MARKETER):
        body = await gql(client_for(role), upsert)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "needs the admin role" in body["errors"][0]["message"]
    confirm = 'mutation { confirmProfileLink(customer: "c1", profile: "p2") { status } }'
    assert (await gql(client_for(Role.ANALYST), confirm))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"
    body = await gql(client_for(Role.MARKETER), confirm)
    assert body["data"] == {"confirmProfileLink": {"status": "CONFIRMED"}}
    body = await gql(client_for(Role.ADMIN), upsert)
    assert body["data"] == {"upsertProducts": [{"externalId": "d9"}]}


async def test_no_keys_on_loopback_runs_open_as_admin(
    sample_store: SqliteGraphStore, gql: Any
) -> None:
    app = create_app(Settings(host="127.0.0.1", api_keys={}), sample_store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        body = await gql(c, PII_QUERY)
    assert body["data"]["customer"]["email"] == "alice@example.com"
