"""Queries end to end over HTTP against the real app and a real SQLite store."""

from __future__ import annotations

from typing import Any

import httpx

from schema.ids import encode_global_id

CARD = """
query Card($id: ID!) {
  customer(id: $id) {
    id externalId name segment lifetimeValue
    influence: score(name: "influence")
    profiles { totalCount edges { confidence method status node { handle platform } } }
    communities { edges { role node { externalId name owned } } }
    purchases { edges { count amount at node { externalId } } }
    referrals { edges { converted node { externalId } } }
    referredBy { totalCount }
    contactHistory { totalCount edges { node { externalId kind sentiment } } }
  }
}
"""


async def test_customer_card_by_external_and_global_id(client: httpx.AsyncClient, gql: Any) -> None:
    for ident in ("c1", encode_global_id("Customer", "c1")):
        body = await gql(client, CARD, {"id": ident})
        assert "errors" not in body, body
        card = body["data"]["customer"]
        assert card["id"] == encode_global_id("Customer", "c1")
        assert card["externalId"] == "c1"
        assert card["influence"] == 90.0
        links = {e["node"]["handle"]: e for e in card["profiles"]["edges"]}
        assert links["alice_runs"]["status"] == "CONFIRMED"
        assert links["alice_runs"]["method"] == "EMAIL"
        assert links["alice.m"]["status"] == "CANDIDATE"
        assert links["alice.m"]["confidence"] == 0.55
        assert card["communities"]["edges"][0]["node"]["name"] == "Trail runners"
        purchases = {e["node"]["externalId"]: e for e in card["purchases"]["edges"]}
        assert purchases["d1"]["count"] == 2 and purchases["d1"]["amount"] == 240.0
        assert card["referrals"]["edges"][0] == {"converted": True, "node": {"externalId": "c2"}}
        # confirmed profile p1's praise and her own support case, newest first; not p2's post
        history = [e["node"]["externalId"] for e in card["contactHistory"]["edges"]]
        assert history == ["i2", "i1"]


