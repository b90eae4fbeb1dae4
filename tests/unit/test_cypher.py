"""What can be checked of the Neo4j adapter without a server: the Cypher text, the template
filling, field and value validation, cursors, and how an unreachable server is reported."""

from __future__ import annotations

import ast
import asyncio
import re
import time
from pathlib import Path

import pytest
from neo4j.exceptions import ConfigurationError, ServiceUnavailable, SessionExpired
from pydantic import SecretStr, ValidationError

from graph_api.config import Settings
from graph_api.errors import ConfigError, InvalidInput, Problem, StoreError, StoreUnavailable
from graph_api.model import NodeLabel, RelType
from graph_api.store import cypher, paging
from graph_api.store import neo4j as adapter
from graph_api.store.base import (
    Condition,
    EdgeWrite,
    Node,
    NodeQuery,
    NodeRef,
    NodeWrite,
    Op,
    PageRequest,
)
from graph_api.store.neo4j import Neo4jGraphStore

STATEMENTS = {
    name: value
    for name, value in vars(cypher).items()
    if name.isupper() and not name.startswith("_") and isinstance(value, str)
}
DATA_NAMES = {"SCORE_PREFIX", "SCORE_JSON_PREFIX", "META_LABEL", "META_KEY", "DOCUMENT_LABEL"}
# fragments of statements: they use the parameters of the statement they are part of, if any
FRAGMENTS = {
    "ARROW_OUT",
    "ARROW_IN",
    "SORT_BY_ID",
    "ORDER",
    "COUNT_NODES",
    "COUNT_EDGES",
    "CREATE_ID_CONSTRAINT",
    "CREATE_META_CONSTRAINT",
    "CREATE_DOCUMENT_CONSTRAINT",
    "CONDITIONS",  # its list parameter is filled in (@LIST@)
    "COUNT_LISTED_NODES",  # its parameters come with @FILTER@ and @SORT_KEY@
}
PLACEHOLDERS = {"LABEL", "TYPE", "SRC", "DST", "ARROW", "VAR", "LIST", "I", "EDGE", "CMP"}
PLACEHOLDERS |= {"NULLS", "DIR", "SORT_KEY", "FILTER", "BOUNDS", "ORDER"}
LITERALS = {"id", "eq", "ne", "in", "gt", "gte", "lt", "lte", "contains", "is_null"}
LABELS = {label.value for label in NodeLabel} | {cypher.META_LABEL, cypher.DOCUMENT_LABEL}
TYPES = {t.value for t in RelType}


def all_texts() -> dict[str, str]:
    texts = {n: v for n, v in STATEMENTS.items() if n not in DATA_NAMES}
    texts.update({f"CREATE_INDEXES[{i}]": s for i, s in enumerate(cypher.CREATE_INDEXES)})
    return texts


# --- the text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text"), sorted(all_texts().items()))
def test_constant_has_no_python_formatting_left(name: str, text: str) -> None:
    assert not re.search(r"\{[A-Za-z_][A-Za-z0-9_]*\}", text), f"{name}: str.format field"
    assert "{}" not in text, name
    assert not re.search(r"%[sdr(]", text), f"{name}: %-formatting"
    assert set(re.findall(r"@([A-Za-z0-9_]+)@", text)) <= PLACEHOLDERS, name
    # only @NAME@ placeholders use @
    assert "@" not in re.sub(r"@[A-Z][A-Z0-9_]*@", "", text), name


@pytest.mark.parametrize(("name", "text"), sorted(all_texts().items()))
def test_values_only_as_parameters(name: str, text: str) -> None:
    literals = re.findall(r"'([^']*)'|\"([^\"]*)\"", text)
    assert {a or b for a, b in literals} <= LITERALS, f"{name}: a value written into the text"
    # numbers: the counter's 0 and 1 and the batch size of DELETE_EVERYTHING only
    numbers = set(re.findall(r"(?<![\w\[$])\d+(?![\w\]])", text))
    assert numbers <= {"0", "1", "10000"}, name
    if name.startswith("CREATE_") or name in FRAGMENTS:
        return
    assert "$" in text, f"{name}: takes no $parameter"


