"""The generated small set through the loader and identity resolution, as the demo does."""

from __future__ import annotations

import json
from pathlib import Path

from loader_helpers import snapshot

from graph_api.model import LinkStatus, NodeLabel, RelType
from graph_api.store.sqlite import SqliteGraphStore
from loaders.generate import generate
from loaders.identity import resolve_identities
from loaders.load import load_path


async def test_small_set_loads_and_resolution_is_precise(
    tmp_path: Path, graph_store: SqliteGraphStore
) -> None:
    data = tmp_path / "small"
    generate(data, size="small", seed=7)
    report = await load_path(graph_store, data, progress=False)
    assert report.problems == [] and report.unknown_files == []
    assert all(f.consistent and f.inserted == f.read for f in report.files)
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    owner: dict[str, str] = truth["profile_owner"]

    confirmed = candidates = correct = 0
    async for batch in graph_store.stream_edges(RelType.HAS_PROFILE):
        for edge in batch:
            if edge.props["status"] == LinkStatus.CONFIRMED:
                confirmed += 1
                correct += owner.get(edge.dst.id) == edge.src.id
            else:
                candidates += 1
    explicit = len((data / "has_profile.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert report.resolution is not None
    assert confirmed - explicit == sum(report.resolution.confirmed.values()) > 0.3 * len(owner)
    assert correct / confirmed >= 0.95
    assert candidates > 0  # ambiguous cases were planted and are left for review
    assert await graph_store.count_nodes(NodeLabel.CUSTOMER) == len(truth["customer_community"])

    version = await graph_store.data_version()
    again = await load_path(graph_store, data, progress=False)
    assert all(f.unchanged == f.read for f in again.files)
    assert again.resolution is not None and again.resolution.written.inserted == 0
    assert await graph_store.data_version() == version


async def test_resolution_matched_during_the_commit_equals_resolution_after_the_load(
    tmp_path: Path,
) -> None:
    """A bulk load reads what resolution needs before its commit and matches during it; the
    links and the report are those of resolving once the load is committed."""
    data = tmp_path / "small"
    generate(data, size="small", seed=11)
    async with SqliteGraphStore(tmp_path / "during.db") as during:
        report = await load_path(during, data, progress=False)
        assert report.pipelined and report.resolution is not None
        linked_during = await snapshot(during)
    async with SqliteGraphStore(tmp_path / "after.db") as after:
        await load_path(after, data, progress=False, resolve=False)
        resolution = await resolve_identities(after)
        linked_after = await snapshot(after)
    assert resolution == report.resolution
    assert resolution.written.inserted > 0
    assert linked_during == linked_after
