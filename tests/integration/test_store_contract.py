"""The storage port's contract: every adapter (SQLite, Neo4j) must pass these."""

from __future__ import annotations

import pytest

from graph_api.errors import InvalidInput, NotFound
from graph_api.model import (
    Customer,
    Interaction,
    NodeLabel,
    Product,
    Profile,
    RelType,
    node_props,
)
from graph_api.store.base import (
    Condition,
    Direction,
    EdgeWrite,
    GraphStore,
    NodeQuery,
    NodeRef,
    NodeWrite,
    Op,
    PageRequest,
    Related,
)

C, P, G, D, I = (  # noqa: E741
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)


def cust(i: str, **props: object) -> NodeWrite:
    return NodeWrite(C, i, props)


def ref(label: NodeLabel, i: str) -> NodeRef:
    return NodeRef(label, i)


async def small_graph(store: GraphStore) -> None:
    """c1..c5 customers, profiles, two communities, two products, interactions."""
    nodes = [
        cust("c1", name="Ada", segment="gold", lifetimeValue=500.0, email="ada@x.org"),
        cust("c2", name="Bob", segment="silver", lifetimeValue=120.0),
        cust("c3", name="Cy", segment="gold", lifetimeValue=90.0),
        cust("c4", name="Di", lifetimeValue=300.0),
        cust("c5", name="Ed", segment="bronze"),
        NodeWrite(P, "p1", {"platform": "x", "handle": "ada", "followers": 10}),
        NodeWrite(P, "p2", {"platform": "instagram", "handle": "ada_i", "followers": 5000}),
        NodeWrite(P, "p3", {"platform": "x", "handle": "bob", "followers": 7}),
        NodeWrite(G, "g1", {"name": "Runners", "owned": True}),
        NodeWrite(G, "g2", {"name": "Cyclists", "owned": False}),
        NodeWrite(D, "d1", {"name": "Shoe", "price": 100.0}),
        NodeWrite(D, "d2", {"name": "Bike", "price": 900.0}),
    ]
    for k in range(1, 7):
        nodes.append(
            NodeWrite(
                I,
                f"i{k}",
                {
                    "kind": "complaint" if k % 3 == 0 else "praise",
                    "channel": "x",
                    "sentiment": -0.8 if k % 3 == 0 else 0.6,
                    "occurredAt": f"2024-01-0{k}T10:00:00.000000Z",
                },
            )
        )
    edges = [
        EdgeWrite(RelType.HAS_PROFILE, ref(C, "c1"), ref(P, "p1"), {"status": "confirmed"}),
        EdgeWrite(RelType.HAS_PROFILE, ref(C, "c1"), ref(P, "p2"), {"status": "confirmed"}),
        EdgeWrite(RelType.HAS_PROFILE, ref(C, "c2"), ref(P, "p3"), {"status": "candidate"}),
        EdgeWrite(RelType.MEMBER_OF, ref(C, "c1"), ref(G, "g1"), {"role": "admin"}),
        EdgeWrite(RelType.MEMBER_OF, ref(C, "c2"), ref(G, "g1")),
        EdgeWrite(RelType.MEMBER_OF, ref(C, "c3"), ref(G, "g1")),
        EdgeWrite(RelType.MEMBER_OF, ref(C, "c3"), ref(G, "g2")),
        EdgeWrite(RelType.MEMBER_OF, ref(P, "p3"), ref(G, "g2")),
        EdgeWrite(RelType.PURCHASED, ref(C, "c1"), ref(D, "d1"), {"amount": 100.0}),
        EdgeWrite(RelType.PURCHASED, ref(C, "c3"), ref(D, "d1"), {"amount": 100.0}),
        EdgeWrite(RelType.PURCHASED, ref(C, "c3"), ref(D, "d2"), {"amount": 900.0}),
        EdgeWrite(RelType.PURCHASED, ref(C, "c4"), ref(D, "d2"), {"amount": 900.0}),
        EdgeWrite(RelType.FOLLOWS, ref(P, "p3"), ref(P, "p1")),
        EdgeWrite(RelType.PERFORMED, ref(P, "p1"), ref(I, "i1")),
        EdgeWrite(RelType.PERFORMED, ref(P, "p2"), ref(I, "i2")),
        EdgeWrite(RelType.PERFORMED, ref(C, "c1"), ref(I, "i3")),
        EdgeWrite(RelType.PERFORMED, ref(P, "p3"), ref(I, "i4")),
        EdgeWrite(RelType.PERFORMED, ref(C, "c2"), ref(I, "i5")),
        EdgeWrite(RelType.PERFORMED, ref(C, "c3"), ref(I, "i6")),
        EdgeWrite(RelType.RESPONDS_TO, ref(I, "i4"), ref(I, "i1")),
        EdgeWrite(RelType.ABOUT, ref(I, "i3"), ref(D, "d1")),
        EdgeWrite(RelType.ABOUT, ref(I, "i6"), ref(D, "d1")),
        EdgeWrite(RelType.ABOUT, ref(I, "i1"), ref(D, "d1")),
        EdgeWrite(RelType.MENTIONS, ref(I, "i4"), ref(P, "p1")),
    ]
    await store.upsert(nodes, edges)


