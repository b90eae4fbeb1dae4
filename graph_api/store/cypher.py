"""Every Cypher statement of the Neo4j adapter, as named constants; values only as ``$parameters``.

The one invariant of this module
--------------------------------
Cypher cannot take labels, relationship types, sort directions or clause structure as
parameters. Statements that need them are *templates* with ``@NAME@`` placeholders, and the only
way to fill one is :func:`fill`, which accepts nothing but

* members of the closed enums :class:`~graph_api.model.NodeLabel` and
  :class:`~graph_api.model.RelType`,
* :class:`Cypher` fragments, which only this module makes (from its own constants, by
  :func:`fill` or from the closed keyword set below), and
* non-negative ints (list positions such as ``$related[0]``).

A plain ``str`` is refused, so no text that came from a user can reach the query text. Field
names chosen by users (conditions, orderings) are never part of the text either: they travel as
parameter values and are read with dynamic property access ``n[$orderKey]`` / ``n[c.key]``,
after :mod:`graph_api.store.neo4j` checked them against its field pattern. Writes are batched as
``UNWIND $rows AS row``.

Data model (see docs/neo4j.md): one label per node kind with a uniqueness constraint on ``id``;
source properties are plain properties with their camelCase names; scores are properties named
``score_<name>`` (scalars) or ``scorejson_<name>`` (lists and maps, as JSON text), so reloading
source data never touches them; ``(:GraphApiMeta {key})`` holds ``dataVersion``;
``(:GraphApiDocument {key, json})`` holds documents.

Needs Neo4j 5.26 or newer (2025.x included): ``REMOVE n[key]`` inside ``FOREACH`` (5.24) and the
``CALL (x) { ... }`` variable scope clause (5.23).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, NamedTuple

from graph_api.model import NodeLabel, RelType

__all__ = [
    "BUMP_DATA_VERSION",
    "CLEAR_SCORES",
    "COUNT_EDGES",
    "COUNT_NODES",
    "CREATE_DOCUMENT_CONSTRAINT",
    "CREATE_ID_CONSTRAINT",
    "CREATE_INDEXES",
    "CREATE_META_CONSTRAINT",
    "DELETE_EDGES",
    "DELETE_EVERYTHING",
    "DOCUMENT_LABEL",
    "ERASE_DELETE",
    "ERASE_FIND_INTERACTIONS",
    "ERASE_FIND_PROFILES",
    "EXISTING_IDS",
    "GET_DATA_VERSION",
    "GET_DOCUMENT",
    "GET_EDGES",
    "GET_NODES",
    "META_KEY",
    "META_LABEL",
    "PUT_DOCUMENT",
    "SCORE_JSON_PREFIX",
    "SCORE_PREFIX",
    "STREAM_EDGES",
    "STREAM_NODES",
    "UPSERT_EDGES",
    "UPSERT_NODES",
    "WRITE_SCORES",
    "Bound",
    "Cypher",
    "fill",
    "list_nodes_statements",
    "neighbours_statement",
    "schema_statements",
]

SCORE_PREFIX: Final = "score_"
"""Property-name prefix of a scalar score: ``scores.influence`` is stored as ``score_influence``."""
SCORE_JSON_PREFIX: Final = "scorejson_"
"""Prefix of a score whose value is a list or map, stored as JSON text."""
META_LABEL: Final = "GraphApiMeta"
META_KEY: Final = "graph"
DOCUMENT_LABEL: Final = "GraphApiDocument"


class Cypher(str):
    """Cypher text assembled in this module from its constants and enum members, never user text."""

    __slots__ = ()


_PLACEHOLDER: Final = re.compile(r"@([A-Z][A-Z0-9_]*)@")

Part = NodeLabel | RelType | Cypher | int


def fill(template: str, **parts: Part) -> Cypher:
    """Fill the ``@NAME@`` placeholders of a template of this module.

    Raises TypeError for a part that is not an enum member, a :class:`Cypher` fragment or a
    non-negative int (a plain ``str`` included), and KeyError for a missing or unused part.
    """
    for name, value in parts.items():
        if isinstance(value, (NodeLabel, RelType, Cypher)):
            continue
        if type(value) is int and value >= 0:
            continue
        raise TypeError(
            f"template part {name}={value!r} is not a NodeLabel/RelType member or a Cypher "
            "fragment; labels and types must come from the closed enums"
        )
    wanted = set(_PLACEHOLDER.findall(template))
    if wanted != set(parts):
        raise KeyError(
            f"template needs {sorted(wanted)}, got {sorted(parts)}; every placeholder is filled "
            "exactly once"
        )

    def part(match: re.Match[str]) -> str:
        value = parts[match.group(1)]
        if isinstance(value, (NodeLabel, RelType)):
            return value.value
        return str(value)

    return Cypher(_PLACEHOLDER.sub(part, template))


# --- schema: run one statement per transaction (schema and data writes cannot mix) ----------

CREATE_ID_CONSTRAINT: Final = (
    "CREATE CONSTRAINT graph_api_@LABEL@_id IF NOT EXISTS FOR (n:@LABEL@) REQUIRE n.id IS UNIQUE"
)
CREATE_META_CONSTRAINT: Final = (
    "CREATE CONSTRAINT graph_api_meta_key IF NOT EXISTS "
    "FOR (m:GraphApiMeta) REQUIRE m.key IS UNIQUE"
)
CREATE_DOCUMENT_CONSTRAINT: Final = (
    "CREATE CONSTRAINT graph_api_document_key IF NOT EXISTS "
    "FOR (d:GraphApiDocument) REQUIRE d.key IS UNIQUE"
)
CREATE_INDEXES: Final[tuple[str, ...]] = (
    "CREATE INDEX graph_api_interaction_occurred_at IF NOT EXISTS "
    "FOR (n:Interaction) ON (n.occurredAt)",
    "CREATE INDEX graph_api_interaction_kind IF NOT EXISTS FOR (n:Interaction) ON (n.kind)",
    "CREATE INDEX graph_api_customer_segment IF NOT EXISTS FOR (n:Customer) ON (n.segment)",
    "CREATE INDEX graph_api_customer_email IF NOT EXISTS FOR (n:Customer) ON (n.email)",
    "CREATE INDEX graph_api_customer_phone IF NOT EXISTS FOR (n:Customer) ON (n.phone)",
    "CREATE INDEX graph_api_profile_platform IF NOT EXISTS FOR (n:Profile) ON (n.platform)",
    "CREATE INDEX graph_api_profile_handle IF NOT EXISTS FOR (n:Profile) ON (n.handle)",
    "CREATE INDEX graph_api_profile_email IF NOT EXISTS FOR (n:Profile) ON (n.email)",
    "CREATE INDEX graph_api_profile_phone IF NOT EXISTS FOR (n:Profile) ON (n.phone)",
    "CREATE INDEX graph_api_has_profile_status IF NOT EXISTS "
    "FOR ()-[r:HAS_PROFILE]-() ON (r.status)",
)


def schema_statements() -> list[Cypher]:
    """Constraints (one per label, meta, documents) then indexes, in the order to run them."""
    out = [fill(CREATE_ID_CONSTRAINT, LABEL=label) for label in NodeLabel]
    out += [Cypher(CREATE_META_CONSTRAINT), Cypher(CREATE_DOCUMENT_CONSTRAINT)]
    out += [Cypher(s) for s in CREATE_INDEXES]
    return out


# --- nodes ---------------------------------------------------------------------------------

GET_NODES: Final = """
UNWIND $ids AS nodeId
MATCH (n:@LABEL@ {id: nodeId})
RETURN n.id AS id, properties(n) AS props
"""

EXISTING_IDS: Final = """
UNWIND $ids AS nodeId
MATCH (n:@LABEL@ {id: nodeId})
RETURN n.id AS id
"""

# Source properties are replaced as a whole, scores stay: the stale source keys (every key but
# id, the score prefixes and the new ones) are removed one by one with dynamic REMOVE, then the
# new map is merged in. `SET n = row.props` would also wipe the scores.
UPSERT_NODES: Final = """
UNWIND $rows AS row
MERGE (n:@LABEL@ {id: row.id})
WITH n, row, [k IN keys(n) WHERE k <> 'id'
    AND NOT any(p IN $reserved WHERE k STARTS WITH p)
    AND NOT k IN keys(row.props)] AS stale
