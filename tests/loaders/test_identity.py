"""Identity resolution on hand-made cases (pure), then through the store."""

from __future__ import annotations

import random
from pathlib import Path

from loader_helpers import EXAMPLES, snapshot

from graph_api.model import LinkMethod, LinkStatus, RelType
from graph_api.store.paging import canonical_json
from graph_api.store.sqlite import SqliteGraphStore
from loaders.identity import (
    CustomerFacts,
    ExistingLink,
    IdentityFacts,
    Link,
    LinkWriter,
    ProfileFacts,
    match_facts,
    match_profiles,
    read_facts,
    resolve_identities,
    write_links,
)
from loaders.load import load_path

CUSTOMERS = [
    CustomerFacts("c-anna", "Anna Müller", "anna.mueller84@web.de", "+4915100000001"),
    CustomerFacts("c-john1", "John Smith", "john.smith@gmail.com"),
    CustomerFacts("c-john2", "John Smith", "jsmith77@outlook.com"),
    CustomerFacts("c-ana", "Ana Schmidt", "schmidt.family@gmx.net"),
    CustomerFacts("c-peter", "Peter Schmidt", "schmidt.family@gmx.net"),
    CustomerFacts("c-maria", "Maria Garcia"),
    CustomerFacts("c-lars", "Lars Eriksson", "lars.eriksson@proton.me"),
]


def links_for(
    profiles: list[ProfileFacts], existing: list[ExistingLink] | None = None
) -> dict[str, list[Link]]:
    out: dict[str, list[Link]] = {p.id: [] for p in profiles}
    for link in match_profiles(CUSTOMERS, profiles, existing or []):
        out[link.profile_id].append(link)
    return out


def only(links: list[Link]) -> Link:
    assert len(links) == 1, links
    return links[0]


def test_one_person_on_three_platforms() -> None:
    profiles = [
        ProfileFacts("x", "x", "anna_runs", "Anna Müller", email="anna.mueller84@web.de"),
        ProfileFacts("ig", "instagram", "anna_runs", "Anna M"),  # same handle as the x one
        ProfileFacts("li", "linkedin", "anna.mueller84", "Anna Mueller"),  # e-mail local part
        ProfileFacts("fb", "facebook", "a.m.private", None, phone="+4915100000001"),
    ]
    found = links_for(profiles)
    x, ig, li, fb = (only(found[p.id]) for p in profiles)
    assert (x.customer_id, x.method, x.status) == ("c-anna", LinkMethod.EMAIL, LinkStatus.CONFIRMED)
    assert (ig.customer_id, ig.method, ig.status) == (
        "c-anna",
        LinkMethod.HANDLE,
        LinkStatus.CONFIRMED,
    )
    assert (li.customer_id, li.method, li.status) == (
        "c-anna",
        LinkMethod.HANDLE,
        LinkStatus.CONFIRMED,
    )
    assert (fb.customer_id, fb.method, fb.status) == (
        "c-anna",
        LinkMethod.PHONE,
        LinkStatus.CONFIRMED,
    )
    assert x.confidence > ig.confidence


def test_same_name_different_people_is_never_confirmed() -> None:
    found = links_for([ProfileFacts("p", "x", "johnny_b_good", "John Smith")])
    assert {lk.customer_id for lk in found["p"]} == {"c-john1", "c-john2"}
    assert all(lk.status is LinkStatus.CANDIDATE for lk in found["p"])
    assert all(lk.method is LinkMethod.NAME for lk in found["p"])


def test_a_single_namesake_is_only_a_candidate() -> None:
    found = links_for([ProfileFacts("p", "x", "lars_e_1234", "Lars Eriksson")])
    link = only(found["p"])
    assert (link.customer_id, link.status) == ("c-lars", LinkStatus.CANDIDATE)


def test_typos_in_names_find_a_candidate() -> None:
    found = links_for([ProfileFacts("p", "forum", "mg_1999", "Marai Garcai")])
    link = only(found["p"])
    assert (link.customer_id, link.method, link.status) == (
        "c-maria",
        LinkMethod.NAME,
        LinkStatus.CANDIDATE,
    )
    assert 0.5 < link.confidence < 0.8


