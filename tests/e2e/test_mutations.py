"""Mutations over HTTP: validation with paths, all-or-nothing writes, links, erasure."""

from __future__ import annotations

from typing import Any

import httpx

from graph_api.model import NodeLabel
from graph_api.store.sqlite import SqliteGraphStore
from schema.ids import encode_global_id

UPSERT_CUSTOMERS = """mutation($input: [CustomerInput!]!) {
  upsertCustomers(customers: $input) {
    externalId name email lifetimeValue
    communities { nodes { externalId } }
    purchases { edges { count amount node { externalId } } }
  }
}"""


async def test_upsert_customers_with_relations(client: httpx.AsyncClient, gql: Any) -> None:
    body = await gql(
        client,
        UPSERT_CUSTOMERS,
        {
            "input": [
                {
                    "id": "c9",
                    "name": "Eve Noor",
                    "email": " Eve@Example.COM ",
                    "lifetimeValue": 10,
                    "memberOf": [{"community": "g2", "role": "member"}],
                    "purchases": [
                        {"product": encode_global_id("Product", "d1"), "count": 3, "amount": 360}
                    ],
                },
            ]
        },
    )
    assert "errors" not in body, body
    (eve,) = body["data"]["upsertCustomers"]
    assert eve["email"] == "eve@example.com"  # normalised by the domain model
    assert eve["communities"]["nodes"] == [{"externalId": "g2"}]
    assert eve["purchases"]["edges"] == [
        {"count": 3, "amount": 360.0, "node": {"externalId": "d1"}}
    ]


