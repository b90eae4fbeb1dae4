"""Row models and parsing: a raw row of a file becomes a node or relationship record, or reasons.

Node rows are validated by the domain records of :mod:`graph_api.model` themselves
(``extra="forbid"``); relationship rows by their property model plus two endpoint columns; an
interaction row may carry its relationships inline (:func:`_inline_edges`). Parsing never
touches a store: reference checks and duplicate checks live in :mod:`loaders.checks`.

:meth:`RowParser.parse_many` is what a load uses: the same result as :meth:`RowParser.parse`
row by row, for a whole chunk at a time. The chunk's rows are validated by one pydantic call
over tuples of their values (:func:`_tuple_schema`: the per-row work stays in pydantic's
compiled core, and no model object is made) and their properties encoded from those tuples
(:func:`_compile_encoder`: the canonical JSON of ``node_props``, without building the
dict); any row that the batch refuses, or that needs the row-by-row rules (unknown or ``_``
columns, date-only timestamps, a value without an exact JSON rule), goes through
:meth:`RowParser.parse`, which also words every error. Rows of a CSV file skip even the
reader's dicts: a :class:`CellsParser` (relationships) or :class:`NodeCellsParser` (nodes)
takes their cells (same results; follows.csv of the large set read and parsed in 2.0 instead
of 3.4 us per row).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import repeat
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Annotated, Any, Final, NamedTuple, cast, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from graph_api.model import (
    EDGE_MODELS,
    NODE_MODELS,
    NodeLabel,
    RelType,
    edge_props,
    format_timestamp,
    node_props,
)
from graph_api.store.base import NodeRef, NumberedEdge
from graph_api.store.paging import canonical_json
from loaders.layout import INTERACTION_LINK_COLUMNS, Endpoint, FileSpec, model_columns

__all__ = [
    "CellsParser",
    "EdgeRecord",
    "EndpointKind",
    "InlineEdge",
    "InteractionColumns",
    "NodeCellsParser",
    "NodeRecord",
    "RowError",
    "RowParser",
    "explain",
]

RowError = tuple[str, str]
"""A reason a row is rejected: (field, reason)."""

_LINK_COLUMNS: Final = frozenset(INTERACTION_LINK_COLUMNS)
_DATE_ONLY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RANGES: Final = {"sentiment": "[-1, 1]", "confidence": "[0, 1]"}
_MAX_ID: Final = 256


class EndpointKind(StrEnum):
    """Which label a two-way endpoint (``memberType``, ``actorType``) names."""

    CUSTOMER = "customer"
    PROFILE = "profile"

    @property
    def label(self) -> NodeLabel:
        return NodeLabel.CUSTOMER if self is EndpointKind.CUSTOMER else NodeLabel.PROFILE


_KINDS: Final = {k.value: k for k in EndpointKind}


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


InlineEdge = tuple[str, str, str, str, str, str]
"""An interaction's inline relationship in the form the store writes (an ``EncodedEdge``):
(type, source label, source id, target label, target id, ``"{}"``), plain strings (cheap to
hash, stage and compare)."""

_C, _P, _I = NodeLabel.CUSTOMER.value, NodeLabel.PROFILE.value, NodeLabel.INTERACTION.value
_PERFORMED: Final = RelType.PERFORMED.value
_LINK_TARGETS: Final = (
    ("about", RelType.ABOUT.value, NodeLabel.PRODUCT.value, True),
    ("in", RelType.IN.value, NodeLabel.COMMUNITY.value, False),
    ("mentions", RelType.MENTIONS.value, NodeLabel.PROFILE.value, True),
    ("respondsTo", RelType.RESPONDS_TO.value, NodeLabel.INTERACTION.value, False),
)
"""Link columns besides ``actor``: (column, type, target label, whether it lists ids)."""

LinkKey = tuple[Any, ...]
"""What an interaction row's links say, as :func:`_inline_edges` read them: (actor's label,
actor's id, then per column of :data:`_LINK_TARGETS` its id, or the tuple of its ids, or None).
Its digest is that of (properties, link key): equal for two rows exactly when their
properties and relationships are, and made as cheaply from columns as from a row."""


class EdgeRecord(NamedTuple):
    """A valid relationship row in the form the store writes (an ``EncodedEdge``): plain
    strings, cheap to hash, compare and stage; ``encoded`` is its properties in the store's
    canonical JSON."""

    type: str
    src_label: str
    src_id: str
    dst_label: str
    dst_id: str
    encoded: str = "{}"

    @property
    def props(self) -> dict[str, Any]:
        return dict(json.loads(self.encoded))


class EdgeColumns(NamedTuple):
    """A chunk of relationship rows of one type and one label per end, as columns (see
    :meth:`CellsParser.columns`): row ``k`` is the record ``(rel, src_label, src_ids[k],
    dst_label, dst_ids[k], encoded[k])``."""

    rel: str
    src_label: str
    src_ids: list[str]
    dst_label: str
    dst_ids: list[str]
    encoded: list[str]


class InteractionColumns(NamedTuple):
    """A chunk of interaction rows as columns (see :meth:`RowParser.interaction_columns`):
    row ``k`` is the interaction ``ids[k]`` with properties ``encoded[k]`` and digest
    ``digests[k]``, performed by the node ``(actor_labels[k], actors[k])``; per column of
    :data:`_LINK_TARGETS`, ``links`` holds ``(type, target label, many, values)``, where
    ``values[k]`` is row ``k``'s target id, or tuple of ids when ``many``, or None."""

    ids: list[str]
    encoded: list[str]
    digests: list[int]
    actor_labels: list[str]
    actors: list[str]
    links: list[tuple[str, str, bool, list[Any]]]