# -- writes ---------------------------------------------------------------------------------


async def test_upsert_counts_and_reads_back(store: GraphStore) -> None:
    v0 = await store.data_version()
    record = Customer(id="c1", name="Ada", email="ADA@x.org", createdAt="2024-01-01T00:00:00Z")
    result = await store.upsert([NodeWrite(C, "c1", node_props(record)), cust("c2", name="Bob")])
    assert result.nodes[C].inserted == 2
    assert result.data_version == v0 + 1 == await store.data_version()
    got = await store.get_nodes(C, ["c1", "c2", "nope"])
    assert set(got) == {"c1", "c2"}
    assert got["c1"].props == {
        "name": "Ada",
        "email": "ada@x.org",
        "createdAt": "2024-01-01T00:00:00.000000Z",
    }
    assert got["c1"].ref == NodeRef(C, "c1")


async def test_same_write_twice_changes_nothing(store: GraphStore) -> None:
    await small_graph(store)
    v = await store.data_version()
    again = await store.upsert(
        [cust("c1", name="Ada", segment="gold", lifetimeValue=500.0, email="ada@x.org")],
        [EdgeWrite(RelType.FOLLOWS, ref(P, "p3"), ref(P, "p1"))],
    )
    assert again.nodes[C].unchanged == 1 and again.nodes[C].inserted == 0
    assert again.edges[RelType.FOLLOWS].unchanged == 1
    assert not again.changed
    assert await store.data_version() == v


async def test_update_replaces_properties_as_a_whole(store: GraphStore) -> None:
    await store.upsert([cust("c1", name="Ada", segment="gold")])
    result = await store.upsert([cust("c1", name="Ada L.")])
    assert result.nodes[C].updated == 1
    assert (await store.get_nodes(C, ["c1"]))["c1"].props == {"name": "Ada L."}


async def test_edge_to_missing_node_writes_nothing(store: GraphStore) -> None:
    await store.upsert([cust("c1", name="Ada")])
    v = await store.data_version()
    with pytest.raises(InvalidInput) as err:
        await store.upsert(
            [cust("c9", name="New")],
            [EdgeWrite(RelType.REFERRED, ref(C, "c1"), ref(C, "ghost"))],
        )
    assert any("ghost" in p.where for p in err.value.problems)
    assert await store.data_version() == v
    assert await store.get_nodes(C, ["c9"]) == {}


async def test_edge_endpoints_in_same_write_are_fine(store: GraphStore) -> None:
    result = await store.upsert(
        [cust("a", name="A"), cust("b", name="B")],
        [EdgeWrite(RelType.REFERRED, ref(C, "a"), ref(C, "b"), {"converted": True})],
    )
    assert result.edges[RelType.REFERRED].inserted == 1
    assert await store.count_edges(RelType.REFERRED) == 1


async def test_edge_with_wrong_labels_is_refused(store: GraphStore) -> None:
    await store.upsert([cust("a", name="A"), NodeWrite(D, "d", {"name": "D"})])
    with pytest.raises(InvalidInput, match="FOLLOWS"):
        await store.upsert(edges=[EdgeWrite(RelType.FOLLOWS, ref(C, "a"), ref(D, "d"))])