async def test_invalid_input_names_path_and_field_and_writes_nothing(
    client: httpx.AsyncClient, gql: Any, sample_store: SqliteGraphStore
) -> None:
    version = await sample_store.data_version()
    body = await gql(
        client,
        UPSERT_CUSTOMERS,
        {
            "input": [
                {"id": "c10", "name": "Fine Person"},
                {"id": "c11", "name": "Bad Mail", "email": "not-an-email"},
                {
                    "id": "c12",
                    "name": "Neg",
                    "lifetimeValue": -5,
                    "memberOf": [{"community": "g1", "joinedAt": "2024-01-01T00:00:00"}],
                },
            ]
        },
    )
    error = body["errors"][0]
    assert error["path"] == ["upsertCustomers"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["message"].startswith("invalid input at customers[1].email: not an e-mail")
    problems = {p["path"]: p["reason"] for p in error["extensions"]["problems"]}
    assert set(problems) == {
        "customers[1].email",
        "customers[2].lifetimeValue",
        "customers[2].memberOf[0].joinedAt",
    }
    assert "timezone" in problems["customers[2].memberOf[0].joinedAt"]
    assert await sample_store.data_version() == version
    assert await sample_store.get_nodes(NodeLabel.CUSTOMER, ["c10"]) == {}


async def test_missing_endpoint_fails_the_whole_call(
    client: httpx.AsyncClient, gql: Any, sample_store: SqliteGraphStore
) -> None:
    body = await gql(
        client,
        UPSERT_CUSTOMERS,
        {
            "input": [
                {"id": "c10", "name": "Fine Person", "memberOf": [{"community": "g404"}]},
            ]
        },
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert await sample_store.get_nodes(NodeLabel.CUSTOMER, ["c10"]) == {}


async def test_upsert_profiles_communities_products(client: httpx.AsyncClient, gql: Any) -> None:
    body = await gql(
        client,
        """mutation {
      upsertCommunities(communities: [{id: "g7", name: "Hikers", platform: REDDIT,
          owned: false}]) { name platform }
      upsertProducts(products: [{id: "d7", name: "Boots", category: "shoes", price: 150}]) {
          name price }
      upsertProfiles(profiles: [{id: "p7", platform: REDDIT, handle: "hiker7", followers: 12,
          customers: [{customer: "c4", confidence: 0.7, method: HANDLE, status: CANDIDATE}],
          memberOf: [{community: "g7"}], follows: [{profile: "p1"}]}]) {
        handle customers { edges { status confidence node { externalId } } }
        communities { nodes { name } } follows { nodes { handle } } }
    }""",
    )
    assert "errors" not in body, body
    d = body["data"]
    assert d["upsertCommunities"] == [{"name": "Hikers", "platform": "REDDIT"}]
    assert d["upsertProducts"] == [{"name": "Boots", "price": 150.0}]
    (p,) = d["upsertProfiles"]
    assert p["customers"]["edges"] == [
        {"status": "CANDIDATE", "confidence": 0.7, "node": {"externalId": "c4"}}
    ]
    assert p["communities"]["nodes"] == [{"name": "Hikers"}]
    assert p["follows"]["nodes"] == [{"handle": "alice_runs"}]


async def test_record_interactions(client: httpx.AsyncClient, gql: Any) -> None:
    one = await gql(
        client,
        """mutation($a: ID!) { recordInteraction(interaction: {
        id: "i9", kind: COMPLAINT, channel: "x", sentiment: -0.7, text: "late delivery",
        occurredAt: "2024-06-01T08:00:00+02:00", actor: $a, about: ["d2"], in: "g1",
        mentions: ["p1"], respondsTo: "i5"}) {
        externalId occurredAt actor { ... on Profile { handle } } about { nodes { externalId } }
        community { externalId } mentions { nodes { handle } } respondsTo { externalId } } }""",
        {"a": encode_global_id("Profile", "p3")},
    )
    assert "errors" not in one, one
    i = one["data"]["recordInteraction"]
    assert i["occurredAt"].startswith("2024-06-01T06:00:00")  # kept in UTC
    assert i["actor"] == {"handle": "bobstone"}
    assert i["respondsTo"] == {"externalId": "i5"} and i["community"] == {"externalId": "g1"}
    bulk = await gql(
        client,
        """mutation($items: [InteractionInput!]!) {
        recordInteractions(interactions: $items) { externalId kind } }""",
        {
            "items": [
                {
                    "id": f"b{n}",
                    "kind": "PRAISE",
                    "channel": "reviews",
                    "sentiment": 0.9,
                    "occurredAt": "2024-06-02T00:00:00Z",
                    "actor": encode_global_id("Customer", "c3"),
                    "about": ["d2"],
                }
                for n in range(3)
            ]
        },
    )
    assert [x["externalId"] for x in bulk["data"]["recordInteractions"]] == ["b0", "b1", "b2"]
    history = await gql(client, '{ customer(id: "c3") { contactHistory { totalCount } } }')
    assert history["data"]["customer"]["contactHistory"]["totalCount"] == 3


async def test_record_interaction_validation(client: httpx.AsyncClient, gql: Any) -> None:
    body = await gql(
        client,
        """mutation { recordInteraction(interaction: {
        id: "i10", kind: POST, channel: "x", sentiment: 3, occurredAt: "2024-06-01T00:00:00Z",
        actor: "p3"}) { externalId } }""",
    )
    problems = {p["path"] for p in body["errors"][0]["extensions"]["problems"]}
    assert problems == {"interaction.sentiment", "interaction.actor"}


async def test_confirm_and_reject_links(client: httpx.AsyncClient, gql: Any) -> None:
    body = await gql(
        client,
        """mutation { confirmProfileLink(customer: "c1", profile: "p2") {
        status confidence method customer { externalId } profile { handle } } }""",
    )
    assert body["data"]["confirmProfileLink"] == {
        "status": "CONFIRMED",
        "confidence": 0.55,
        "method": "NAME",
        "customer": {"externalId": "c1"},
        "profile": {"handle": "alice.m"},
    }
    history = await gql(
        client, '{ customer(id: "c1") { contactHistory { nodes { externalId } } } }'
    )
    assert [n["externalId"] for n in history["data"]["customer"]["contactHistory"]["nodes"]] == [
        "i3",
        "i2",
        "i1",
    ]  # the newly confirmed profile's post joins the history
    body = await gql(
        client, 'mutation { rejectProfileLink(customer: "c1", profile: "p2") { status } }'
    )
    assert body["data"]["rejectProfileLink"]["status"] == "REJECTED"
    missing = await gql(
        client, 'mutation { rejectProfileLink(customer: "c3", profile: "p2") { status } }'
    )
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_erase_customer(
    client: httpx.AsyncClient, gql: Any, sample_store: SqliteGraphStore
) -> None:
    body = await gql(
        client,
        """mutation { eraseCustomer(id: "c1") {
        customerId relationshipsDeleted nodesDeleted { label count } } }""",
    )
    assert "errors" not in body, body
    report = body["data"]["eraseCustomer"]
    assert report["customerId"] == "c1"
    deleted = {x["label"]: x["count"] for x in report["nodesDeleted"]}
    assert deleted.get("Customer") == 1 and deleted.get("Profile") == 1
    assert await sample_store.get_nodes(NodeLabel.CUSTOMER, ["c1"]) == {}
    again = await gql(client, 'mutation { eraseCustomer(id: "c1") { customerId } }')
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"
