"""Exports round-trip through networkx with scores and community ids, and carry no PII."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest

from graph_api.analytics import AnalyticsService
from graph_api.errors import InvalidInput
from graph_api.export import export_graph
from graph_api.model import NodeLabel
from graph_api.store.sqlite import SqliteGraphStore

PII = ("email", "phone", "name", "displayName", "handle")


@pytest.mark.parametrize(("fmt", "read"), [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
async def test_export_round_trips_through_networkx(
    toy_store: SqliteGraphStore, tmp_path: Path, fmt: str, read: object
) -> None:
    await AnalyticsService(toy_store).refresh()
    path = await export_graph(toy_store, tmp_path / f"graph.{fmt}", fmt)
    G = read(path)  # type: ignore[operator]
    stored = (await toy_store.get_nodes(NodeLabel.PROFILE, ["p1"]))["p1"].scores
    p1 = G.nodes["Profile:p1"]
    assert p1["kind"] == "Profile"
    assert p1["influence"] == pytest.approx(stored["influence"])
    assert p1["community"] == stored["community"]
    assert p1["inflated"] is False
    c1 = G.nodes["Customer:c1"]
    assert c1["advocacyClass"] == "promoter"
    assert c1["evidence_convertedReferrals"] == 1.0
    for _, attrs in G.nodes(data=True):
        if attrs["kind"] in ("Customer", "Profile"):  # community and product names are public
            assert not any(k in attrs for k in PII), attrs
    rels = {d["relationship"] for _, _, d in G.edges(data=True)}
    assert {"FOLLOWS", "HAS_PROFILE", "MEMBER_OF", "PURCHASED", "REFERRED", "ENGAGED"} <= rels
    assert G.has_edge("Profile:p4", "Profile:p1")  # p4 follows p1 and engaged with p1
    assert G.number_of_nodes() == 5 + 8 + 1 + 1  # customers, profiles, community, product


async def test_export_csv_for_gephi(toy_store: SqliteGraphStore, tmp_path: Path) -> None:
    await AnalyticsService(toy_store).refresh()
    folder = await export_graph(toy_store, tmp_path / "csv", "csv")
    with (folder / "nodes.csv").open() as fh:
        nodes = list(csv.DictReader(fh))
    with (folder / "edges.csv").open() as fh:
        edges = list(csv.DictReader(fh))
    assert {"Id", "Label", "kind", "influence", "community"} <= set(nodes[0])
    people = [n for n in nodes if n["kind"] in ("Customer", "Profile")]
    assert people and not any(n.get(k) for n in people for k in PII)
    assert {"Source", "Target", "relationship"} <= set(edges[0])
    ids = {n["Id"] for n in nodes}
    assert all(e["Source"] in ids and e["Target"] in ids for e in edges)


async def test_export_rejects_unknown_formats(toy_store: SqliteGraphStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        await export_graph(toy_store, tmp_path / "g.xml", "xml")