async def test_encoded_writes_equal_upsert(store: GraphStore) -> None:
    """``upsert_encoded`` (what loaders use) writes, counts and refuses like ``upsert``; the
    same data written through ``upsert`` afterwards is unchanged."""
    v0 = await store.data_version()
    result = await store.upsert_encoded(
        [
            ("Customer", "c1", '{"name":"Ada","segment":"gold"}'),
            ("Customer", "c2", '{"name":"Bob"}'),
        ],
        [("REFERRED", "Customer", "c1", "Customer", "c2", '{"converted":true}')],
    )
    assert result.nodes[C].inserted == 2 and result.edges[RelType.REFERRED].inserted == 1
    assert result.data_version == v0 + 1
    assert (await store.get_nodes(C, ["c1"]))["c1"].props == {"name": "Ada", "segment": "gold"}
    same = await store.upsert(
        [cust("c1", segment="gold", name="Ada"), cust("c2", name="Bob")],
        [EdgeWrite(RelType.REFERRED, ref(C, "c1"), ref(C, "c2"), {"converted": True})],
    )
    assert not same.changed and same.nodes[C].unchanged == 2
    with pytest.raises(InvalidInput):
        await store.upsert_encoded([("Person", "x", "{}")])
    with pytest.raises(InvalidInput):
        await store.upsert_encoded((), [("FOLLOWS", "Customer", "c1", "Customer", "c2", "{}")])
    with pytest.raises(InvalidInput) as err:
        await store.upsert_encoded((), [("REFERRED", "Customer", "c1", "Customer", "ghost", "{}")])
    assert any("ghost" in p.where for p in err.value.problems)
    assert await store.data_version() == v0 + 1


async def test_delete_edges(store: GraphStore) -> None:
    await small_graph(store)
    v = await store.data_version()
    gone = await store.delete_edges(
        [
            EdgeWrite(RelType.FOLLOWS, ref(P, "p3"), ref(P, "p1")),
            EdgeWrite(RelType.FOLLOWS, ref(P, "p1"), ref(P, "p3")),  # never existed
        ]
    )
    assert gone == 1
    assert await store.count_edges(RelType.FOLLOWS) == 0
    assert await store.data_version() == v + 1


async def test_erase_customer_removes_person_and_their_traces(store: GraphStore) -> None:
    await small_graph(store)
    report = await store.erase_customer("c1")
    assert report.nodes_deleted == {C: 1, P: 2, I: 3}
    assert await store.get_nodes(C, ["c1"]) == {}
    assert await store.get_nodes(P, ["p1", "p2"]) == {}
    assert set(await store.get_nodes(I, ["i1", "i2", "i3", "i4"])) == {"i4"}
    # i4 (by someone else) no longer responds to or mentions anything of c1
    hops = await store.neighbours([ref(I, "i4")], RelType.RESPONDS_TO, Direction.OUT)
    assert hops[ref(I, "i4")].total_count == 0
    # a candidate link does not make a profile theirs: c2's p3 survives c2's erasure? no: kept
    report2 = await store.erase_customer("c2")
    assert P not in report2.nodes_deleted
    assert set(await store.get_nodes(P, ["p3"])) == {"p3"}
    with pytest.raises(NotFound):
        await store.erase_customer("c1")


async def test_scores_are_kept_apart_and_do_not_bump_version(store: GraphStore) -> None:
    await small_graph(store)
    v = await store.data_version()
    written = await store.write_scores(
        C, {"c1": {"influence": 90.0}, "c2": {"influence": 10.0}, "zz": {"influence": 1.0}}
    )
    assert written == 2
    await store.write_scores(C, {"c1": {"advocacy": 55.0}})
    got = await store.get_nodes(C, ["c1"])
    assert got["c1"].scores == {"influence": 90.0, "advocacy": 55.0}
    # reloading the source record leaves scores alone
    await store.upsert([cust("c1", name="Ada")])
    assert (await store.get_nodes(C, ["c1"]))["c1"].scores["influence"] == 90.0
    await store.write_scores(C, {"c3": {"influence": 50.0}}, replace=True)
    got = await store.get_nodes(C, ["c1", "c3"])
    assert got["c1"].scores == {} and got["c3"].scores == {"influence": 50.0}
    assert await store.data_version() == v + 1  # only the reload of c1 counted


