"""How the schema executes: no reference cycle left behind, plain fields read as attributes."""

from __future__ import annotations

import gc

from graph_api.config import Role, Settings
from graph_api.store.sqlite import SqliteGraphStore
from schema.build import build_schema
from schema.context import GraphContext, Principal

CARD = """query Card($id: ID!) { customer(id: $id) {
  id externalId name segment lifetimeValue email createdAt
  influence: score(name: "influence")
  profiles { edges { status confidence method node { platform handle followers verified } } }
  communities { edges { role joinedAt node { name owned } } }
  purchases { edges { count amount at node { name price } } }
  referrals { edges { converted node { name } } }
  contactHistory(first: 10) {
    totalCount
    edges { node { kind channel sentiment occurredAt text actor { __typename } } }
  }
} }"""


async def test_an_operation_leaves_no_reference_cycle(sample_store: SqliteGraphStore) -> None:
    settings = Settings(api_keys={})
    schema = build_schema(settings)
    principal = Principal(Role.ADMIN, open_access=True)

    async def card() -> None:
        result = await schema.execute(
            CARD, {"id": "c1"}, GraphContext(sample_store, settings, principal)
        )
        assert result.errors is None, result.errors

    await card()  # caches filled, lazy imports done
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            await card()
        # everything the operations built went with its last reference
        assert gc.collect() == 0
    finally:
        gc.enable()


async def test_plain_fields_read_the_attribute(sample_store: SqliteGraphStore) -> None:
    settings = Settings(api_keys={})
    context = GraphContext(sample_store, settings, Principal(Role.ADMIN, open_access=True))
    result = await build_schema(settings).execute(CARD, {"id": "c1"}, context)
    assert result.errors is None and result.data is not None
    card = result.data["customer"]
    assert card["externalId"] == "c1" and card["name"] == "Alice Martin"
    assert card["createdAt"] == "2024-05-01T12:00:00+00:00"
    assert card["influence"] == 90.0
    assert card["profiles"]["edges"][0] == {
        "status": "CONFIRMED",
        "confidence": 0.98,
        "method": "EMAIL",
        "node": {"platform": "X", "handle": "alice_runs", "followers": 1500, "verified": True},
    }
    history = card["contactHistory"]
    assert history["totalCount"] == 2
    assert [e["node"]["kind"] for e in history["edges"]] == ["SUPPORT_CASE", "PRAISE"]
