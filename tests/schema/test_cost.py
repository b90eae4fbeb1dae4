"""The query cost: the sum over connection fields of the product of page sizes on the path."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from graph_api.config import Settings
from schema.build import build_schema
from schema.limits import operation_cost

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