# -- listing --------------------------------------------------------------------------------


async def ids_of(store: GraphStore, label: NodeLabel, query: NodeQuery) -> list[str]:
    page = await store.list_nodes(label, query, PageRequest(first=100))
    return [n.id for n in page.items]


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ((Condition("segment", Op.EQ, "gold"),), ["c1", "c3"]),
        ((Condition("segment", Op.IN, ["gold", "bronze"]),), ["c1", "c3", "c5"]),
        ((Condition("lifetimeValue", Op.GTE, 120.0),), ["c1", "c2", "c4"]),
        ((Condition("lifetimeValue", Op.LT, 120.0),), ["c3"]),
        ((Condition("name", Op.CONTAINS, "D"),), ["c1", "c4", "c5"]),
        ((Condition("segment", Op.IS_NULL, True),), ["c4"]),
        ((Condition("segment", Op.IS_NULL, False),), ["c1", "c2", "c3", "c5"]),
        ((Condition("segment", Op.NE, "gold"),), ["c2", "c4", "c5"]),
        ((Condition("segment", Op.EQ, "gold"), Condition("lifetimeValue", Op.GT, 100)), ["c1"]),
        ((Condition("id", Op.IN, ["c2", "c5", "zz"]),), ["c2", "c5"]),
    ],
)
async def test_list_filters(
    store: GraphStore, conditions: tuple[Condition, ...], expected: list[str]
) -> None:
    await small_graph(store)
    assert await ids_of(store, C, NodeQuery(conditions=conditions)) == expected


async def test_boolean_filter(store: GraphStore) -> None:
    await small_graph(store)
    assert await ids_of(store, G, NodeQuery((Condition("owned", Op.EQ, True),))) == ["g1"]
    assert await ids_of(store, G, NodeQuery((Condition("owned", Op.EQ, False),))) == ["g2"]


async def test_related_filters(store: GraphStore) -> None:
    await small_graph(store)
    in_g1_bought_d2 = NodeQuery(
        related=(
            Related(RelType.MEMBER_OF, Direction.OUT, (ref(G, "g1"),)),
            Related(RelType.PURCHASED, Direction.OUT, (ref(D, "d2"),)),
        )
    )
    assert await ids_of(store, C, in_g1_bought_d2) == ["c3"]
    negative_about_d1 = NodeQuery(
        conditions=(Condition("sentiment", Op.LT, 0),),
        related=(Related(RelType.ABOUT, Direction.OUT, (ref(D, "d1"),)),),
        order_by="occurredAt",
        descending=True,
    )
    assert await ids_of(store, I, negative_about_d1) == ["i6", "i3"]
    admins = NodeQuery(
        related=(
            Related(
                RelType.MEMBER_OF,
                Direction.OUT,
                (ref(G, "g1"),),
                edge=(Condition("role", Op.EQ, "admin"),),
            ),
        )
    )
    assert await ids_of(store, C, admins) == ["c1"]
    history = NodeQuery(
        related=(
            Related(RelType.PERFORMED, Direction.IN, (ref(C, "c1"), ref(P, "p1"), ref(P, "p2"))),
        ),
        order_by="occurredAt",
        descending=True,
    )
    assert await ids_of(store, I, history) == ["i3", "i2", "i1"]
    nobody = NodeQuery(related=(Related(RelType.MEMBER_OF, Direction.OUT, ()),))
    assert await ids_of(store, C, nobody) == []


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("order_by", ["id", "lifetimeValue", "segment"])
async def test_keyset_pages_walk_the_whole_order(
    store: GraphStore, order_by: str, descending: bool
) -> None:
    await small_graph(store)
    query = NodeQuery(order_by=order_by, descending=descending)
    full = await store.list_nodes(C, query, PageRequest(first=50))
    assert full.total_count == 5 and not full.has_next_page
    expected = [n.id for n in full.items]
    # nulls come last whatever the direction
    values = [n.props.get(order_by) if order_by != "id" else n.id for n in full.items]
    present = [v for v in values if v is not None]
    assert values[: len(present)] == present
    assert present == sorted(present, reverse=descending)

    seen: list[str] = []
    cursor = None
    while True:
        page = await store.list_nodes(C, query, PageRequest(first=2, after=cursor))
        assert page.total_count == 5
        seen += [n.id for n in page.items]
        assert page.has_previous_page == (cursor is not None)
        if not page.has_next_page:
            break
        cursor = page.cursors[-1]
    assert seen == expected

    back: list[str] = []
    cursor = None
    while True:
        page = await store.list_nodes(C, query, PageRequest(last=2, before=cursor))
        back = [n.id for n in page.items] + back
        assert page.has_next_page == (cursor is not None)
        if not page.has_previous_page:
            break
        cursor = page.cursors[0]
    assert back == expected