@pytest.mark.parametrize(("name", "text"), sorted(STATEMENTS.items()))
def test_writes_are_unwind_batches(name: str, text: str) -> None:
    writes = re.search(r"\b(MERGE|CREATE|SET|DELETE|REMOVE)\b", text)
    if not writes or name.startswith("CREATE_") or name in DATA_NAMES:
        return
    single = {"BUMP_DATA_VERSION", "PUT_DOCUMENT", "CLEAR_SCORES", "ERASE_DELETE"}
    single |= {"DELETE_EVERYTHING"}
    assert name in single or "UNWIND $rows AS row" in text or "UNWIND $pairs AS pair" in text


@pytest.mark.parametrize(("name", "text"), sorted(all_texts().items()))
def test_fixed_labels_and_types_are_from_the_model(name: str, text: str) -> None:
    for found in re.findall(r"\(\w*:(\w+)", text):
        assert found in LABELS, f"{name}: label {found}"
    for found in re.findall(r"\[\w*:(\w+)", text):
        assert found in TYPES, f"{name}: type {found}"


def test_no_cypher_outside_the_cypher_module() -> None:
    source = Path(adapter.__file__).read_text()
    keywords = re.compile(r"\b(MATCH|MERGE|RETURN|UNWIND|DETACH|CREATE CONSTRAINT)\b")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not keywords.search(node.value), f"Cypher in neo4j.py: {node.value[:60]!r}"
        assert not isinstance(node, ast.JoinedStr) or not any(
            isinstance(v, ast.Constant) and keywords.search(str(v.value)) for v in node.values
        )


def every_statement() -> list[str]:
    out: list[str] = list(cypher.schema_statements())
    for label in NodeLabel:
        for t in (cypher.GET_NODES, cypher.EXISTING_IDS, cypher.UPSERT_NODES, cypher.COUNT_NODES):
            out.append(cypher.fill(t, LABEL=label))
        for t in (cypher.STREAM_NODES, cypher.CLEAR_SCORES, cypher.WRITE_SCORES):
            out.append(cypher.fill(t, LABEL=label))
    for rel in RelType:
        out.append(cypher.fill(cypher.COUNT_EDGES, TYPE=rel))
        for t in (cypher.GET_EDGES, cypher.UPSERT_EDGES, cypher.DELETE_EDGES, cypher.STREAM_EDGES):
            out.append(cypher.fill(t, SRC=NodeLabel.CUSTOMER, TYPE=rel, DST=NodeLabel.PROFILE))
    for by_id in (True, False):
        for scan_desc in (True, False):
            bounds = [cypher.Bound(False, scan_desc), cypher.Bound(True, not scan_desc)]
            related = [(RelType.MEMBER_OF, True), (RelType.PERFORMED, False)]
            out += cypher.list_nodes_statements(
                NodeLabel.CUSTOMER,
                by_id=by_id,
                related=related,
                bounds=bounds,
                scan_desc=scan_desc,
                backward=not scan_desc,
            )
            out.append(
                cypher.neighbours_statement(
                    NodeLabel.COMMUNITY,
                    RelType.MEMBER_OF,
                    False,
                    by_id=by_id,
                    related=related,
                    bounds=bounds,
                    scan_desc=scan_desc,
                    backward=False,
                )
            )
    return out


def test_filled_statements_are_complete() -> None:
    for text in every_statement():
        assert isinstance(text, cypher.Cypher)
        assert "@" not in text, text
        assert text.count("(") == text.count(")") and text.count("{") == text.count("}")
        assert text.count("[") == text.count("]")


def test_listing_orders_nulls_last_and_breaks_ties_by_id() -> None:
    _, page = cypher.list_nodes_statements(
        NodeLabel.CUSTOMER, by_id=False, related=[], bounds=[], scan_desc=True, backward=False
    )
    assert "n[$orderKey] AS sortKey" in page
    assert "ORDER BY (sortKey IS NULL) ASC, sortKey DESC, n.id DESC" in page
    _, back = cypher.list_nodes_statements(
        NodeLabel.CUSTOMER, by_id=True, related=[], bounds=[], scan_desc=False, backward=True
    )
    assert "ORDER BY (sortKey IS NULL) DESC, sortKey ASC, n.id ASC" in back


# --- template filling --------------------------------------------------------------------------


def test_fill_accepts_enum_members() -> None:
    text = cypher.fill(cypher.GET_EDGES, SRC=NodeLabel.CUSTOMER, TYPE=RelType.HAS_PROFILE,
                       DST=NodeLabel.PROFILE)  # fmt: skip
    assert "(s:Customer {id: pair.src})-[r:HAS_PROFILE]->(d:Profile {id: pair.dst})" in text


