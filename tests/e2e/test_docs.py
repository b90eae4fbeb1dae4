"""Every GraphQL block of the README runs against the app and answers what it promises."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

DOC = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```graphql\n(.*?)```(?:\s*```json\n(.*?)```)?", re.S)


def doc_queries() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for m in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        query, variables = m.group(1), json.loads(m.group(2)) if m.group(2) else {}
        name = re.search(r"(?:query|mutation)\s+(\w+)", query)
        assert name, f"every documented operation is named: {query[:60]}"
        found.append((name.group(1), query, variables))
    return found


def check_customer_card(d: dict[str, Any]) -> None:
    card = d["customer"]
    assert card["name"] == "Alice Martin" and card["email"] == "alice@example.com"
    assert card["influence"] == 90.0
    assert {e["status"] for e in card["profiles"]["edges"]} == {"CONFIRMED", "CANDIDATE"}
    assert card["contactHistory"]["totalCount"] == 2


def check_members(d: dict[str, Any]) -> None:
    assert d["community"]["members"]["totalCount"] == 3


def check_history(d: dict[str, Any]) -> None:
    edges = d["customer"]["contactHistory"]["edges"]
    assert [e["node"]["kind"] for e in edges] == ["REPLY", "COMPLAINT"]
    assert edges[1]["node"]["actor"] == {
        "__typename": "Profile",
        "platform": "X",
        "handle": "bobstone",
    }


def check_negative(d: dict[str, Any]) -> None:
    edges = d["interactions"]["edges"]
    assert [e["node"]["sentiment"] for e in edges] == [-0.9, -0.6]
    assert edges[0]["node"]["community"] == {"name": "Trail runners"}


def check_buyers(d: dict[str, Any]) -> None:
    assert [n["name"] for n in d["customers"]["nodes"]] == ["Alice Martin", "Bob Stone"]


def check_influencers(d: dict[str, Any]) -> None:
    assert [n["name"] for n in d["customers"]["nodes"]] == ["Alice Martin", "Carol Li"]


def check_complaint(d: dict[str, Any]) -> None:
    assert d["recordInteraction"]["actor"] == {"name": "Carol Li"}


CHECKS = {
    "CustomerCard": check_customer_card,
    "CommunityMembers": check_members,
    "NegativeContactHistory": check_history,
    "NegativeAboutProduct": check_negative,
    "CommunityBuyers": check_buyers,
    "TopInfluencers": check_influencers,
    "RecordComplaint": check_complaint,
}


def test_the_doc_shows_at_least_five_queries() -> None:
    names = [n for n, _, _ in doc_queries()]
    assert len(names) >= 5
    assert set(names) == set(CHECKS), "add a check for each documented operation"


@pytest.mark.parametrize(
    ("name", "query", "variables"),
    doc_queries(),
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else "",
)
async def test_documented_query(
    name: str, query: str, variables: dict[str, Any], client: httpx.AsyncClient, gql: Any
) -> None:
    body = await gql(client, query, variables)
    assert "errors" not in body, body
    CHECKS[name](body["data"])
