"""Fixtures of the analytics tests: a hand-made toy graph and the synthetic data sets.

The toy graph (ids are external ids)::

    customers  c1 promoter (praise x2 by p1, converted referral of c4, a positive review)
               c2 detractor (three complaints by p2), c3 the target, c4, c5 promoter (p5)
    profiles   p1..p5 confirmed to c1..c5; p6, p7 belong to nobody; p8 candidate of c3
    follows    p4 <-> p1 (mutual), p6 -> p4, p3 -> p6, p7 -> p5, p3 -> p7, p2 -> p3
    engagement i2 by p4 replies to i1 by p1; i3 by p6 shares i2; i8 by p3 mentions p7

The synthetic sets come from ``loaders.generate`` (their planted truth in ``truth.json``); each
is generated, loaded and refreshed once per session into a SQLite file, and every test opens its
own store on that file.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graph_api.analytics import AnalyticsService, RefreshReport
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import EdgeWrite, NodeRef, NodeWrite
from graph_api.store.sqlite import SqliteGraphStore
from loaders.generate import generate
from loaders.load import load_path

C, P, G, D, I = (  # noqa: E741
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)


def ts(day: int, hour: int = 12) -> str:
    return f"2024-05-{day:02d}T{hour:02d}:00:00.000000Z"


def toy_writes() -> tuple[list[NodeWrite], list[EdgeWrite]]:
    nodes = [
        NodeWrite(C, f"c{i}", {"name": f"Customer {i}", "email": f"c{i}@x.org"})
        for i in range(1, 6)
    ]
    followers = {1: 500, 2: 80, 3: 40, 4: 30, 5: 900, 6: 12, 7: 7, 8: 5}
    nodes += [
        NodeWrite(
            P,
            f"p{i}",
            {"platform": "x", "handle": f"handle{i}", "followers": f, "email": f"p{i}@x.org"},
        )
        for i, f in followers.items()
    ]
    nodes += [
        NodeWrite(G, "g1", {"name": "Runners", "topic": "running"}),
        NodeWrite(D, "d1", {"name": "Shoe", "category": "shoes"}),
    ]
    acts = [
        ("i1", "praise", 0.9, 1, "p1"),
        ("i2", "reply", 0.5, 2, "p4"),
        ("i3", "share", 0.4, 3, "p6"),
        ("i4", "praise", 0.8, 4, "p1"),
        ("i5", "complaint", -0.9, 5, "p2"),
        ("i6", "complaint", -0.8, 6, "p2"),
        ("i7", "complaint", -0.7, 7, "p2"),
        ("i8", "mention", 0.2, 8, "p3"),
        ("i9", "praise", 0.9, 9, "p5"),
        ("i10", "praise", 0.7, 10, "p5"),
        ("i11", "review", 0.9, 11, "c1"),
    ]
    nodes += [
        NodeWrite(I, iid, {"kind": kind, "channel": "x", "sentiment": s, "occurredAt": ts(day)})
        for iid, kind, s, day, _ in acts
    ]

    def e(
        t: RelType, s: tuple[NodeLabel, str], d: tuple[NodeLabel, str], **props: Any
    ) -> EdgeWrite:
        return EdgeWrite(t, NodeRef(*s), NodeRef(*d), props)

    edges = [
        e(RelType.HAS_PROFILE, (C, f"c{i}"), (P, f"p{i}"), status="confirmed") for i in range(1, 6)
    ]
    edges.append(e(RelType.HAS_PROFILE, (C, "c3"), (P, "p8"), status="candidate"))
    for u, v in [
        ("p4", "p1"),
        ("p1", "p4"),
        ("p6", "p4"),
        ("p3", "p6"),
        ("p7", "p5"),
        ("p3", "p7"),
        ("p2", "p3"),
    ]:
        edges.append(e(RelType.FOLLOWS, (P, u), (P, v)))
    for iid, _, _, _, actor in acts:
        label = C if actor.startswith("c") else P
        edges.append(e(RelType.PERFORMED, (label, actor), (I, iid)))
    edges += [
        e(RelType.RESPONDS_TO, (I, "i2"), (I, "i1")),
        e(RelType.RESPONDS_TO, (I, "i3"), (I, "i2")),
        e(RelType.MENTIONS, (I, "i8"), (P, "p7")),
        e(RelType.ABOUT, (I, "i1"), (D, "d1")),
        e(RelType.ABOUT, (I, "i11"), (D, "d1")),
        e(RelType.IN, (I, "i9"), (G, "g1")),
        e(RelType.MEMBER_OF, (P, "p3"), (G, "g1")),
        e(RelType.PURCHASED, (C, "c1"), (D, "d1"), count=2),
        e(RelType.REFERRED, (C, "c1"), (C, "c4"), converted=True),
    ]
    return nodes, edges


@pytest.fixture
async def toy_store(tmp_path: Path) -> AsyncIterator[SqliteGraphStore]:
    """The toy graph in a SQLite store on a temp file (not yet refreshed)."""
    store = SqliteGraphStore(tmp_path / "toy.db")
    await store.open()
    nodes, edges = toy_writes()
    await store.upsert(nodes, edges)
    try:
        yield store
    finally:
        await store.close()


# --- synthetic data sets -----------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A generated, loaded and refreshed data set: the SQLite file and the planted truth."""

    size: str
    db: Path
    data: Path
    truth: dict[str, Any]
    report: RefreshReport
    load_seconds: float


def _build(size: str, root: Path) -> Dataset:
    data = root / size
    generate(data, size=size, seed=7)

    async def run() -> tuple[RefreshReport, float]:
        store = SqliteGraphStore(root / f"{size}.db")
        await store.open()
        try:
            t0 = time.perf_counter()
            # strict: the generated set must load without a single rejected row
            await load_path(store, data, progress=False)
            loaded = time.perf_counter() - t0
            report = await AnalyticsService(store).refresh()
            return report, loaded
        finally:
            await store.close()

    report, loaded = asyncio.run(run())
    truth = json.loads((data / "truth.json").read_text())
    return Dataset(size, root / f"{size}.db", data, truth, report, loaded)


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return _build("small", tmp_path_factory.mktemp("analytics-small"))


@pytest.fixture(scope="session")
def medium_set(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return _build("medium", tmp_path_factory.mktemp("analytics-medium"))


async def open_store(path: Path) -> SqliteGraphStore:
    store = SqliteGraphStore(path)
    await store.open()
    return store