@dataclass(slots=True)
class NodeRecord:
    """A valid node row: properties in canonical JSON (encoded once, while validating, and
    written as they are), inline relationships, and a digest of both for duplicate checks."""

    label: NodeLabel
    id: str
    encoded: str
    edges: list[InlineEdge]
    digest: int
    number: int = -1
    """Its number when the load numbers nodes (set by the load's checks), else -1."""
    numbered: list[NumberedEdge] | None = None
    """``edges`` between numbered nodes, in numbered form, when they all are."""
    values: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)
    """Its validated values in :func:`values_order`, where a chunk's one pydantic call made
    it (a row parsed alone has None); not part of the record (equal records may differ)."""

    @property
    def props(self) -> dict[str, Any]:
        return dict(json.loads(self.encoded))


def values_order(label: NodeLabel) -> list[str]:
    """The columns of a :class:`NodeRecord`'s ``values``: its properties sorted by alias, the
    id last (as :func:`_dict_schema` and :class:`NodeCellsParser` validate them)."""
    return [*(alias for alias, _, _ in _sorted_props(NODE_MODELS[label])), "id"]


def _sorted_props(model: type[BaseModel]) -> list[_Field]:
    """A record model's properties (all fields but the id) as (alias, name, field), sorted by
    alias: the order in which a chunk's values are validated and encoded."""
    fields = model.model_fields
    return sorted((f.alias or name, name, f) for name, f in fields.items() if name != "id")


def explain(error: ErrorDetails) -> RowError:
    """A pydantic error as (field, reason) in words a person preparing a file understands."""
    loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
    name = loc[0] if loc else ""
    kind = error["type"]
    value = error.get("input")
    msg = error["msg"]
    if kind == "missing":
        return name, "missing (required)"
    if kind == "extra_forbidden":
        return name, "unknown column"
    if kind == "enum":
        expected = (error.get("ctx") or {}).get("expected", "")
        return name, f"unknown value {value!r} (expected {expected})"
    if kind.startswith(("datetime", "date", "timezone")):
        return name, (
            f"unparseable date {value!r}: expected ISO-8601 with a timezone, "
            "e.g. 2024-05-01T12:00:00Z or 2024-05-01"
        )
    if kind in ("greater_than_equal", "less_than_equal") and name in _RANGES:
        return name, f"{value!r} is outside {_RANGES[name]}"
    if kind == "value_error":
        return name, msg.removeprefix("Value error, ")
    return name, f"{msg} (got {value!r})"


def _timestamp_columns(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        f.alias or n
        for n, f in model.model_fields.items()
        if _is_timestamp(f.annotation, f.metadata)
    )


def _is_timestamp(annotation: Any, metadata: Sequence[Any]) -> bool:
    """Whether a field is a :data:`~graph_api.model.Timestamp` (maybe inside Optional)."""
    found = list(metadata)
    stack = [annotation]
    while stack:
        hint = stack.pop()
        found += getattr(hint, "__metadata__", ())
        stack += get_args(hint)
    return any(isinstance(m, PlainSerializer) and m.func is format_timestamp for m in found)


def _json_float(value: float) -> str | None:
    return float.__repr__(value) if math.isfinite(value) else None


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


def _json_timestamp(value: datetime) -> str:
    return '"' + format_timestamp(value) + '"'


def _plain_utc(raw: object) -> str | None:
    """The JSON of a timestamp that pydantic accepted from ``raw``, read off the text itself
    when it is written plainly in UTC (``2024-05-01T12:00:00Z`` or with six fraction digits):
    those characters are then exactly :func:`~graph_api.model.format_timestamp`'s, at half the
    cost of formatting the parsed value. Anything else: None."""
    if type(raw) is str:
        size = len(raw)  # the separators at 4, 7, ... 19 in one slice
        if size == 20:
            if raw[4::3] == "--T::Z":
                return '"' + raw[:19] + '.000000Z"'
        elif size == 27 and raw[4:20:3] == "--T::." and raw[26] == "Z":
            return '"' + raw + '"'
    return None


def _formatter(
    annotation: Any, metadata: Sequence[Any]
) -> tuple[type, Callable[[Any], str | None]]:
    """The one type a field's non-null values have, and their canonical JSON text (None: no
    exact rule for this value)."""
    if _is_timestamp(annotation, metadata):
        return datetime, _json_timestamp
    hints = [annotation]
    while hints:
        hint = hints.pop()
        base = getattr(hint, "__origin__", hint)
        if isinstance(base, type) and issubclass(base, StrEnum):
            return base, encode_basestring
        if base in (str, int, float, bool):
            break
        hints += [h for h in get_args(hint) if h is not type(None)]
    else:
        return object, lambda _: None
    if base is str:
        return str, encode_basestring
    if base is bool:
        return bool, _json_bool
    if base is int:
        return int, int.__repr__
    return float, _json_float