FOREACH (k IN stale | REMOVE n[k])
SET n += row.props
"""

COUNT_NODES: Final = "MATCH (n:@LABEL@) RETURN count(n) AS count"

STREAM_NODES: Final = """
MATCH (n:@LABEL@)
WHERE n.id > $after
RETURN n.id AS id, properties(n) AS props
ORDER BY n.id
LIMIT $rowLimit
"""

# --- relationships -------------------------------------------------------------------------

GET_EDGES: Final = """
UNWIND $pairs AS pair
MATCH (s:@SRC@ {id: pair.src})-[r:@TYPE@]->(d:@DST@ {id: pair.dst})
RETURN s.id AS src, d.id AS dst, properties(r) AS props
"""

# One relationship per (type, src, dst): MERGE between bound nodes; props replaced as a whole.
UPSERT_EDGES: Final = """
UNWIND $rows AS row
MATCH (s:@SRC@ {id: row.src})
MATCH (d:@DST@ {id: row.dst})
MERGE (s)-[r:@TYPE@]->(d)
SET r = row.props
"""

DELETE_EDGES: Final = """
UNWIND $pairs AS pair
MATCH (s:@SRC@ {id: pair.src})-[r:@TYPE@]->(d:@DST@ {id: pair.dst})
DELETE r
RETURN count(*) AS deleted
"""

COUNT_EDGES: Final = "MATCH ()-[r:@TYPE@]->() RETURN count(r) AS count"

# Keyset over (s.id, d.id) within one source and target label.
STREAM_EDGES: Final = """
MATCH (s:@SRC@)-[r:@TYPE@]->(d:@DST@)
WHERE s.id >= $afterSrc AND (s.id > $afterSrc OR d.id > $afterDst)
RETURN s.id AS src, d.id AS dst, properties(r) AS props
ORDER BY s.id, d.id
LIMIT $rowLimit
"""

# --- data version, scores, documents -------------------------------------------------------

BUMP_DATA_VERSION: Final = """
MERGE (m:GraphApiMeta {key: $key})
SET m.dataVersion = coalesce(m.dataVersion, 0) + 1
RETURN m.dataVersion AS version
"""

GET_DATA_VERSION: Final = """
OPTIONAL MATCH (m:GraphApiMeta {key: $key})
RETURN coalesce(m.dataVersion, 0) AS version
"""

CLEAR_SCORES: Final = """
MATCH (n:@LABEL@)
WITH n, [k IN keys(n) WHERE any(p IN $reserved WHERE k STARTS WITH p)] AS scoreKeys
WHERE size(scoreKeys) > 0
FOREACH (k IN scoreKeys | REMOVE n[k])
"""

# row: {id, set: {score_x: value, ...}, remove: [keys]}; set and remove are disjoint.
WRITE_SCORES: Final = """
UNWIND $rows AS row
MATCH (n:@LABEL@ {id: row.id})
FOREACH (k IN row.remove | REMOVE n[k])
SET n += row.set
RETURN count(n) AS written
"""

PUT_DOCUMENT: Final = """
MERGE (d:GraphApiDocument {key: $key})
SET d.json = $json
"""

GET_DOCUMENT: Final = """
MATCH (d:GraphApiDocument {key: $key})
RETURN d.json AS json
"""

# --- erasure (one write transaction, three statements) -------------------------------------

ERASE_FIND_PROFILES: Final = """
MATCH (c:Customer {id: $customerId})
OPTIONAL MATCH (c)-[:HAS_PROFILE {status: $confirmed}]->(p:Profile)
RETURN c.id AS id, collect(DISTINCT p.id) AS profileIds
"""

ERASE_FIND_INTERACTIONS: Final = """
MATCH (c:Customer {id: $customerId})
OPTIONAL MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH collect(i.id) AS fromCustomer
OPTIONAL MATCH (p:Profile)-[:PERFORMED]->(j:Interaction)
WHERE p.id IN $profileIds
RETURN fromCustomer, collect(j.id) AS fromProfiles
"""

ERASE_DELETE: Final = """
MATCH (c:Customer {id: $customerId})
OPTIONAL MATCH (p:Profile) WHERE p.id IN $profileIds
WITH c, collect(p) AS profiles
OPTIONAL MATCH (i:Interaction) WHERE i.id IN $interactionIds
WITH c, profiles, collect(i) AS interactions
WITH [c] + profiles + interactions AS doomed
CALL (doomed) {
    UNWIND doomed AS x
    MATCH (x)-[r]-()
    RETURN count(DISTINCT r) AS relationships
}
FOREACH (x IN doomed | DETACH DELETE x)
RETURN relationships
"""

# Test support: auto-commit only (CALL ... IN TRANSACTIONS); removes nodes of our labels only.
DELETE_EVERYTHING: Final = """
MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
"""

# --- listing: filters, keyset bounds, order ------------------------------------------------
# The filtered node is always `n` (sort key `sortKey`), the hop relationship `r`, a Related
# relationship `x` with far node `m`. User field names are values: `c.key`, `$orderKey`.

CONDITIONS: Final = """all(c IN @LIST@ WHERE CASE c.op
    WHEN 'eq' THEN @VAR@[c.key] = c.value
    WHEN 'ne' THEN (@VAR@[c.key] IS NULL OR @VAR@[c.key] <> c.value)
    WHEN 'in' THEN @VAR@[c.key] IN c.value
    WHEN 'gt' THEN @VAR@[c.key] > c.value
    WHEN 'gte' THEN @VAR@[c.key] >= c.value
    WHEN 'lt' THEN @VAR@[c.key] < c.value
    WHEN 'lte' THEN @VAR@[c.key] <= c.value
    WHEN 'contains' THEN toLower(toString(@VAR@[c.key])) CONTAINS toLower(c.value)
    WHEN 'is_null' THEN (@VAR@[c.key] IS NULL) = c.value
    ELSE false END)"""

RELATED: Final = """EXISTS {
    MATCH (n)@ARROW@(m)
    WHERE any(ref IN $related[@I@].nodes WHERE ref.label IN labels(m) AND ref.id = m.id)
      AND @EDGE@
}"""

ARROW_OUT: Final = "-[@VAR@:@TYPE@]->"
ARROW_IN: Final = "<-[@VAR@:@TYPE@]-"

SORT_BY_ID: Final = "n.id"
SORT_BY_PROPERTY: Final = "n[$orderKey]"

# Rows after the cursor `$bounds[i]` in scanning order (CMP is < or >); nulls sort last in the
# user's order, i.e. after every value when scanning forwards (nullsAfter) and before when
# scanning backwards.
BOUND_VALUE: Final = """((sortKey IS NOT NULL AND (sortKey @CMP@ $bounds[@I@].key
    OR (sortKey = $bounds[@I@].key AND n.id @CMP@ $bounds[@I@].id)))
    OR ($bounds[@I@].nullsAfter AND sortKey IS NULL))"""
BOUND_NULL: Final = """((sortKey IS NULL AND n.id @CMP@ $bounds[@I@].id)
    OR (NOT $bounds[@I@].nullsAfter AND sortKey IS NOT NULL))"""

ORDER: Final = "(sortKey IS NULL) @NULLS@, sortKey @DIR@, n.id @DIR@"

COUNT_LISTED_NODES: Final = """
MATCH (n:@LABEL@)
WITH n, @SORT_KEY@ AS sortKey
WHERE @FILTER@
RETURN count(n) AS total
"""

LIST_NODES: Final = """
MATCH (n:@LABEL@)
WITH n, @SORT_KEY@ AS sortKey
WHERE @FILTER@
RETURN n.id AS id, properties(n) AS props, sortKey
ORDER BY @ORDER@
LIMIT $rowLimit
"""

# One statement for all refs of one label: per ref a total and its own page (LIMIT inside the
# subquery runs per ref; ORDER BY on WITH fixes the order collect() sees).
NEIGHBOURS: Final = """
UNWIND $ids AS nearId
MATCH (me:@LABEL@ {id: nearId})
CALL (me) {
    MATCH (me)@ARROW@(n)
    WITH r, n, @SORT_KEY@ AS sortKey
    WHERE @FILTER@
    RETURN count(*) AS total
}
CALL (me) {
    MATCH (me)@ARROW@(n)
    WITH r, n, @SORT_KEY@ AS sortKey
    WHERE @FILTER@ AND @BOUNDS@
    WITH r, n, sortKey
    ORDER BY @ORDER@
    LIMIT $rowLimit
    RETURN collect({edge: properties(r), id: n.id, labels: labels(n),
                    props: properties(n), sortKey: sortKey}) AS rows
}
RETURN me.id AS id, total, rows
"""

# The closed keyword set from which fragments are made.
_TRUE: Final = Cypher("true")
_ASC: Final = Cypher("ASC")
_DESC: Final = Cypher("DESC")
_LT: Final = Cypher("<")
_GT: Final = Cypher(">")
_N: Final = Cypher("n")
_R: Final = Cypher("r")
_X: Final = Cypher("x")
_NODE_CONDS: Final = Cypher("$nodeConds")
_EDGE_CONDS: Final = Cypher("$edgeConds")
_RELATED_EDGE_CONDS: Final = "$related[@I@].edge"


class Bound(NamedTuple):
    """The shape of one keyset bound; its values go in ``$bounds[i]`` (key, id, nullsAfter)."""

    null_key: bool
    """The cursor's sort key is null."""
    descending: bool
    """Rows must come before the cursor in ascending order (``<``), else after it (``>``)."""