def test_a_family_sharing_one_email_gives_candidates_for_each() -> None:
    found = links_for(
        [
            ProfileFacts(
                "p", "facebook", "the_schmidts", "Ana Schmidt", email="schmidt.family@gmx.net"
            )
        ]
    )
    by_customer = {lk.customer_id: lk for lk in found["p"]}
    assert set(by_customer) == {"c-ana", "c-peter"}
    assert all(lk.status is LinkStatus.CANDIDATE for lk in by_customer.values())
    assert by_customer["c-ana"].confidence > by_customer["c-peter"].confidence


def test_a_profile_with_no_match_gets_no_link() -> None:
    unmatched: list[str] = []
    links = list(
        match_profiles(
            CUSTOMERS,
            [ProfileFacts("p", "tiktok", "trailqueen", "Trail Queen")],
            unmatched=unmatched,
        )
    )
    assert links == [] and unmatched == ["p"]


def test_handle_shared_by_namesakes_is_not_confirmed() -> None:
    existing = [ExistingLink("c-john1", "x1", LinkStatus.CONFIRMED)]
    profiles = [
        ProfileFacts("x1", "x", "johnsmith", "John Smith"),
        ProfileFacts("ig", "instagram", "johnsmith", "John Smith"),
    ]
    found = links_for(profiles, existing)
    assert found["x1"] == []  # settled: already confirmed
    assert all(lk.status is LinkStatus.CANDIDATE for lk in found["ig"])


def test_names_written_differently_are_still_namesakes() -> None:
    """Accents, case and word order do not make two people: "Sofía Cooper", "sofia cooper"
    and "Cooper, Sofia" are namesakes (one name key), each a candidate or none at all."""
    two = [
        CustomerFacts("c-1", "Sofía Cooper", "sofia.cooper@web.de"),
        CustomerFacts("c-2", "sofia cooper"),
        CustomerFacts("c-3", "Sofia Coopers"),  # one letter more: similar, not a namesake
    ]
    profile = ProfileFacts("p", "x", "s_coop", "Sofia Cooper")
    found = sorted((lk.customer_id, lk.confidence) for lk in match_profiles(two[:2], [profile]))
    assert [cid for cid, _ in found] == ["c-1", "c-2"]
    assert found[0][1] == found[1][1]  # the same score: one name key
    # a third customer close enough: more than two plausible, so the name tells nothing
    assert list(match_profiles(two, [profile])) == []
    assert [lk.customer_id for lk in match_profiles([two[0], two[2]], [profile])] == ["c-1", "c-3"]
    # the handle is c-1's e-mail local part, but c-2 carries the same name: not confirmed
    by_handle = ProfileFacts("q", "x", "sofia.cooper", "Sofia Cooper")
    link = only(list(match_profiles(two[:2], [by_handle])))
    assert (link.customer_id, link.method, link.status) == (
        "c-1",
        LinkMethod.HANDLE,
        LinkStatus.CANDIDATE,
    )
    alone = only(list(match_profiles(two[:1], [by_handle])))
    assert alone.status is LinkStatus.CONFIRMED


def test_existing_links_are_never_overridden() -> None:
    existing = [
        ExistingLink("c-peter", "p1", LinkStatus.CONFIRMED),  # explicit, against the e-mail
        ExistingLink("c-anna", "p2", LinkStatus.REJECTED),  # a reviewer said no
    ]
    profiles = [
        ProfileFacts("p1", "x", "whoever", "Anna Müller", email="anna.mueller84@web.de"),
        ProfileFacts("p2", "x", "whatever", "Anna Müller", email="anna.mueller84@web.de"),
    ]
    found = links_for(profiles, existing)
    assert found["p1"] == [] and found["p2"] == []


async def test_resolution_through_the_store_respects_explicit_links_and_is_idempotent(
    graph_store: SqliteGraphStore,
) -> None:
    report = await load_path(graph_store, EXAMPLES, progress=False)
    assert report.resolution is not None
    links = {}
    async for batch in graph_store.stream_edges(RelType.HAS_PROFILE):
        links.update({(e.src.id, e.dst.id): dict(e.props) for e in batch})
    assert links[("c2", "p3")] == {"confidence": 1.0, "method": "manual", "status": "confirmed"}
    assert links[("c1", "p1")]["method"] == "email"
    assert links[("c1", "p2")] == {"confidence": 0.85, "method": "handle", "status": "confirmed"}
    assert links[("c4", "p5")]["method"] == "handle"
    assert links[("c3", "p4")]["method"] == "phone"
    assert {k: v["status"] for k, v in links.items() if k[1] == "p6"} == {
        ("c5", "p6"): "candidate",
        ("c6", "p6"): "candidate",
    }
    assert not any(k[1] == "p7" for k in links)
    before = await snapshot(graph_store)
    version = await graph_store.data_version()
    again = await resolve_identities(graph_store)
    assert again.written.inserted == again.written.updated == 0
    assert await graph_store.data_version() == version
    assert await snapshot(graph_store) == before


