"""The query cost: the sum over connection fields of the product of page sizes on the path."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from graph_api.config import Settings
from schema.build import build_schema
from schema.limits import CostReports, operation_cost

SCHEMA = build_schema()._schema
SETTINGS = Settings(default_page_size=20, max_page_size=100)


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    doc = parse(query)
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    return operation_cost(SCHEMA, ops[0], frags, variables or {}, SETTINGS).cost


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('{ customer(id: "c") { name } }', 0),
        ("{ customers { totalCount } }", 20),
        ("{ customers(first: 5) { nodes { profiles(first: 3) { totalCount } } } }", 5 + 15),
        (
            "{ customers(last: 10) { edges { node { profiles { nodes { communities(first: 2)"
            " { totalCount } } } } } } }",
            10 + 200 + 400,
        ),
        (
            '{ customer(id: "c") { contactHistory(first: 50) { nodes { about(first: 2) '
            "{ totalCount } } } } }",
            50 + 100,
        ),
        (
            "query($n: Int) { customers(first: $n) { nodes { ...F } } } "
            "fragment F on Customer { purchases(first: 4) { totalCount } }",
            7 + 28,
        ),
        (
            '{ nodes(ids: ["a", "b", "c"]) { ... on Customer { profiles(first: 2) '
            "{ totalCount } } } }",
            6,
        ),
    ],
)
def test_cost(query: str, expected: int) -> None:
    assert cost(query, {"n": 7}) == expected


LIMITED = Settings(default_page_size=20, max_page_size=100, max_cost=1_000)
PAGED = "query($n: Int, $id: ID!) { customer(id: $id) { purchases(first: $n) { totalCount } } }"
LISTED = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { profiles { totalCount } } } }"


def _messages(reports: CostReports, query: str, variables: dict[str, Any]) -> list[str]:
    return [e.message for e in reports.errors(SCHEMA, query, parse(query), variables)]


def test_cached_costs_follow_the_variables_that_size_pages() -> None:
    reports = CostReports(LIMITED, maxsize=8)
    for _ in range(2):  # the second round is served from the cache
        assert _messages(reports, PAGED, {"n": 5, "id": "c1"}) == []
        assert _messages(reports, PAGED, {"n": 5, "id": "c2"}) == []
        oversized = _messages(reports, PAGED, {"n": 500, "id": "c1"})
        assert len(oversized) == 1 and "max_page_size=100" in oversized[0]
        assert _messages(reports, PAGED, {"id": "c1"}) == []  # the default page size
        # ids lists count by their length: 20 x 40 = 800, then 20 x 60 = 1,200 > 1,000
        assert _messages(reports, LISTED, {"ids": ["a"] * 40}) == []
        costly = _messages(reports, LISTED, {"ids": ["b"] * 60})
        assert len(costly) == 1 and "query cost 1200" in costly[0]


def test_cached_costs_are_fresh_errors_and_bounded() -> None:
    reports = CostReports(LIMITED, maxsize=2)
    first = reports.errors(SCHEMA, PAGED, parse(PAGED), {"n": 500, "id": "c1"})
    again = reports.errors(SCHEMA, PAGED, parse(PAGED), {"n": 500, "id": "c1"})
    assert [e.message for e in first] == [e.message for e in again]
    assert first[0] is not again[0]  # the presenter edits errors: never shared
    for n in range(10):
        reports.errors(SCHEMA, PAGED, parse(PAGED), {"n": n, "id": "c1"})
    assert len(reports._reports) <= 2