def _arrow(type: RelType, outgoing: bool, var: Cypher) -> Cypher:
    return fill(ARROW_OUT if outgoing else ARROW_IN, VAR=var, TYPE=type)


def _and(parts: Sequence[Cypher]) -> Cypher:
    return Cypher(" AND ".join(parts)) if parts else _TRUE


def _filter(related: Sequence[tuple[RelType, bool]], *, edge: bool) -> Cypher:
    parts = [fill(CONDITIONS, LIST=_NODE_CONDS, VAR=_N)]
    if edge:
        parts.append(fill(CONDITIONS, LIST=_EDGE_CONDS, VAR=_R))
    for i, (type, outgoing) in enumerate(related):
        edge_conds = fill(CONDITIONS, LIST=fill(_RELATED_EDGE_CONDS, I=i), VAR=_X)
        parts.append(fill(RELATED, ARROW=_arrow(type, outgoing, _X), I=i, EDGE=edge_conds))
    return _and(parts)


def _bounds(bounds: Sequence[Bound]) -> Cypher:
    return _and(
        [
            fill(BOUND_NULL if b.null_key else BOUND_VALUE, CMP=_LT if b.descending else _GT, I=i)
            for i, b in enumerate(bounds)
        ]
    )


def _order(scan_desc: bool, backward: bool) -> Cypher:
    return fill(ORDER, NULLS=_DESC if backward else _ASC, DIR=_DESC if scan_desc else _ASC)