def _compile_encoder(
    fields: list[tuple[str, type, Callable[[Any], str | None]]],
    columns: Sequence[int | str | None],
) -> Callable[[Any, Any], str | None]:
    """The canonical JSON of a record's store properties (``canonical_json(node_props(…))``
    or ``edge_props``: keys sorted, compact separators, no ``id`` for nodes, no nulls,
    timestamps as :func:`~graph_api.model.format_timestamp`, enums as their values) from a
    tuple of its validated values, in the order of ``fields`` ``(alias, value type, JSON
    text)``, sorted by alias. ``columns[k]`` says where field ``k``'s raw input
    is: the index of its cell in a row's CSV cells, the key of a row's dict, or None where
    the row has none (lets timestamps written plainly in UTC be copied instead of
    formatted). A value it has no exact rule for (a non-finite float, a value of another type
    than its field's) makes it return None: that row goes row by row (tests compare it with
    the canonical form on every model).

    One function written out for the fields: a loop over them, with its unpacking and tests
    per field, cost more than the JSON itself (a load encodes millions of records). As
    ``dataclasses`` does, it is compiled from its source; only numbers enter the source,
    every value comes in through its namespace."""
    namespace: dict[str, Any] = {"plain_utc": _plain_utc, "float_repr": float.__repr__}
    few = len(fields) <= 3  # a few fields: + beats a list and its join (follows: a quarter)
    lines = ["def encode(record, raw):", '    s = ""' if few else "    parts = []"]
    for k, (alias, kind, text) in enumerate(fields):
        namespace[f"key{k}"] = encode_basestring(alias) + ":"
        namespace[f"next{k}"] = "," + encode_basestring(alias) + ":"
        namespace |= {f"kind{k}": kind, f"text{k}": text}
        cell = columns[k]
        value, written = f"record[{k:d}]", "None"
        if isinstance(cell, str):
            namespace[f"column{k}"] = cell
            written = f"raw.get(column{k})"
        elif cell is not None:
            written = f"raw[{cell:d}]"
        lines += [
            f"    v = {value}",
            "    if v is not None:",
            f"        if type(v) is not kind{k}:",
            "            return None",
        ]
        if kind is datetime:  # copied from the text when written plainly in UTC
            lines += [  # plain_utc's commonest case inline: a call costs as much again
                f"        w = {written}",
                '        if type(w) is str and len(w) == 20 and w[4::3] == "--T::Z":',
                "            out = '\"' + w[:19] + '.000000Z\"'",
                "        else:",
                "            out = plain_utc(w)",
                "            if out is None:",
                f"                out = text{k}(v)",
            ]
        elif text is _json_float:  # inline: finite (inf - inf and NaN - NaN are NaN)
            lines += [
                "        if v - v != 0.0:",
                "            return None",
                "        out = float_repr(v)",
            ]
        else:
            lines.append(f"        out = text{k}(v)")
            if kind in (float, object):  # no exact rule for some values: row by row
                lines += ["        if out is None:", "            return None"]
        if few:
            lines.append(f"        s = s + next{k} + out if s else key{k} + out")
        else:
            lines.append(f"        parts.append(key{k} + out)")
    lines.append('    return "{" + s + "}"' if few else '    return "{" + ",".join(parts) + "}"')
    exec("\n".join(lines), namespace)  # noqa: S102 (fixed source; values via the namespace)
    encode: Callable[[Any, Any], str | None] = namespace["encode"]
    return encode


_BATCH_TIMESTAMP: Final = Annotated[
    AwareDatetime,
    Field(ge=datetime.min.replace(tzinfo=UTC), le=datetime.max.replace(tzinfo=UTC)),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]
""":data:`~graph_api.model.Timestamp` without its conversion to UTC: the same values are
accepted (timezone-aware instants that UTC can hold: the bounds compare instants) and
refused, and the JSON form is the same UTC text."""