@pytest.mark.parametrize(
    "value",
    [
        "Customer",  # even a valid label, as a plain string
        "Customer {id: 'x'}) DETACH DELETE n //",
        "name}) DETACH DELETE n //",
        True,
        -1,
        1.5,
        None,
    ],
)
def test_fill_refuses_anything_but_enum_members_and_fragments(value: object) -> None:
    with pytest.raises(TypeError):
        cypher.fill(cypher.GET_NODES, LABEL=value)  # type: ignore[arg-type]


def test_fill_requires_every_placeholder_exactly() -> None:
    with pytest.raises(KeyError):
        cypher.fill(cypher.GET_EDGES, SRC=NodeLabel.CUSTOMER, TYPE=RelType.FOLLOWS)
    with pytest.raises(KeyError):
        cypher.fill(cypher.GET_NODES, LABEL=NodeLabel.CUSTOMER, TYPE=RelType.FOLLOWS)


# --- fields and values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("id", "id"),
        ("segment", "segment"),
        ("occurredAt", "occurredAt"),
        ("scores.influence", "score_influence"),
        ("scores.advocacy_class", "score_advocacy_class"),
    ],
)
def test_field_names_map_to_properties(field: str, key: str) -> None:
    assert adapter._property_key(field) == key


@pytest.mark.parametrize(
    "field",
    [
        "name}) DETACH DELETE n //",
        "name') --",
        "x y",
        "segment\n",
        "",
        "1abc",
        "scores.",
        "scores.a.b",
        "n.name",
        "`name`",
        "a" * 65,
        "score_influence",  # scores are read as scores.<name>
        "scorejson_x",
    ],
)
def test_bad_field_names_are_refused(field: str) -> None:
    with pytest.raises(InvalidInput):
        adapter._property_key(field)
    with pytest.raises(InvalidInput):
        adapter._Window[Node](NodeQuery(order_by=field), PageRequest())


def test_conditions_become_parameters() -> None:
    assert adapter._condition(Condition("segment", Op.EQ, "gold")) == {
        "op": "eq",
        "key": "segment",
        "value": "gold",
    }
    assert adapter._condition(Condition("scores.influence", Op.IN, (1, 2)))["value"] == [1, 2]
    assert adapter._condition(Condition("segment", Op.IS_NULL, False))["value"] is False
    assert adapter._condition(Condition("segment", Op.IS_NULL, None))["value"] is True
    with pytest.raises(InvalidInput, match="list"):
        adapter._condition(Condition("segment", Op.IN, "gold"))
    with pytest.raises(InvalidInput):
        adapter._condition(Condition("segment", Op.EQ, {"$ne": 1}))


def test_stored_properties_are_checked() -> None:
    problems: list[Problem] = []
    out = adapter._store_props(
        "Customer:c1",
        {"name": "Ada", "gone": None, "nested": {"a": 1}, "id": "x", "score_x": 1, "n": 2**70},
        problems,
    )
    assert out == {"name": "Ada"}
    assert {p.field for p in problems} == {"nested", "id", "score_x", "n"}


def test_scores_are_split_from_source_properties() -> None:
    row = adapter._score_row("c1", {"influence": 9.5, "evidence": {"praise": 2}, "old": None})
    assert row["set"] == {"score_influence": 9.5, "scorejson_evidence": '{"praise":2}'}
    assert set(row["remove"]) == {"scorejson_influence", "score_evidence"} | {
        "score_old",
        "scorejson_old",
    }
    props, scores = adapter._split_props({"id": "c1", "name": "Ada", **row["set"]})
    assert props == {"name": "Ada"}
    assert scores == {"influence": 9.5, "evidence": {"praise": 2}}
    with pytest.raises(InvalidInput):
        adapter._score_row("c1", {"bad name": 1})


# --- cursors and windows -----------------------------------------------------------------------


def test_cursors_are_shared_with_sqlite() -> None:
    mine = paging.encode_cursor("lifetimeValue", True, 12.5, "c1")
    assert paging.decode_cursor(mine, "lifetimeValue", True) == (12.5, "c1")
    with pytest.raises(InvalidInput, match="ordering"):
        paging.decode_cursor(mine, "id", True)
    with pytest.raises(InvalidInput):
        paging.decode_cursor("garbage!", "id", False)