async def test_pages_between_cursors(store: GraphStore) -> None:
    await small_graph(store)
    full = await store.list_nodes(C, NodeQuery(), PageRequest(first=5))
    page = await store.list_nodes(
        C, NodeQuery(), PageRequest(first=10, after=full.cursors[0], before=full.cursors[4])
    )
    assert [n.id for n in page.items] == ["c2", "c3", "c4"]


async def test_order_by_scores(store: GraphStore) -> None:
    await small_graph(store)
    await store.write_scores(
        C, {"c1": {"influence": 5.0}, "c4": {"influence": 80.0}, "c2": {"influence": 40.0}}
    )
    top = await ids_of(store, C, NodeQuery(order_by="scores.influence", descending=True))
    assert top[:3] == ["c4", "c2", "c1"] and set(top[3:]) == {"c3", "c5"}
    high = NodeQuery(conditions=(Condition("scores.influence", Op.GTE, 40.0),))
    assert await ids_of(store, C, high) == ["c2", "c4"]


async def test_bad_field_and_cursor_are_refused(store: GraphStore) -> None:
    await small_graph(store)
    with pytest.raises(InvalidInput):
        await store.list_nodes(C, NodeQuery(order_by="name') --"))
    with pytest.raises(InvalidInput):
        await store.list_nodes(C, NodeQuery((Condition("x y", Op.EQ, 1),)))
    with pytest.raises(InvalidInput):
        await store.list_nodes(C, NodeQuery(), PageRequest(first=2, after="garbage!"))
    page = await store.list_nodes(C, NodeQuery(order_by="name"), PageRequest(first=1))
    with pytest.raises(InvalidInput, match="ordering"):
        await store.list_nodes(C, NodeQuery(), PageRequest(first=1, after=page.cursors[0]))


# -- neighbours -----------------------------------------------------------------------------


async def test_neighbours_batched_with_pages_and_totals(store: GraphStore) -> None:
    await small_graph(store)
    refs = [ref(G, "g1"), ref(G, "g2"), ref(G, "nope")]
    pages = await store.neighbours(refs, RelType.MEMBER_OF, Direction.IN, page=PageRequest(first=2))
    assert set(pages) == set(refs)
    g1 = pages[ref(G, "g1")]
    assert [h.node.id for h in g1.items] == ["c1", "c2"]
    assert g1.total_count == 3 and g1.has_next_page
    assert g1.items[0].edge.props == {"role": "admin"}
    assert g1.items[0].edge.src == ref(C, "c1") and g1.items[0].edge.dst == ref(G, "g1")
    g2 = pages[ref(G, "g2")]
    assert {h.node.ref for h in g2.items} == {ref(C, "c3"), ref(P, "p3")}
    assert pages[ref(G, "nope")].total_count == 0 and pages[ref(G, "nope")].items == []
    rest = await store.neighbours(
        [ref(G, "g1")],
        RelType.MEMBER_OF,
        Direction.IN,
        page=PageRequest(first=2, after=g1.cursors[-1]),
    )
    assert [h.node.id for h in rest[ref(G, "g1")].items] == ["c3"]


async def test_neighbours_outgoing_with_filters(store: GraphStore) -> None:
    await small_graph(store)
    c1 = ref(C, "c1")
    confirmed = await store.neighbours(
        [c1, ref(C, "c2")],
        RelType.HAS_PROFILE,
        Direction.OUT,
        edge=[Condition("status", Op.EQ, "confirmed")],
    )
    assert [h.node.id for h in confirmed[c1].items] == ["p1", "p2"]
    assert confirmed[ref(C, "c2")].total_count == 0
    by_followers = await store.neighbours(
        [c1],
        RelType.HAS_PROFILE,
        Direction.OUT,
        query=NodeQuery(order_by="followers", descending=True),
        page=PageRequest(last=1),
    )
    page = by_followers[c1]
    assert [h.node.id for h in page.items] == ["p1"] and page.has_previous_page
    bought = await store.neighbours(
        [ref(C, "c3")],
        RelType.PURCHASED,
        Direction.OUT,
        query=NodeQuery((Condition("price", Op.GT, 500),)),
    )
    assert [h.node.id for h in bought[ref(C, "c3")].items] == ["d2"]