def _batch_model(model: type[BaseModel], *, ignore_extra: bool) -> type[BaseModel]:
    """The variant of ``model`` a chunk's one pydantic call validates into: the same fields,
    accepting and refusing the same values. Its timestamps keep the offset they were written
    with: the conversion to UTC is a Python call per value (2-3 s of a large load), and the
    encoder writes them in UTC anyway (:func:`~graph_api.model.format_timestamp`, or the
    text itself when it is plainly UTC). ``ignore_extra``: unknown keys are left alone (the
    loader has already checked them) instead of refused."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__}
    for name, f in model.model_fields.items():
        if _is_timestamp(f.annotation, f.metadata):
            required = f.is_required()
            annotations[name] = _BATCH_TIMESTAMP if required else _BATCH_TIMESTAMP | None
            namespace[name] = Field() if required else Field(default=f.default)
    if ignore_extra:
        namespace["model_config"] = ConfigDict(**{**model.model_config, "extra": "ignore"})
    if not annotations and not ignore_extra:
        return model
    namespace["__annotations__"] = annotations
    return type(model.__name__, (model,), namespace)


def _validate_all(adapter: TypeAdapter[list[Any]], items: list[Any]) -> list[Any | None]:
    """Validate ``items`` in one pydantic call; the items it refuses come back as None."""
    try:
        return adapter.validate_python(items)
    except ValidationError as exc:
        refused = {
            e["loc"][0]
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        }
    keep = [i for i in range(len(items)) if i not in refused]
    out: list[Any | None] = [None] * len(items)
    try:
        valid = adapter.validate_python([items[i] for i in keep])
    except ValidationError:  # items are validated one by one, so this does not happen
        return out
    for i, record in zip(keep, valid, strict=True):
        out[i] = record
    return out


class RowParser:
    """Turns the raw rows of one file spec into records; one parser per file."""

    def __init__(self, spec: FileSpec) -> None:
        self.spec = spec
        self.columns = spec.columns
        if spec.label is not None:
            self._model: type[BaseModel] = NODE_MODELS[spec.label]
        else:
            assert spec.rel is not None
            self._model = EDGE_MODELS[spec.rel]
        self._props = frozenset(model_columns(self._model)) - {"id"}
        self._dates = _timestamp_columns(self._model)
        self._inline = spec.label is NodeLabel.INTERACTION
        # A chunk's rows (dicts with known columns only) are validated as tuples of their
        # properties, a node's id last; an interaction's link columns and a relationship's
        # endpoint columns are read apart.
        schema = _dict_schema(self._model, node=spec.label is not None)
        self._adapter, self._extract, self._encode = schema

    def unknown_columns(self, columns: list[str]) -> list[str]:
        return [c for c in columns if c not in self.columns and not c.startswith("_")]

    def parse(self, data: dict[str, Any]) -> NodeRecord | EdgeRecord | list[RowError]:
        """Validate one row; returns the record or every reason it is rejected."""
        errors: list[RowError] = []
        row = data
        if not self.columns.issuperset(data):
            row = {}
            for key, value in data.items():
                if key in self.columns:
                    row[key] = value
                elif not key.startswith("_"):
                    errors.append((key, "unknown column"))
        for key in self._dates.intersection(row):
            value = row[key]
            if isinstance(value, str) and len(value) <= 12 and _DATE_ONLY.match(value.strip()):
                row = {**row, key: value.strip() + "T00:00:00Z"}
        if self.spec.label is not None:
            return self._parse_node(self.spec.label, row, errors)
        return self._parse_edge(row, errors)

    def parse_many(
        self, rows: Sequence[dict[str, Any]]
    ) -> list[NodeRecord | EdgeRecord | list[RowError]]:
        """``[self.parse(row) for row in rows]``, validating the chunk in one pydantic call."""
        if self.spec.label is not None:
            return self._nodes_many(self.spec.label, rows)
        return self._edges_many(rows)

    def interaction_columns(self, rows: Sequence[dict[str, Any]]) -> InteractionColumns | None:
        """An interaction chunk as columns, when every row is in the common case of
        :meth:`parse_many` (known columns only, values accepted with an exact JSON rule, an
        actor, link values that are plain text ids or lists of them): the same ids, JSON,
        digests and links that call's records hold, without a record or an edge per row
        (large set: 1.5 million rows). None when a row is not, or for another file: the
        chunk then takes :meth:`parse_many`."""
        if not self._inline or not rows or not all(map(self.columns.issuperset, rows)):
            return None
        try:
            validated = self._adapter.validate_python(list(map(self._extract, rows)))
        except ValidationError:
            return None
        encoded = list(map(self._encode, validated, rows))
        if None in encoded:  # a value without an exact JSON rule
            return None
        get, n = dict.get, len(rows)
        actors = _link_column(list(map(get, rows, repeat("actor"))), many=False)
        if actors is None or None in actors:  # no actor: by rows (no PERFORMED there)
            return None
        labels = [_P] * n
        kinds = list(map(get, rows, repeat("actorType")))
        if kinds.count(None) != n:
            for k, kind in enumerate(kinds):
                if kind is not None:
                    kind = _lower(kind)
                    if type(kind) is not str or kind not in _KINDS:
                        return None
                    labels[k] = _C if kind == "customer" else _P
        links: list[tuple[str, str, bool, list[Any]]] = []
        for column, rel, target, many in _LINK_TARGETS:
            values = _link_column(list(map(get, rows, repeat(column))), many)
            if values is None:
                return None
            links.append((rel, target, many, values))
        keys = zip(labels, actors, *(values for _, _, _, values in links), strict=True)
        digests = list(map(hash, zip(encoded, keys, strict=True)))  # hash((encoded, links))
        ids: list[str] = list(map(itemgetter(-1), validated))
        return InteractionColumns(
            ids, cast("list[str]", encoded), digests, labels, cast("list[str]", actors), links
        )

    def cells_parser(self, header: Sequence[str]) -> CellsParser | NodeCellsParser | None:
        """A parser of this file's rows straight from their CSV cells (the reader then builds
        no dict per row), for a file whose header names only known columns, each once: a
        relationship file with both endpoint columns, or a node file with an ``id`` column
        whose rows carry no relationships (not interactions); else None (rows go as
        dicts)."""
        spec = self.spec
        if len(set(header)) != len(header) or not self.columns.issuperset(header):
            return None
        if spec.label is not None:
            if self._inline or "id" not in header:
                return None
            return NodeCellsParser(self, list(header))
        assert spec.src is not None and spec.dst is not None
        if spec.src.column not in header or spec.dst.column not in header:
            return None
        return CellsParser(self, list(header))

    def _nodes_many(
        self, label: NodeLabel, rows: Sequence[dict[str, Any]]
    ) -> list[NodeRecord | EdgeRecord | list[RowError]]:
        columns = self.columns
        # rows with unknown or ``_`` columns take the row-by-row rules; the batch model
        # ignores the (known) link columns
        where = [n for n, row in enumerate(rows) if columns.issuperset(row)]
        batch = rows if len(where) == len(rows) else [rows[n] for n in where]
        extract, encode, inline = self._extract, self._encode, self._inline
        made: list[NodeRecord | list[RowError] | None] = []
        add = made.append
        refused = 0
        validated = _validate_all(self._adapter, [extract(row) for row in batch])
        for values, row in zip(validated, batch, strict=True):
            encoded = None if values is None else encode(values, row)
            if values is None or encoded is None:  # refused, or no exact rule: row by row
                add(None)
                refused += 1
                continue
            node_id: str = values[-1]
            edges: list[InlineEdge] = []
            links: LinkKey = ()
            if inline:
                errors: list[RowError] = []
                edges, links = _inline_edges(node_id, row, errors)
                if errors:
                    add(errors)
                    continue
            digest = hash((encoded, links))
            add(NodeRecord(label, node_id, encoded, edges, digest, values=values))
        if len(made) == len(rows) and not refused:  # the common case: every row made
            return made  # type: ignore[return-value]
        out: list[NodeRecord | EdgeRecord | list[RowError] | None] = [None] * len(rows)
        for n, node in zip(where, made, strict=True):
            out[n] = node
        return [r if r is not None else self.parse(rows[n]) for n, r in enumerate(out)]

    def _edges_many(
        self, rows: Sequence[dict[str, Any]]
    ) -> list[NodeRecord | EdgeRecord | list[RowError]]:
        spec = self.spec
        assert spec.rel is not None and spec.src is not None and spec.dst is not None
        columns, props, rel = self.columns, self._props, spec.rel.value
        src_end, dst_end = spec.src, spec.dst
        plain = src_end.type_column is None and dst_end.type_column is None
        src_column, dst_column = src_end.column, dst_end.column
        src_label, dst_label = src_end.default.value, dst_end.default.value
        src_type, dst_type = src_end.type_column, dst_end.type_column
        src_kinds, dst_kinds = _plain_kinds(src_end), _plain_kinds(dst_end)
        extract = self._extract
        ends: list[tuple[str, str, str, str]] = []
        batch: list[tuple[Any, ...]] = []
        where: list[int] = []
        for n, row in enumerate(rows):
            if not columns.issuperset(row):
                continue  # unknown or ``_`` columns: the row-by-row rules
            # _endpoint's rules for the common case: two text ids, each end's label either
            # its default or a type column's plain value; anything else: row by row
            src_id, dst_id = row.get(src_column), row.get(dst_column)
            if type(src_id) is not str or type(dst_id) is not str:
                continue
            src_id, dst_id = src_id.strip(), dst_id.strip()
            if not (0 < len(src_id) <= _MAX_ID and 0 < len(dst_id) <= _MAX_ID):
                continue
            if plain:
                ends.append((src_label, src_id, dst_label, dst_id))
            else:
                src_kind = row.get(src_type, _ABSENT)  # type: ignore[arg-type]
                dst_kind = row.get(dst_type, _ABSENT)  # type: ignore[arg-type]
                if (type(src_kind) is not str and src_kind is not _ABSENT) or (
                    type(dst_kind) is not str and dst_kind is not _ABSENT
                ):
                    continue  # a list or a number (JSON Lines): maybe unhashable, no kind
                src_of, dst_of = src_kinds.get(src_kind), dst_kinds.get(dst_kind)
                if src_of is None or dst_of is None:
                    continue
                ends.append((src_of, src_id, dst_of, dst_id))
            batch.append(extract(row))
            where.append(n)
        new_edge = EdgeRecord._make  # from a tuple: a fifth cheaper than calling the class
        made: list[EdgeRecord | None]
        if not props:  # a type without properties: nothing to validate
            made = [new_edge((rel, *end, "{}")) for end in ends]
        else:
            encode = self._encode
            made = []
            validated = _validate_all(self._adapter, batch)
            for values, end, n in zip(validated, ends, where, strict=True):
                encoded = None if values is None else encode(values, rows[n])
                made.append(None if encoded is None else new_edge((rel, *end, encoded)))
        if len(made) == len(rows) and None not in made:  # the common case: every row made
            return made  # type: ignore[return-value]
        out: list[NodeRecord | EdgeRecord | list[RowError] | None] = [None] * len(rows)
        for n, edge in zip(where, made, strict=True):
            out[n] = edge
        return [r if r is not None else self.parse(rows[n]) for n, r in enumerate(out)]

    # -- nodes -------------------------------------------------------------------------------

    def _parse_node(
        self, label: NodeLabel, row: dict[str, Any], errors: list[RowError]
    ) -> NodeRecord | list[RowError]:
        link_data: dict[str, Any] | None = None
        if self._inline:
            link_data = {k: v for k, v in row.items() if k in _LINK_COLUMNS}
            row = {k: v for k, v in row.items() if k not in _LINK_COLUMNS}
        try:
            record = self._model.model_validate(row)
        except ValidationError as exc:
            errors.extend(explain(e) for e in exc.errors())
            return errors
        node_id: str = record.id  # type: ignore[attr-defined]
        edges: list[InlineEdge] = []
        links: LinkKey = ()
        if self._inline:
            edges, links = _inline_edges(node_id, link_data or {}, errors)
        if errors:
            return errors
        encoded = canonical_json(node_props(record))  # type: ignore[arg-type]
        return NodeRecord(label, node_id, encoded, edges, hash((encoded, links)))

    # -- relationships -----------------------------------------------------------------------

    def _parse_edge(
        self, row: dict[str, Any], errors: list[RowError]
    ) -> EdgeRecord | list[RowError]:
        spec = self.spec
        assert spec.rel is not None and spec.src is not None and spec.dst is not None
        src = _endpoint(spec.src, row, errors)
        dst = _endpoint(spec.dst, row, errors)
        prop_data = {k: v for k, v in row.items() if k in self._props}
        encoded = "{}"
        if prop_data or self._props:
            try:
                props = edge_props(self._model.model_validate(prop_data))  # type: ignore[arg-type]
                encoded = canonical_json(props)
            except ValidationError as exc:
                errors.extend(explain(e) for e in exc.errors())
        if errors or src is None or dst is None:
            return errors
        return EdgeRecord(spec.rel.value, src.label.value, src.id, dst.label.value, dst.id, encoded)


class CellsParser:
    """:meth:`RowParser.parse_many` for relationship rows given as CSV cells, in the header's
    order: the same results as for the dicts the reader makes of them (empty cells left out),
    without those dicts or a model object per row.

    A chunk's property values are validated by one pydantic call over tuples, each field
    typed as in the batch model (:func:`_batch_model`) and an empty cell or a column the file
    lacks taking the field's default; their JSON is written by :func:`_compile_encoder` over
    the tuples. A row outside the common case (too few cells, an id that is not plain, a type
    column's value that is not, a value refused or without an exact JSON rule) is made into
    its dict and parsed by :meth:`RowParser.parse`, which also words every error.
    """

    def __init__(self, parser: RowParser, header: list[str]) -> None:
        spec = parser.spec
        assert spec.rel is not None and spec.src is not None and spec.dst is not None
        self._parser = parser
        self._header = header
        self._width = len(header)
        where = {column: k for k, column in enumerate(header)}
        self._rel = spec.rel.value
        self._src = where[spec.src.column]
        self._dst = where[spec.dst.column]
        self._src_type = where.get(spec.src.type_column or "")
        self._dst_type = where.get(spec.dst.type_column or "")
        self._src_kinds, self._dst_kinds = _plain_kinds(spec.src), _plain_kinds(spec.dst)
        self._src_label, self._dst_label = spec.src.default.value, spec.dst.default.value
        batch = _batch_model(EDGE_MODELS[spec.rel], ignore_extra=True)
        fields = sorted((f.alias or name, name, f) for name, f in batch.model_fields.items())
        self._props = bool(fields)
        self._adapter, self._extract, self._encode = _tuple_schema(batch, where, fields, fields)

    def columns(self, rows: Sequence[list[str]]) -> EdgeColumns | None:
        """The chunk's relationships as columns, when every row is in the common case of
        :meth:`__call__` (enough cells, plain ids, no type column, every value accepted with
        an exact JSON rule): the same ids and JSON that call's records hold, in row order,
        without a loop in Python or a record per row (large set: 2.9 million rows). None
        when a row is not: the chunk then takes :meth:`__call__`."""
        if not rows or self._src_type is not None or self._dst_type is not None:
            return None
        if min(map(len, rows)) < self._width:
            return None
        cells = list(zip(*rows, strict=False))  # a tuple per column (as many as the shortest row)
        strip = str.strip
        src_ids = list(map(strip, cells[self._src]))
        dst_ids = list(map(strip, cells[self._dst]))
        for ids in (src_ids, dst_ids):
            if min(map(len, ids)) == 0 or max(map(len, ids)) > _MAX_ID:
                return None
        encoded: list[str]
        if not self._props:
            encoded = ["{}"] * len(rows)
        else:
            try:
                validated = self._adapter.validate_python(list(map(self._extract, rows)))
            except ValidationError:
                return None
            made = list(map(self._encode, validated, rows))
            if None in made:  # a value without an exact JSON rule
                return None
            encoded = cast("list[str]", made)
        return EdgeColumns(self._rel, self._src_label, src_ids, self._dst_label, dst_ids, encoded)

    def __call__(self, rows: Sequence[list[str]]) -> list[NodeRecord | EdgeRecord | list[RowError]]:
        width, src, dst = self._width, self._src, self._dst
        src_type, dst_type = self._src_type, self._dst_type
        src_kinds, dst_kinds = self._src_kinds, self._dst_kinds
        src_label, dst_label = self._src_label, self._dst_label
        extract, rel = self._extract, self._rel
        ends: list[tuple[str, str, str, str]] = []
        batch: list[tuple[Any, ...]] = []
        where: list[int] = []
        for n, cells in enumerate(rows):
            if len(cells) < width:
                continue  # the dict lacks the last columns: row by row
            src_id, dst_id = cells[src].strip(), cells[dst].strip()
            if not (0 < len(src_id) <= _MAX_ID and 0 < len(dst_id) <= _MAX_ID):
                continue
            # an empty type cell is left out of the dict: the end's default
            src_of = src_label if src_type is None else src_kinds.get(cells[src_type] or _ABSENT)
            dst_of = dst_label if dst_type is None else dst_kinds.get(cells[dst_type] or _ABSENT)
            if src_of is None or dst_of is None:
                continue
            ends.append((src_of, src_id, dst_of, dst_id))
            batch.append(extract(cells))
            where.append(n)
        new_edge = EdgeRecord._make
        made: list[EdgeRecord | None]
        if not self._props:
            made = [new_edge((rel, *end, "{}")) for end in ends]
        else:
            encode = self._encode
            made = []
            validated = _validate_all(self._adapter, batch)
            for values, end, n in zip(validated, ends, where, strict=True):
                encoded = None if values is None else encode(values, rows[n])
                made.append(None if encoded is None else new_edge((rel, *end, encoded)))
        if len(made) == len(rows) and None not in made:  # the common case: every row made
            return made  # type: ignore[return-value]
        out: list[NodeRecord | EdgeRecord | list[RowError] | None] = [None] * len(rows)
        for n, edge in zip(where, made, strict=True):
            out[n] = edge
        header, parse = self._header, self._parser.parse
        return [
            r if r is not None else parse(_cells_dict(header, rows[n])) for n, r in enumerate(out)
        ]


class NodeCellsParser:
    """:meth:`RowParser.parse_many` for the rows of a node file given as CSV cells, in the
    header's order, for labels whose rows carry no relationships: the same results as for
    the dicts the reader makes of them (empty cells left out), without those dicts or a model
    object per row.

    As in :class:`CellsParser`, a chunk's values (properties in key order, then the id) are
    validated by one pydantic call over tuples, typed as in the batch model
    (:func:`_batch_model`), an empty cell or a column the file lacks taking the field's
    default (a required one's stands for "missing" and is refused), and their JSON is
    written from the tuples. Any row outside the common case is made into its dict and
    parsed by :meth:`RowParser.parse`, which also words every error. (Customers of the large
    set read and parsed in 6.3 instead of 12.2 us per row, profiles in 5.2 instead of 9.8.)
    """

    def __init__(self, parser: RowParser, header: list[str]) -> None:
        label = parser.spec.label
        assert label is not None and not parser._inline
        self._parser = parser
        self._header = header
        self._width = len(header)
        self._label = label
        where = {column: k for k, column in enumerate(header)}
        batch = _batch_model(NODE_MODELS[label], ignore_extra=True)
        props = _sorted_props(batch)
        fields = [*props, ("id", "id", batch.model_fields["id"])]  # the id last
        self._adapter, self._extract, self._encode = _tuple_schema(batch, where, fields, props)

    def row(self, cells: list[str]) -> dict[str, str]:
        """The dict the reader makes of a row's cells."""
        return _cells_dict(self._header, cells)

    def __call__(self, rows: Sequence[list[str]]) -> list[NodeRecord | EdgeRecord | list[RowError]]:
        width, label, encode = self._width, self._label, self._encode
        extract = self._extract
        batch: list[tuple[Any, ...]] = []
        where: list[int] = []
        for n, cells in enumerate(rows):
            if len(cells) >= width:  # else the dict lacks the last columns: row by row
                batch.append(extract(cells))
                where.append(n)
        made: list[NodeRecord | None] = []
        refused = 0
        for values, n in zip(_validate_all(self._adapter, batch), where, strict=True):
            encoded = None if values is None else encode(values, rows[n])
            if values is None or encoded is None:
                made.append(None)
                refused += 1
            else:  # no relationships: the digest of the dict path, hash((encoded, ()))
                digest = hash((encoded, ()))
                made.append(NodeRecord(label, values[-1], encoded, [], digest, values=values))
        if len(made) == len(rows) and not refused:  # the common case: every row made
            return made  # type: ignore[return-value]
        out: list[NodeRecord | EdgeRecord | list[RowError] | None] = [None] * len(rows)
        for n, node in zip(where, made, strict=True):
            out[n] = node
        parse = self._parser.parse
        return [r if r is not None else parse(self.row(rows[n])) for n, r in enumerate(out)]


_Field = tuple[str, str, FieldInfo]
"""A batch model's field: (alias, attribute name, its info)."""


def _tuple_schema(
    batch: type[BaseModel],
    where: Mapping[str, int] | None,
    fields: Sequence[_Field],
    encoded: Sequence[_Field],
) -> tuple[
    TypeAdapter[list[Any]],
    Callable[[Any], tuple[Any, ...]],
    Callable[[Any, Any], str | None],
]:
    """What a chunk's rows are validated and encoded with as tuples of ``fields`` of
    ``batch`` (a :func:`_batch_model`), in that order: a tuple schema costs pydantic a
    fraction of a model object per row. Each field is read from the cell ``where`` names for
    its alias in a row's CSV cells, or, with no ``where``, from the key that is its alias in
    a row's dict. Returns the adapter of a chunk's tuples, the function making a tuple of a
    row (:func:`_compile_extractor`), and the encoder of the first ``len(encoded)`` values,
    the properties (:func:`_compile_encoder`)."""
    cells: list[int | str | None] = [
        alias if where is None else where.get(alias) for alias, _, _ in fields
    ]
    defaults = [f.get_default(call_default_factory=True) for _, _, f in fields]
    item = tuple[tuple(_annotated(f.annotation, f.metadata) for _, _, f in fields)]  # type: ignore[misc,valid-type]
    strip = bool(batch.model_config.get("str_strip_whitespace", False))
    adapter: TypeAdapter[list[Any]] = TypeAdapter(
        list[item],  # type: ignore[valid-type]
        config=ConfigDict(str_strip_whitespace=strip),
    )
    encode = _compile_encoder(
        [(alias, *_formatter(f.annotation, f.metadata)) for alias, _, f in encoded],
        cells[: len(encoded)],
    )
    return adapter, _compile_extractor(cells, defaults), encode


def _dict_schema(
    model: type[BaseModel], *, node: bool
) -> tuple[
    TypeAdapter[list[Any]],
    Callable[[Any], tuple[Any, ...]],
    Callable[[Any, Any], str | None],
]:
    """:func:`_tuple_schema` of ``model``'s rows as dicts: its properties sorted by alias,
    then, for a node, its id (ignored keys: an interaction's link columns, a relationship's
    endpoint columns)."""
    batch = _batch_model(model, ignore_extra=True)
    props = _sorted_props(batch)
    fields = [*props, ("id", "id", batch.model_fields["id"])] if node else props
    return _tuple_schema(batch, None, fields, props)


def _cells_dict(header: Sequence[str], cells: list[str]) -> dict[str, str]:
    """The dict the reader makes of a row's cells (empty ones left out)."""
    return {c: v for c, v in zip(header, cells, strict=False) if v != ""}


def _annotated(annotation: Any, metadata: Sequence[Any]) -> Any:
    """A field's type with its constraints, as a type pydantic validates outside a model."""
    return Annotated[(annotation, *metadata)] if metadata else annotation


def _compile_extractor(
    cells: Sequence[int | str | None], defaults: Sequence[Any]
) -> Callable[[Any], tuple[Any, ...]]:
    """A function from a row to the tuple a chunk's pydantic call validates: field ``k``'s
    value is the cell ``cells[k]`` of a row's CSV cells (an int; an empty cell is left out,
    as the reader's dict does), the value of the key ``cells[k]`` of a row's dict (a str),
    and ``defaults[k]`` where the row has none. Compiled as :func:`_compile_encoder` is (only
    numbers enter the source; keys come in through its namespace)."""
    namespace: dict[str, Any] = {}
    parts = []
    for k, (cell, default) in enumerate(zip(cells, defaults, strict=True)):
        namespace[f"d{k}"] = default
        if cell is None:
            parts.append(f"d{k}")
        elif isinstance(cell, str):
            namespace[f"key{k}"] = cell
            parts.append(f"r.get(key{k}, d{k})")
        else:
            parts.append(f'(r[{cell:d}] if r[{cell:d}] != "" else d{k})')
    exec(f"def extract(r):\n    return ({', '.join(parts)}{',' if parts else ''})", namespace)  # noqa: S102
    extract: Callable[[Any], tuple[Any, ...]] = namespace["extract"]
    return extract


def _clean_id(value: object) -> str | None:
    if type(value) is str:  # nearly always: test it first
        value = value.strip()
        return value if 0 < len(value) <= _MAX_ID else None
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return _clean_id(str(value))


_ABSENT: Final = object()
"""Stands for a type column the row leaves out (or an end without one)."""


def _plain_kinds(end: Endpoint) -> dict[object, str]:
    """The labels an end names by the plain values of its type column (and ``_ABSENT``: its
    default), as :func:`_endpoint` reads them; other values take the row-by-row path."""
    kinds: dict[object, str] = {_ABSENT: end.default.value}
    if end.type_column is not None:
        kinds |= {kind.value: kind.label.value for kind in EndpointKind if kind.label in end.labels}
    return kinds


def _endpoint(end: Endpoint, row: dict[str, Any], errors: list[RowError]) -> NodeRef | None:
    raw = row.get(end.column)
    label = end.default
    if end.type_column is not None and end.type_column in row:
        kind = _lower(row[end.type_column])
        if type(kind) is not str or kind not in _KINDS:
            given = row[end.type_column]
            errors.append(
                (end.type_column, f"unknown value {given!r} (expected customer or profile)")
            )
            return None
        label = _KINDS[str(kind)].label
        if label not in end.labels:
            errors.append((end.type_column, f"must name one of {[str(x) for x in end.labels]}"))
            return None
    if raw is None:
        errors.append((end.column, "missing (required)"))
        return None
    node_id = _clean_id(raw)
    if node_id is None:
        errors.append((end.column, f"not an id (1 to {_MAX_ID} characters): {raw!r}"))
        return None
    return NodeRef(label, node_id)


def _ids(value: object) -> list[str] | None:
    """A list of ids: a JSON array, or ``|``-separated in a CSV cell; None if malformed."""
    parts = value.split("|") if isinstance(value, str) else value
    if not isinstance(parts, list):
        return None
    out = []
    for part in parts:
        if isinstance(part, str) and not part.strip():
            continue
        node_id = _clean_id(part)
        if node_id is None:
            return None
        out.append(node_id)
    return list(dict.fromkeys(out))


def _inline_edges(
    node_id: str, links: dict[str, Any], errors: list[RowError]
) -> tuple[list[InlineEdge], LinkKey]:
    """The relationships an interaction row names in its link columns (see the layout docs),
    and their :data:`LinkKey`.

    ``actor`` performed it (a Profile, or a Customer with ``actorType=customer``); ``about``
    lists products and ``mentions`` profiles; ``in`` is a community; ``respondsTo`` the
    interaction it replies to or shares.
    """
    edges: list[InlineEdge] = []
    key: list[Any] = [None, None]
    if "actor" in links:
        actor = _clean_id(links["actor"])
        kind = _lower(links["actorType"]) if "actorType" in links else "profile"
        if actor is None:
            errors.append(("actor", f"not an id (1 to {_MAX_ID} characters): {links['actor']!r}"))
        elif type(kind) is not str or kind not in _KINDS:
            given = links["actorType"]
            errors.append(("actorType", f"unknown value {given!r} (expected customer or profile)"))
        else:
            label = _C if kind == "customer" else _P
            edges.append((_PERFORMED, label, actor, _I, node_id, "{}"))
            key = [label, actor]
    elif "actorType" in links:
        errors.append(("actor", "missing (actorType is given)"))
    for column, rel, target, many in _LINK_TARGETS:
        if column not in links:
            key.append(None)
            continue
        value = links[column]
        if many:
            ids = _ids(value)
            if ids is None:
                errors.append((column, f"not a list of ids (JSON array or a|b|c): {value!r}"))
                continue
            for other in ids:
                edges.append((rel, _I, node_id, target, other, "{}"))
            key.append(tuple(ids) or None)
        else:
            one = _clean_id(value)
            if one is None:
                errors.append((column, f"not an id (1 to {_MAX_ID} characters): {value!r}"))
                continue
            edges.append((rel, _I, node_id, target, one, "{}"))
            key.append(one)
    return edges, tuple(key)


def _link_column(raw: list[Any], many: bool) -> list[Any] | None:
    """A link column of a chunk as :func:`_inline_edges` reads it, row by row: None where a
    row has no value, else its id (or, ``many``, the tuple of its ids; None if it lists
    none). None when a value is not plain (not text, an empty or over-long id, a malformed
    list): such a chunk goes by rows, which word the reason."""
    where = [k for k, value in enumerate(raw) if value is not None]
    out: list[Any] = [None] * len(raw)
    if many:
        for k in where:
            ids = _ids(raw[k])
            if ids is None:
                return None
            out[k] = tuple(ids) or None
        return out
    try:  # text only: _clean_id's other cases (numbers) by rows
        ids = list(map(str.strip, [raw[k] for k in where]))
    except TypeError:
        return None
    if ids and (min(map(len, ids)) == 0 or max(map(len, ids)) > _MAX_ID):
        return None
    for k, one in zip(where, ids, strict=True):
        out[k] = one
    return out