async def test_load_without_resolution_writes_only_explicit_links(tmp_path: Path) -> None:
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        report = await load_path(store, EXAMPLES, progress=False, resolve=False)
        assert report.resolution is None
        assert await store.count_edges(RelType.HAS_PROFILE) == 1


def test_a_links_bulk_write_carries_the_same_properties_as_its_model() -> None:
    for confidence in (1.0, 0.93, 0.5, 0.123456789):
        for method in LinkMethod:
            for status in LinkStatus:
                link = Link("c1", "p1", confidence, method, status)
                assert link.encoded() == (
                    "HAS_PROFILE",
                    "Customer",
                    "c1",
                    "Profile",
                    "p1",
                    canonical_json(link.props()),
                )


async def test_links_sent_in_batches_as_found_are_those_written_at_once(tmp_path: Path) -> None:
    """``match_facts`` with ``on_batch`` hands over the same links in the same order, a batch
    at a time, and a LinkWriter fed those batches writes and reports what write_links does."""
    stores = []
    for name in ("at-once", "streamed"):
        store = SqliteGraphStore(tmp_path / f"{name}.db")
        await store.open()
        stores.append(store)
        await load_path(store, EXAMPLES, progress=False, resolve=False)
    try:
        facts = await read_facts(stores[0])
        await _batches_equal_the_whole(facts, stores)
    finally:
        for store in stores:
            await store.close()


async def _batches_equal_the_whole(facts: IdentityFacts, stores: list[SqliteGraphStore]) -> None:
    whole = match_facts(facts)
    assert len(whole.links) >= 5  # enough for batches of two to matter
    batches: list[list[Link]] = []
    streamed = match_facts(facts, batches.append, batch_size=2)
    assert streamed.links == []
    assert [len(b) for b in batches[:-1]] == [2] * (len(batches) - 1)
    assert 1 <= len(batches[-1]) <= 2
    assert [x for b in batches for x in b] == whole.links
    assert (streamed.unmatched, streamed.settled, streamed.profiles) == (
        whole.unmatched,
        whole.settled,
        whole.profiles,
    )
    at_once = await write_links(stores[0], whole, batch_size=2)
    writer = LinkWriter(stores[1])
    for batch in batches:
        await writer.write(batch)
    assert writer.finish(streamed) == at_once
    assert at_once.candidates + sum(at_once.confirmed.values()) == len(whole.links)
    assert at_once.written.inserted == len(whole.links)
    assert await snapshot(stores[0]) == await snapshot(stores[1])


async def test_the_links_found_do_not_depend_on_the_order_of_the_facts(
    tmp_path: Path, small_set: Path
) -> None:
    """A first load matches its rows in the order it read them, not read_facts's (by id):
    the same links either way, on the generated set (its ambiguous and shared-contact cases
    included), with the order of customers, profiles and links shuffled."""
    async with SqliteGraphStore(tmp_path / "g.db") as store:
        await load_path(store, small_set, progress=False, resolve=False)
        facts = await read_facts(store)
    whole = match_facts(facts)
    assert len(whole.links) > 500
    for seed in (1, 2):
        rng = random.Random(seed)
        shuffled = IdentityFacts(
            rng.sample(facts.customers, len(facts.customers)),
            rng.sample(facts.profiles, len(facts.profiles)),
            rng.sample(facts.existing, len(facts.existing)),
        )
        again = match_facts(shuffled)
        assert sorted(again.links, key=_pair) == sorted(whole.links, key=_pair)
        assert (again.unmatched, again.settled, again.profiles) == (
            whole.unmatched,
            whole.settled,
            whole.profiles,
        )


def _pair(link: Link) -> tuple[str, str]:
    return link.customer_id, link.profile_id