def test_window_bounds() -> None:
    after = paging.encode_cursor("segment", False, None, "c4")
    window = adapter._Window[Node](NodeQuery(order_by="segment"), PageRequest(first=2, after=after))
    assert window.bounds == [cypher.Bound(null_key=True, descending=False)]
    assert window.params() == {
        "bounds": [{"key": None, "id": "c4", "nullsAfter": True}],
        "rowLimit": 3,
        "orderKey": "segment",
    }
    with pytest.raises(InvalidInput):
        adapter._Window[Node](NodeQuery(), PageRequest(first=1, last=1))
    with pytest.raises(InvalidInput):
        adapter._Window[Node](NodeQuery(), PageRequest(first=paging.MAX_PAGE + 1))


# --- validation before any connection ----------------------------------------------------------


async def test_invalid_writes_fail_before_touching_the_store() -> None:
    store = Neo4jGraphStore("neo4j://127.0.0.1:1", "neo4j", "unused")  # never opened
    c, d = NodeRef(NodeLabel.CUSTOMER, "a"), NodeRef(NodeLabel.PRODUCT, "d")
    with pytest.raises(InvalidInput, match="FOLLOWS"):
        await store.upsert(edges=[EdgeWrite(RelType.FOLLOWS, c, d)])
    with pytest.raises(InvalidInput):
        await store.upsert([NodeWrite(NodeLabel.CUSTOMER, "a", {"deep": [{"x": 1}]})])
    with pytest.raises(InvalidInput):
        await store.list_nodes(NodeLabel.CUSTOMER, NodeQuery(order_by="name}) DETACH DELETE n //"))
    with pytest.raises(StoreUnavailable, match="not open"):
        await store.count_nodes(NodeLabel.CUSTOMER)


# --- connection and settings -------------------------------------------------------------------


@pytest.mark.parametrize("uri", ["neo4j://127.0.0.1:1", "bolt://127.0.0.1:1"])
async def test_unreachable_server_is_store_unavailable(uri: str) -> None:
    settings = Settings(store="neo4j", neo4j_uri=uri, neo4j_password=SecretStr("secret"))
    store = Neo4jGraphStore.from_settings(settings)
    store._connection_timeout = 2.0
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot be reached") as err:
        await asyncio.wait_for(store.open(), timeout=20)
    assert time.monotonic() - started < 10
    assert "GRAPH_API_NEO4J_URI" in str(err.value)
    assert isinstance(err.value.__cause__, ServiceUnavailable)
    with pytest.raises(StoreUnavailable):
        await store.ping()  # still not open
    await store.close()


def test_from_settings_needs_a_uri() -> None:
    with pytest.raises(ConfigError, match="GRAPH_API_NEO4J_URI"):
        Neo4jGraphStore.from_settings(Settings(store="neo4j"))


def test_password_is_taken_from_the_secret() -> None:
    settings = Settings(neo4j_uri="neo4j://db:7687", neo4j_password=SecretStr("pw"))
    store = Neo4jGraphStore.from_settings(settings)
    assert store._auth == ("neo4j", "pw")
    assert "pw" not in repr(store)
    assert Neo4jGraphStore("neo4j://db:7687", "neo4j", None)._auth is None


@pytest.mark.parametrize(
    "uri", ["http://localhost:7474", "localhost:7687", "neo4j://", "neo4j:/nohost", "postgres://x"]
)
def test_malformed_uri_is_refused_by_settings(uri: str) -> None:
    with pytest.raises(ValidationError, match="not a Neo4j URI"):
        Settings(neo4j_uri=uri)


async def test_bad_uri_scheme_is_a_config_error() -> None:
    store = Neo4jGraphStore("neo4j+bogus://localhost:7687", "neo4j", "pw")
    with pytest.raises(ConfigError, match="cannot use Neo4j URI"):
        await store.open()


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ServiceUnavailable("down"), StoreUnavailable),
        (SessionExpired("gone"), StoreUnavailable),
        (ConfigurationError("bad"), ConfigError),
    ],
)
def test_driver_errors_are_translated(exc: Exception, expected: type[Exception]) -> None:
    translated = adapter._translate(exc, "neo4j://db:7687")
    assert type(translated) is expected
    assert isinstance(translated, StoreError) or expected is ConfigError