# -- streaming, counting, documents ---------------------------------------------------------


async def test_streams_return_everything(store: GraphStore) -> None:
    await small_graph(store)
    batches = [b async for b in store.stream_nodes(I, batch_size=4)]
    assert [len(b) for b in batches] == [4, 2]
    assert [n.id for b in batches for n in b] == [f"i{k}" for k in range(1, 7)]
    edges = [e async for b in store.stream_edges(RelType.PERFORMED, batch_size=2) for e in b]
    assert len(edges) == 6 == await store.count_edges(RelType.PERFORMED)
    assert {(e.src, e.dst) for e in edges} >= {(ref(C, "c1"), ref(I, "i3"))}
    assert await store.count_nodes(C) == 5


async def test_stream_texts_is_a_projection_of_stream_nodes(store: GraphStore) -> None:
    odd: dict[str, object] = {"name": "", "email": 7, "phone": True, "tags": ["a"]}
    await store.upsert(
        [
            NodeWrite(C, "t1", {"name": "Ann Lee", "email": "ann@example.com"}),
            NodeWrite(C, "t2", odd),  # only non-empty text counts as text
            NodeWrite(C, "t3", {"name": 'Zoë "Z" O\'Neil', "phone": "+44 20 7946 0000"}),
            NodeWrite(P, "t1", {"handle": "not a customer"}),
        ]
    )
    fields = ("name", "email", "phone", "tags", "missing")
    rows = [r async for b in store.stream_texts(C, fields, batch_size=2) for r in b]
    assert rows == [
        ("t1", "Ann Lee", "ann@example.com", None, None, None),
        ("t2", None, None, None, None, None),
        ("t3", 'Zoë "Z" O\'Neil', None, "+44 20 7946 0000", None, None),
    ]
    nodes = [n async for b in store.stream_nodes(C) for n in b]
    assert [r[0] for r in rows] == [n.id for n in nodes]
    assert [r[0] async for b in store.stream_texts(C, ()) for r in b] == ["t1", "t2", "t3"]


async def test_bulk_hints_outside_a_session_change_nothing(store: GraphStore) -> None:
    """Numbers and the "last node written" and "build the indexes now" hints belong to a
    bulk session (the SQLite one is tested in test_sqlite_bulk.py); outside one, no numbers,
    no effect, writes go on."""
    assert await store.bulk_numbers() is None
    await store.bulk_nodes_written()
    await store.bulk_indexes_now()
    with pytest.raises(InvalidInput):
        await store.upsert_numbered([(C.value, "n1", "{}", 10**6)])
    assert await store.get_nodes(C, ["n1"]) == {}
    written = await store.upsert([NodeWrite(C, "n2", {"name": "Ann"})])
    assert written.nodes[C].inserted == 1


async def test_documents(store: GraphStore) -> None:
    assert await store.get_document("analytics") is None
    await store.put_document("analytics", {"version": 1, "steps": ["a"]})
    await store.put_document("analytics", {"version": 2})
    assert await store.get_document("analytics") == {"version": 2}


async def test_ping(store: GraphStore) -> None:
    await store.ping()


async def test_interaction_record_round_trip(store: GraphStore) -> None:
    rec = Interaction(
        id="x1", kind="review", channel="web", sentiment=0.5, occurredAt="2024-03-01T12:00:00+01:00"
    )
    prod = Product(id="d9", name="Thing", price=3)
    prof = Profile(id="px", platform="reviews", handle="someone")
    await store.upsert(
        [
            NodeWrite(I, rec.id, node_props(rec)),
            NodeWrite(D, prod.id, node_props(prod)),
            NodeWrite(P, prof.id, node_props(prof)),
        ],
        [
            EdgeWrite(RelType.ABOUT, ref(I, "x1"), ref(D, "d9")),
            EdgeWrite(RelType.PERFORMED, ref(P, "px"), ref(I, "x1")),
        ],
    )
    got = (await store.get_nodes(I, ["x1"]))["x1"]
    assert Interaction(id=got.id, **got.props) == rec