def list_nodes_statements(
    label: NodeLabel,
    *,
    by_id: bool,
    related: Sequence[tuple[RelType, bool]],
    bounds: Sequence[Bound],
    scan_desc: bool,
    backward: bool,
) -> tuple[Cypher, Cypher]:
    """The count and the page statement of a node listing.

    ``related``: (type, outgoing) of each Related filter, in order (``$related[i]``).
    Parameters: ``$nodeConds``, ``$related``, ``$orderKey`` (unless ``by_id``), ``$bounds``,
    ``$rowLimit``.
    """
    sort_key = Cypher(SORT_BY_ID if by_id else SORT_BY_PROPERTY)
    where = _filter(related, edge=False)
    count = fill(COUNT_LISTED_NODES, LABEL=label, SORT_KEY=sort_key, FILTER=where)
    page = fill(
        LIST_NODES,
        LABEL=label,
        SORT_KEY=sort_key,
        FILTER=_and([where, _bounds(bounds)]),
        ORDER=_order(scan_desc, backward),
    )
    return count, page


def neighbours_statement(
    label: NodeLabel,
    type: RelType,
    outgoing: bool,
    *,
    by_id: bool,
    related: Sequence[tuple[RelType, bool]],
    bounds: Sequence[Bound],
    scan_desc: bool,
    backward: bool,
) -> Cypher:
    """The hop statement for refs of one label; parameters as for a listing plus ``$ids`` and
    ``$edgeConds``."""
    return fill(
        NEIGHBOURS,
        LABEL=label,
        ARROW=_arrow(type, outgoing, _R),
        SORT_KEY=Cypher(SORT_BY_ID if by_id else SORT_BY_PROPERTY),
        FILTER=_filter(related, edge=True),
        BOUNDS=_bounds(bounds),
        ORDER=_order(scan_desc, backward),
    )
