"""Row models and parsing: a raw row of a file becomes a node or relationship record, or reasons.

Node rows are validated by the domain records of :mod:`graph_api.model` themselves
(``extra="forbid"``); relationship rows by their property model plus two endpoint columns; an
interaction row may carry its relationships inline (:class:`InteractionLinks`). Parsing never
touches a store: reference checks and duplicate checks live in :mod:`loaders.checks`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from graph_api.model import (
    EDGE_MODELS,
    NODE_MODELS,
    Id,
    NodeLabel,
    RelType,
    edge_props,
    node_props,
)
from graph_api.store.base import NodeRef
from loaders.layout import Endpoint, FileSpec, model_columns

__all__ = [
    "EdgeRecord",
    "EndpointKind",
    "InteractionLinks",
    "NodeRecord",
    "RowError",
    "RowParser",
    "explain",
]

RowError = tuple[str, str]
"""A reason a row is rejected: (field, reason)."""

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


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _split_ids(value: object) -> object:
    """``"p1|p2"`` (a CSV cell) or ``["p1", "p2"]`` (JSON) → a list of ids."""
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return value


IdList = Annotated[list[Id], BeforeValidator(_split_ids)]
Kind = Annotated[EndpointKind, BeforeValidator(_lower)]


class InteractionLinks(BaseModel):
    """The inline relationships of an interaction row (every one optional).

    ``actor`` performed it (a Profile, or a Customer with ``actorType=customer``); ``about``
    names products and ``mentions`` profiles (lists: JSON arrays or ``|``-separated cells);
    ``in`` is a community; ``respondsTo`` the interaction it replies to or shares.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    actor: Id | None = None
    actor_type: Kind = Field(EndpointKind.PROFILE, alias="actorType")
    about: IdList = Field(default_factory=list)
    in_: Id | None = Field(None, alias="in")
    mentions: IdList = Field(default_factory=list)
    responds_to: Id | None = Field(None, alias="respondsTo")


@dataclass(slots=True)
class EdgeRecord:
    type: RelType
    src: NodeRef
    dst: NodeRef
    props: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class NodeRecord:
    label: NodeLabel
    id: str
    props: dict[str, Any]
    edges: list[EdgeRecord]
    digest: int


def _fingerprint(props: Mapping[str, Any]) -> int:
    return hash(tuple(sorted(props.items())))


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
        f.alias or n for n, f in model.model_fields.items() if "datetime" in repr(f.annotation)
    )


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

    def unknown_columns(self, columns: list[str]) -> list[str]:
        return [c for c in columns if c not in self.columns and not c.startswith("_")]

    def parse(self, data: dict[str, Any]) -> NodeRecord | EdgeRecord | list[RowError]:
        """Validate one row; returns the record or every reason it is rejected."""
        errors: list[RowError] = []
        row: dict[str, Any] = {}
        for key, value in data.items():
            if key in self.columns:
                row[key] = value
            elif not key.startswith("_"):
                errors.append((key, "unknown column"))
        for key in self._dates & row.keys():
            value = row[key]
            if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
                row[key] = value.strip() + "T00:00:00Z"
        if self.spec.label is not None:
            return self._parse_node(self.spec.label, row, errors)
        return self._parse_edge(row, errors)

    # -- nodes -------------------------------------------------------------------------------

    def _parse_node(
        self, label: NodeLabel, row: dict[str, Any], errors: list[RowError]
    ) -> NodeRecord | list[RowError]:
        links: InteractionLinks | None = None
        if self._inline:
            link_data = {k: row.pop(k) for k in list(row) if k not in self._props and k != "id"}
            try:
                links = InteractionLinks.model_validate(link_data)
            except ValidationError as exc:
                errors.extend(explain(e) for e in exc.errors())
        try:
            record = self._model.model_validate(row)
        except ValidationError as exc:
            errors.extend(explain(e) for e in exc.errors())
            return errors
        if errors:
            return errors
        node_id: str = record.id  # type: ignore[attr-defined]
        props = node_props(record)  # type: ignore[arg-type]
        edges = _inline_edges(node_id, links) if links is not None else []
        digest = hash(
            (
                tuple(sorted(props.items())),
                tuple((e.type, e.src, e.dst) for e in edges),
            )
        )
        return NodeRecord(label, node_id, props, edges, digest)

    # -- relationships -----------------------------------------------------------------------

    def _parse_edge(
        self, row: dict[str, Any], errors: list[RowError]
    ) -> EdgeRecord | list[RowError]:
        spec = self.spec
        assert spec.rel is not None and spec.src is not None and spec.dst is not None
        src = _endpoint(spec.src, row, errors)
        dst = _endpoint(spec.dst, row, errors)
        prop_data = {k: v for k, v in row.items() if k in self._props}
        props: dict[str, Any] = {}
        if prop_data or self._props:
            try:
                props = edge_props(self._model.model_validate(prop_data))  # type: ignore[arg-type]
            except ValidationError as exc:
                errors.extend(explain(e) for e in exc.errors())
        if errors or src is None or dst is None:
            return errors
        return EdgeRecord(spec.rel, src, dst, props)


def _clean_id(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if 0 < len(value) <= _MAX_ID else None


def _endpoint(end: Endpoint, row: dict[str, Any], errors: list[RowError]) -> NodeRef | None:
    raw = row.get(end.column)
    label = end.default
    if end.type_column is not None and end.type_column in row:
        kind = _lower(row[end.type_column])
        names = {k.value: k for k in EndpointKind}
        if kind not in names:
            errors.append(
                (end.type_column, f"unknown value {row[end.type_column]!r} (expected customer or profile)")
            )
            return None
        label = names[str(kind)].label
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


def _inline_edges(node_id: str, links: InteractionLinks) -> list[EdgeRecord]:
    me = NodeRef(NodeLabel.INTERACTION, node_id)
    edges: list[EdgeRecord] = []
    if links.actor is not None:
        edges.append(EdgeRecord(RelType.PERFORMED, NodeRef(links.actor_type.label, links.actor), me))
    for product in dict.fromkeys(links.about):
        edges.append(EdgeRecord(RelType.ABOUT, me, NodeRef(NodeLabel.PRODUCT, product)))
    if links.in_ is not None:
        edges.append(EdgeRecord(RelType.IN, me, NodeRef(NodeLabel.COMMUNITY, links.in_)))
    for profile in dict.fromkeys(links.mentions):
        edges.append(EdgeRecord(RelType.MENTIONS, me, NodeRef(NodeLabel.PROFILE, profile)))
    if links.responds_to is not None:
        edges.append(
            EdgeRecord(RelType.RESPONDS_TO, me, NodeRef(NodeLabel.INTERACTION, links.responds_to))
        )
    return edges


def edge_fingerprint(record: EdgeRecord) -> int:
    """Fingerprint of a relationship's properties (to tell same-key rows apart)."""
    return _fingerprint(record.props)
