"""No N+1: a page of customers with their profiles and communities costs a constant number of
store calls, whatever the page size."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.model import NodeLabel, RelType
from graph_api.store.base import EdgeWrite, NodeRef, NodeWrite
from graph_api.store.sqlite import SqliteGraphStore


class CountingStore(SqliteGraphStore):
    """The real SQLite store, counting the port's read calls (it delegates every one)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self.calls: Counter[str] = Counter()

    async def get_nodes(self, *args: Any, **kwargs: Any) -> Any:
        self.calls["get_nodes"] += 1
        return await super().get_nodes(*args, **kwargs)

    async def list_nodes(self, *args: Any, **kwargs: Any) -> Any:
        self.calls["list_nodes"] += 1
        return await super().list_nodes(*args, **kwargs)

    async def neighbours(self, *args: Any, **kwargs: Any) -> Any:
        self.calls["neighbours"] += 1
        return await super().neighbours(*args, **kwargs)


QUERY = """query($n: Int!) { customers(first: $n) { nodes {
    name
    profiles { edges { status node { handle communities { totalCount } } } }
    communities { nodes { name } }
} } }"""


async def test_store_calls_do_not_grow_with_page_size(tmp_path: Path, gql: Any) -> None:
    store = CountingStore(tmp_path / "g.db")
    await store.open()
    try:
        C, P, G = NodeLabel.CUSTOMER, NodeLabel.PROFILE, NodeLabel.COMMUNITY
        nodes = [NodeWrite(G, f"g{k}", {"name": f"group {k}"}) for k in range(5)]
        edges = []
        for i in range(120):
            nodes.append(NodeWrite(C, f"c{i:03}", {"name": f"customer {i}"}))
            nodes.append(NodeWrite(P, f"p{i:03}", {"platform": "x", "handle": f"h{i}"}))
            edges.append(
                EdgeWrite(
                    RelType.HAS_PROFILE,
                    NodeRef(C, f"c{i:03}"),
                    NodeRef(P, f"p{i:03}"),
                    {"status": "confirmed"},
                )
            )
            edges.append(
                EdgeWrite(RelType.MEMBER_OF, NodeRef(C, f"c{i:03}"), NodeRef(G, f"g{i % 5}"), {})
            )
            edges.append(
                EdgeWrite(
                    RelType.MEMBER_OF, NodeRef(P, f"p{i:03}"), NodeRef(G, f"g{(i + 1) % 5}"), {}
                )
            )
        await store.upsert(nodes, edges)
        app = create_app(Settings(api_keys={}), store)
        counts = {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as c:
            for n in (10, 100):
                store.calls.clear()
                body = await gql(c, QUERY, {"n": n})
                assert "errors" not in body, body
                customers = body["data"]["customers"]["nodes"]
                assert len(customers) == n
                assert all(len(x["profiles"]["edges"]) == 1 for x in customers)
                counts[n] = sum(store.calls.values())
                # one list, one neighbours call per relationship shape, no get_nodes at all
                assert store.calls == Counter(list_nodes=1, neighbours=3), store.calls
        assert counts[10] == counts[100] == 4
    finally:
        await store.close()
