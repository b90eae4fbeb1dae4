from __future__ import annotations

from typing import Any

import pytest

from loaders.layout import FILE_SPECS, FileSpec
from loaders.rows import EdgeRecord, NodeRecord, RowParser

SPECS = {s.stem: s for s in FILE_SPECS}


def parse(stem: str, row: dict[str, Any]) -> NodeRecord | EdgeRecord | list[tuple[str, str]]:
    spec: FileSpec = SPECS[stem]
    return RowParser(spec).parse(row)


def reasons(result: object) -> dict[str, str]:
    assert isinstance(result, list), result
    return dict(result)


def test_customer_row_becomes_store_props() -> None:
    rec = parse(
        "customers",
        {
            "id": " c1 ",
            "name": "Ann",
            "email": "ANN@Example.com",
            "lifetimeValue": "12.5",
            "createdAt": "2024-05-01T14:00:00+02:00",
        },
    )
    assert isinstance(rec, NodeRecord)
    assert rec.id == "c1"
    assert rec.props == {
        "name": "Ann",
        "email": "ann@example.com",
        "lifetimeValue": 12.5,
        "createdAt": "2024-05-01T12:00:00.000000Z",
    }


def test_date_only_means_midnight_utc() -> None:
    rec = parse("follows", {"follower": "p1", "followed": "p2", "since": "2024-02-01"})
    assert isinstance(rec, EdgeRecord)
    assert rec.props == {"since": "2024-02-01T00:00:00.000000Z"}


@pytest.mark.parametrize(
    ("stem", "row", "field", "words"),
    [
        ("customers", {"id": "c1", "name": "Ann", "colour": "red"}, "colour", "unknown column"),
        ("customers", {"name": "Ann"}, "id", "missing"),
        (
            "customers",
            {"id": "c1", "name": "Ann", "createdAt": "yesterday"},
            "createdAt",
            "unparseable date 'yesterday'",
        ),
        (
            "customers",
            {"id": "c1", "name": "Ann", "createdAt": "2024-05-01T10:00:00"},
            "createdAt",
            "timezone",
        ),
        (
            "interactions",
            {
                "id": "i1",
                "kind": "post",
                "channel": "x",
                "sentiment": "1.5",
                "occurredAt": "2024-05-01T10:00:00Z",
            },
            "sentiment",
            "outside [-1, 1]",
        ),
        (
            "interactions",
            {"id": "i1", "kind": "rant", "channel": "x", "occurredAt": "2024-05-01T10:00:00Z"},
            "kind",
            "unknown value 'rant'",
        ),
        (
            "profiles",
            {"id": "p1", "platform": "myspace", "handle": "a"},
            "platform",
            "unknown value 'myspace'",
        ),
        (
            "customers",
            {"id": "c1", "name": "Ann", "email": "not-an-address"},
            "email",
            "not an e-mail address",
        ),
        (
            "has_profile",
            {"customer": "c1", "profile": "p1", "status": "maybe"},
            "status",
            "unknown value 'maybe'",
        ),
        (
            "member_of",
            {"member": "c1", "memberType": "robot", "community": "g1"},
            "memberType",
            "expected customer or profile",
        ),
        ("follows", {"follower": "p1"}, "followed", "missing"),
        (
            "interactions",
            {
                "id": "i1",
                "kind": "post",
                "channel": "x",
                "actor": "p1",
                "actorType": "bot",
                "occurredAt": "2024-05-01T10:00:00Z",
            },
            "actorType",
            "expected customer or profile",
        ),
        (
            "interactions",
            {
                "id": "i1",
                "kind": "post",
                "channel": "x",
                "about": {"d": 1},
                "occurredAt": "2024-05-01T10:00:00Z",
            },
            "about",
            "not a list of ids",
        ),
        (
            "interactions",
            {
                "id": "i1",
                "kind": "post",
                "channel": "x",
                "respondsTo": "",
                "occurredAt": "2024-05-01T10:00:00Z",
            },
            "respondsTo",
            "not an id",
        ),
    ],
)
def test_rejected_rows_say_which_field_and_why(
    stem: str, row: dict[str, Any], field: str, words: str
) -> None:
    found = reasons(parse(stem, row))
    assert field in found, found
    assert words in found[field]


def test_interaction_links_inline_in_csv_and_json_form() -> None:
    base = {"id": "i9", "kind": "reply", "channel": "x", "occurredAt": "2024-05-01T10:00:00Z"}
    as_csv = parse(
        "interactions",
        {
            **base,
            "actor": "c1",
            "actorType": "Customer",
            "about": "d1| d2",
            "in": "g1",
            "mentions": "p1",
            "respondsTo": "i1",
        },
    )
    as_json = parse(
        "interactions",
        {
            **base,
            "actor": "c1",
            "actorType": "customer",
            "about": ["d1", "d2", "d1"],
            "in": "g1",
            "mentions": ["p1"],
            "respondsTo": "i1",
        },
    )
    assert isinstance(as_csv, NodeRecord) and isinstance(as_json, NodeRecord)
    me = ("Interaction", "i9")
    expected = [
        ("PERFORMED", "Customer", "c1", *me, "{}"),
        ("ABOUT", *me, "Product", "d1", "{}"),
        ("ABOUT", *me, "Product", "d2", "{}"),
        ("IN", *me, "Community", "g1", "{}"),
        ("MENTIONS", *me, "Profile", "p1", "{}"),
        ("RESPONDS_TO", *me, "Interaction", "i1", "{}"),
    ]
    assert as_csv.edges == expected
    assert as_json.edges == expected
    assert as_csv.digest == as_json.digest
    assert "actor" not in as_csv.props


def test_member_defaults_to_profile_and_columns_starting_with_underscore_are_ignored() -> None:
    rec = parse("member_of", {"member": "p1", "community": "g1", "_reason": "old note"})
    assert isinstance(rec, EdgeRecord)
    assert rec == EdgeRecord("MEMBER_OF", "Profile", "p1", "Community", "g1", "{}")


def test_same_values_same_digest_different_values_different_digest() -> None:
    row = {"id": "c1", "name": "Ann", "segment": "vip"}
    a, b = parse("customers", row), parse("customers", {**row, "segment": " vip "})
    c = parse("customers", {**row, "segment": "regular"})
    assert isinstance(a, NodeRecord) and isinstance(b, NodeRecord) and isinstance(c, NodeRecord)
    assert a.digest == b.digest != c.digest
