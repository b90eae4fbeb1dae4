"""Export the relationship graph with analytics scores for Gephi and networkx.

``await export_graph(store, path, fmt)`` writes GraphML, GEXF or CSV (``nodes.csv`` and
``edges.csv`` in a folder, with Gephi's ``Id``/``Label``/``Source``/``Target`` columns).

What goes out
-------------
* nodes: Customers, Profiles, Communities and Products, with id ``"<Label>:<id>"``, ``kind``
  (the label), ``label`` (the external id; Gephi shows it), their non-personal properties and
  their analytics scores (influence, rank, components, community, advocacy, …; the advocacy
  evidence flattened as ``evidence_<name>``).
* edges: FOLLOWS, HAS_PROFILE, MEMBER_OF, PURCHASED, REFERRED with their properties (the
  ``relationship`` attribute names the type), plus ``ENGAGED`` edges between profiles
  aggregated from interactions (``weight`` = time-decayed engagement, ``count`` = events).
  Interactions themselves stay out: one per event would swamp a visual analysis tool.

No personal data: e-mail, phone, customer names, display names and handles are left out;
nodes are named by their external ids.

Every numeric attribute is written as a float (booleans as booleans): GraphML and GEXF declare
one type per attribute, and a column that is ``int`` on one node and ``float`` on another
would not round-trip.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import networkx as nx

from graph_api.analytics.graphs import build_engagement
from graph_api.analytics.projection import build_projection
from graph_api.errors import InvalidInput, Problem
from graph_api.model import PII_FIELDS, NodeLabel, RelType
from graph_api.store.base import Edge, GraphStore, Node

__all__ = ["EXPORT_FORMATS", "ExportFormat", "export_graph"]

ExportFormat = Literal["graphml", "gexf", "csv"]
EXPORT_FORMATS: Final = ("graphml", "gexf", "csv")

_LABELS: Final = (NodeLabel.CUSTOMER, NodeLabel.PROFILE, NodeLabel.COMMUNITY, NodeLabel.PRODUCT)
_RELS: Final = (
    RelType.FOLLOWS,
    RelType.HAS_PROFILE,
    RelType.MEMBER_OF,
    RelType.PURCHASED,
    RelType.REFERRED,
)
_PERSONAL: Final[dict[NodeLabel, frozenset[str]]] = {
    NodeLabel.CUSTOMER: PII_FIELDS[NodeLabel.CUSTOMER] | {"name"},
    NodeLabel.PROFILE: PII_FIELDS[NodeLabel.PROFILE] | {"displayName", "handle"},
}


def _value(v: Any) -> Any:
    if isinstance(v, bool | str):
        return v
    if isinstance(v, int | float):
        return float(v)
    return None  # lists, dicts, nulls: not a graph attribute


def node_id(label: NodeLabel, external_id: str) -> str:
    return f"{label.value}:{external_id}"


def node_attrs(node: Node) -> dict[str, Any]:
    """Flat, typed, non-personal attributes of a node (properties, then scores)."""
    personal = _PERSONAL.get(node.label, frozenset())
    attrs: dict[str, Any] = {"kind": node.label.value, "label": node.id}
    for k, v in node.props.items():
        if k in personal or k in ("kind", "label"):
            continue
        value = _value(v)
        if value is not None:
            attrs[k] = value
    for k, v in node.scores.items():
        if isinstance(v, Mapping):
            for sub, sv in v.items():
                value = _value(sv)
                if value is not None:
                    attrs[f"evidence_{sub}"] = value
            continue
        value = _value(v)
        if value is not None:
            attrs[k] = value
    return attrs


def edge_attrs(edge: Edge) -> dict[str, Any]:
    attrs: dict[str, Any] = {"relationship": edge.type.value}
    for k, v in edge.props.items():
        value = _value(v)
        if value is not None and k != "relationship":
            attrs[k] = value
    return attrs


async def _nodes(store: GraphStore) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for label in _LABELS:
        async for batch in store.stream_nodes(label):
            out.extend((node_id(n.label, n.id), node_attrs(n)) for n in batch)
    return out


async def _edges(store: GraphStore) -> list[tuple[str, str, str, dict[str, Any]]]:
    out: list[tuple[str, str, str, dict[str, Any]]] = []
    for rel in _RELS:
        async for batch in store.stream_edges(rel):
            out.extend(
                (
                    node_id(e.src.label, e.src.id),
                    node_id(e.dst.label, e.dst.id),
                    rel.value,
                    edge_attrs(e),
                )
                for e in batch
            )
    proj = await build_projection(store)
    engagement = await asyncio.to_thread(build_engagement, proj)
    out.extend(
        (
            node_id(NodeLabel.PROFILE, u),
            node_id(NodeLabel.PROFILE, v),
            "ENGAGED",
            {"relationship": "ENGAGED", "weight": float(d["weight"]), "count": float(d["count"])},
        )
        for u, v, d in engagement.edges(data=True)
    )
    return out


def _graph(
    nodes: Iterable[tuple[str, dict[str, Any]]],
    edges: Iterable[tuple[str, str, str, dict[str, Any]]],
) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_nodes_from(nodes)
    G.add_edges_from((u, v, key, attrs) for u, v, key, attrs in edges)
    return G


def _columns(rows: Iterable[Mapping[str, Any]], first: list[str]) -> list[str]:
    seen = dict.fromkeys(first)
    for r in rows:
        seen.update(dict.fromkeys(r))
    return list(seen)


def _write_csv(
    folder: Path,
    nodes: list[tuple[str, dict[str, Any]]],
    edges: list[tuple[str, str, str, dict[str, Any]]],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    node_rows = [{"Id": nid, "Label": a["label"], **a} for nid, a in nodes]
    for row in node_rows:
        del row["label"]
    cols = _columns(node_rows, ["Id", "Label", "kind"])
    with (folder / "nodes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        writer.writerows(node_rows)
    edge_rows = [{"Source": u, "Target": v, **a} for u, v, _k, a in edges]
    cols = _columns(edge_rows, ["Source", "Target", "relationship"])
    with (folder / "edges.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols)
        writer.writeheader()
        writer.writerows(edge_rows)


async def export_graph(store: GraphStore, path: str | Path, fmt: str = "graphml") -> Path:
    """Write the graph with scores and community ids to `path` (a file, or for CSV a folder).

    Parameters
    ----------
    store : GraphStore
        An open store.
    path : str or Path
        The file to write (GraphML, GEXF) or the folder for ``nodes.csv`` and ``edges.csv``.
    fmt : {"graphml", "gexf", "csv"}
        The format.

    Returns
    -------
    path : Path
        What was written.

    Raises
    ------
    InvalidInput
        If `fmt` is not one of the formats.

    Examples
    --------
    >>> await export_graph(store, "graph.graphml")        # doctest: +SKIP
    >>> G = nx.read_graphml("graph.graphml")              # doctest: +SKIP
    >>> G.nodes["Profile:p1"]["influence"]                # doctest: +SKIP
    87.5
    """
    if fmt not in EXPORT_FORMATS:
        reason = f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}"
        raise InvalidInput(reason, [Problem("export", "format", reason)])
    out = Path(path)
    nodes = await _nodes(store)
    edges = await _edges(store)
    if fmt == "csv":
        await asyncio.to_thread(_write_csv, out, nodes, edges)
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    G = _graph(nodes, edges)
    if fmt == "graphml":
        await asyncio.to_thread(nx.write_graphml, G, out)
    else:
        await asyncio.to_thread(nx.write_gexf, G, out)
    return out