# -- edge cases both adapters must agree on -------------------------------------------------


async def test_score_maps_round_trip_and_none_removes(store: GraphStore) -> None:
    await small_graph(store)
    evidence = {"praise": 2, "items": ["i1", "i2"]}
    await store.write_scores(C, {"c1": {"advocacy": 40.0, "advocacyEvidence": evidence}})
    assert (await store.get_nodes(C, ["c1"]))["c1"].scores["advocacyEvidence"] == evidence
    await store.write_scores(C, {"c1": {"advocacyEvidence": None}})
    assert (await store.get_nodes(C, ["c1"]))["c1"].scores == {"advocacy": 40.0}


async def test_same_id_under_two_labels_are_two_nodes(store: GraphStore) -> None:
    await store.upsert(
        [
            cust("x", name="Customer x"),
            NodeWrite(P, "x", {"platform": "x", "handle": "x"}),
            NodeWrite(
                I,
                "i",
                {
                    "kind": "post",
                    "channel": "x",
                    "sentiment": 0.0,
                    "occurredAt": "2024-01-01T00:00:00.000000Z",
                },
            ),
        ],
        [
            EdgeWrite(RelType.PERFORMED, ref(C, "x"), ref(I, "i")),
            EdgeWrite(RelType.PERFORMED, ref(P, "x"), ref(I, "i")),
        ],
    )
    pages = await store.neighbours([ref(I, "i")], RelType.PERFORMED, Direction.IN)
    assert {h.node.ref for h in pages[ref(I, "i")].items} == {ref(C, "x"), ref(P, "x")}
    only_profile = NodeQuery(related=(Related(RelType.PERFORMED, Direction.IN, (ref(P, "x"),)),))
    assert await ids_of(store, I, only_profile) == ["i"]
    members = [e async for b in store.stream_edges(RelType.PERFORMED) for e in b]
    assert {e.src for e in members} == {ref(C, "x"), ref(P, "x")}


async def test_erasure_counts_relationships(store: GraphStore) -> None:
    await small_graph(store)
    before = sum([await store.count_edges(t) for t in RelType])
    report = await store.erase_customer("c1")
    after = sum([await store.count_edges(t) for t in RelType])
    assert report.relationships_deleted == before - after > 0


async def test_duplicates_within_one_call(store: GraphStore) -> None:
    await small_graph(store)
    edge = EdgeWrite(RelType.FOLLOWS, ref(P, "p3"), ref(P, "p1"))
    assert await store.delete_edges([edge, edge]) == 1
    result = await store.upsert([cust("n1", name="A"), cust("n1", name="A")])
    assert result.nodes[C].total == 2 and result.nodes[C].inserted == 1


async def test_large_batch_in_one_call(store: GraphStore) -> None:
    nodes = [cust(f"c{k:05d}", name=f"N{k}") for k in range(6_000)]
    edges = [
        EdgeWrite(RelType.REFERRED, ref(C, f"c{k:05d}"), ref(C, f"c{k + 1:05d}"))
        for k in range(5_999)
    ]
    result = await store.upsert(nodes, edges)
    assert result.nodes[C].inserted == 6_000
    assert result.edges[RelType.REFERRED].inserted == 5_999
    again = await store.upsert(nodes, edges)
    assert not again.changed and again.data_version == result.data_version


async def test_stream_edges_with_two_source_labels(store: GraphStore) -> None:
    await small_graph(store)
    edges = [e async for b in store.stream_edges(RelType.MEMBER_OF, batch_size=2) for e in b]
    assert {e.src.label for e in edges} == {C, P} and len(edges) == 5
    assert any(e.props == {"role": "admin"} for e in edges)


async def test_field_with_newline_is_refused(store: GraphStore) -> None:
    await small_graph(store)
    with pytest.raises(InvalidInput):
        await store.list_nodes(C, NodeQuery((Condition("segment\n", Op.EQ, "gold"),)))