async def test_unknown_customer_is_not_found(client: httpx.AsyncClient, gql: Any) -> None:
    body = await gql(client, '{ customer(id: "nope") { name } }')
    assert body["data"] == {"customer": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_contact_history_filters(client: httpx.AsyncClient, gql: Any) -> None:
    q = """
    query H($id: ID!, $f: InteractionFilter) {
      customer(id: $id) { contactHistory(filter: $f) { edges { node { externalId } } } }
    }"""
    cases = [
        ({"kind": {"eq": "PRAISE"}}, ["i1"]),
        ({"channel": {"eq": "email"}}, ["i2"]),
        ({"sentiment": {"lt": 0}}, ["i2"]),
        ({"occurredAt": {"gte": "2024-05-02T00:00:00Z"}}, ["i2"]),
        (
            {"kind": {"in": ["PRAISE", "SUPPORT_CASE"]}, "sentiment": {"gte": -1, "lte": 1}},
            ["i2", "i1"],
        ),
    ]
    for f, expected in cases:
        body = await gql(client, q, {"id": "c1", "f": f})
        assert "errors" not in body, (f, body)
        got = [e["node"]["externalId"] for e in body["data"]["customer"]["contactHistory"]["edges"]]
        assert got == expected, f


async def test_customers_in_community_who_bought_product(
    client: httpx.AsyncClient, gql: Any
) -> None:
    q = """{ customers(filter: {memberOf: ["g1"], purchased: ["d2"]}) {
        totalCount nodes { externalId } } }"""
    body = await gql(client, q)
    assert body["data"]["customers"] == {"totalCount": 1, "nodes": [{"externalId": "c1"}]}


async def test_negative_interactions_about_a_product(client: httpx.AsyncClient, gql: Any) -> None:
    q = """{ interactions(filter: {about: ["d1"], sentiment: {lt: 0}}) {
        edges { node { externalId sentiment
            actor { ... on Profile { handle } ... on Customer { name } } } } } }"""
    body = await gql(client, q)
    got = [e["node"]["externalId"] for e in body["data"]["interactions"]["edges"]]
    assert got == ["i2", "i4"]  # newest first
    assert body["data"]["interactions"]["edges"][1]["node"]["actor"] == {"handle": "bobstone"}


async def test_filters_on_properties_and_scores(client: httpx.AsyncClient, gql: Any) -> None:
    async def ids(flt: str, order: str = "") -> list[str]:
        body = await gql(
            client, f"{{ customers(filter: {flt} {order}) {{ nodes {{ externalId }} }} }}"
        )
        assert "errors" not in body, body
        return [n["externalId"] for n in body["data"]["customers"]["nodes"]]

    assert await ids('{segment: {eq: "vip"}}') == ["c1", "c3"]
    assert await ids('{segment: {in: ["prospect", "regular"]}}') == ["c2", "c4"]
    assert await ids('{name: {contains: "STONE"}}') == ["c2"]
    assert await ids("{lifetimeValue: {gt: 500}}") == ["c1", "c3"]
    assert await ids("{lifetimeValue: {isNull: true}}") == ["c4"]
    assert await ids('{createdAt: {lt: "2024-05-02T00:00:00Z"}}') == ["c1"]
    assert await ids('{scores: [{name: "influence", gte: 50}]}') == ["c1", "c3"]
    assert (await ids("{}", ", orderBy: {field: INFLUENCE, direction: DESC}"))[:3] == [
        "c1",
        "c3",
        "c2",
    ]
    assert (await ids("{}", ", orderBy: {field: LIFETIME_VALUE}"))[:3] == ["c2", "c3", "c1"]


async def test_forward_and_backward_pagination(client: httpx.AsyncClient, gql: Any) -> None:
    q = """query P($first: Int, $after: String, $last: Int, $before: String) {
      customers(first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { externalId }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    page1 = (await gql(client, q, {"first": 2}))["data"]["customers"]
    assert [n["externalId"] for n in page1["nodes"]] == ["c1", "c2"]
    assert page1["totalCount"] == 4
    assert page1["pageInfo"]["hasNextPage"] is True
    assert page1["pageInfo"]["hasPreviousPage"] is False
    page2 = await gql(client, q, {"first": 2, "after": page1["pageInfo"]["endCursor"]})
    page2 = page2["data"]["customers"]
    assert [n["externalId"] for n in page2["nodes"]] == ["c3", "c4"]
    assert page2["pageInfo"]["hasNextPage"] is False
    assert page2["pageInfo"]["hasPreviousPage"] is True
    back = await gql(client, q, {"last": 2, "before": page2["pageInfo"]["startCursor"]})
    back = back["data"]["customers"]
    assert [n["externalId"] for n in back["nodes"]] == ["c1", "c2"]
    assert back["pageInfo"]["hasPreviousPage"] is False
    # Relay lets hasNextPage be false when paginating backwards (the store reports it only
    # when `after` bounds the window too)
    tail = (await gql(client, q, {"last": 1}))["data"]["customers"]
    assert [n["externalId"] for n in tail["nodes"]] == ["c4"]


async def test_nested_connection_pagination(client: httpx.AsyncClient, gql: Any) -> None:
    q = """query($after: String) { customer(id: "c1") { purchases(first: 1, after: $after) {
        totalCount nodes { externalId } pageInfo { hasNextPage endCursor } } } }"""
    first = (await gql(client, q))["data"]["customer"]["purchases"]
    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"]
    cursor = first["pageInfo"]["endCursor"]
    second = (await gql(client, q, {"after": cursor}))["data"]["customer"]["purchases"]
    assert [n["externalId"] for n in first["nodes"] + second["nodes"]] == ["d1", "d2"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_node_and_nodes_by_global_id(client: httpx.AsyncClient, gql: Any) -> None:
    q = """query($id: ID!, $ids: [ID!]!) {
      node(id: $id) { id ... on Product { name } }
      nodes(ids: $ids) { __typename ... on Community { name } ... on Profile { handle } }
    }"""
    ids = [
        encode_global_id("Community", "g2"),
        encode_global_id("Profile", "zz"),
        encode_global_id("Profile", "p3"),
    ]
    body = await gql(client, q, {"id": encode_global_id("Product", "d1"), "ids": ids})
    assert body["data"]["node"] == {"id": encode_global_id("Product", "d1"), "name": "Trail shoe"}
    assert body["data"]["nodes"] == [
        {"__typename": "Community", "name": "Brand forum"},
        None,
        {"__typename": "Profile", "handle": "bobstone"},
    ]
    bad = await gql(client, '{ node(id: "not-a-global-id") { id } }')
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_interaction_links(client: httpx.AsyncClient, gql: Any) -> None:
    q = """{ interaction(id: "i4") {
        kind occurredAt
        actor { __typename ... on Profile { handle customers { nodes { externalId } } } }
        about { nodes { externalId } }
        community { name }
        mentions { nodes { handle } }
        respondsTo { externalId }
        responses { nodes { externalId } }
    } }"""
    body = await gql(client, q)
    assert "errors" not in body, body
    i = body["data"]["interaction"]
    assert i["kind"] == "COMPLAINT"
    assert i["occurredAt"].startswith("2024-05-02T12:00:00")
    assert i["actor"] == {
        "__typename": "Profile",
        "handle": "bobstone",
        "customers": {"nodes": [{"externalId": "c2"}]},
    }
    assert i["about"]["nodes"] == [{"externalId": "d1"}]
    assert i["community"] == {"name": "Trail runners"}
    assert i["mentions"]["nodes"] == [{"handle": "alice_runs"}]
    assert i["respondsTo"] == {"externalId": "i1"}
    assert i["responses"]["nodes"] == [{"externalId": "i5"}]


async def test_community_members_and_product_side(client: httpx.AsyncClient, gql: Any) -> None:
    q = """{
      community(id: "g1") { members { totalCount edges { role node { __typename
          ... on Customer { externalId } ... on Profile { handle } } } }
        interactions { nodes { externalId } } }
      product(id: "d1") { buyers { edges { count node { externalId } } }
        interactions(filter: {kind: {eq: COMPLAINT}}) { nodes { externalId } } }
      profile(id: "p1") { followedBy { edges { since node { handle } } }
        mentionedIn { nodes { externalId } } }
      communities(filter: {owned: true}) { nodes { name } }
      products(orderBy: {field: PRICE, direction: DESC}) { nodes { externalId } }
      profiles(filter: {platform: {eq: X}, followers: {gte: 1000}}, orderBy: {field: FOLLOWERS}) {
        nodes { handle } }
    }"""
    body = await gql(client, q)
    assert "errors" not in body, body
    d = body["data"]
    members = d["community"]["members"]
    assert members["totalCount"] == 3
    roles = {
        (e["node"]["__typename"], e["node"].get("externalId") or e["node"].get("handle")): e["role"]
        for e in members["edges"]
    }
    assert roles == {
        ("Customer", "c1"): "member",
        ("Customer", "c2"): "moderator",
        ("Profile", "bobstone"): "member",
    }
    assert [n["externalId"] for n in d["community"]["interactions"]["nodes"]] == ["i4", "i1"]
    assert {e["node"]["externalId"]: e["count"] for e in d["product"]["buyers"]["edges"]} == {
        "c1": 2,
        "c2": 1,
    }
    assert d["product"]["interactions"]["nodes"] == [{"externalId": "i4"}]
    assert d["profile"]["followedBy"]["edges"][0]["node"] == {"handle": "bobstone"}
    assert d["profile"]["mentionedIn"]["nodes"] == [{"externalId": "i4"}]
    assert d["communities"]["nodes"] == [{"name": "Brand forum"}]
    assert d["products"]["nodes"] == [{"externalId": "d2"}, {"externalId": "d1"}]
    assert d["profiles"]["nodes"] == [{"handle": "alice_runs"}, {"handle": "bobstone"}]
