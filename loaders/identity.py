"""Identity resolution: link social Profiles to Customers, with a confidence and a method.

Evidence, strongest first; the first kind that finds anyone for a profile decides:

1. **email / phone**: the profile's e-mail or phone equals a customer's. One customer →
   ``confirmed`` (0.97 e-mail, 0.95 phone, 0.99 both). Several (a family sharing an address) →
   a ``candidate`` for each, more confident where the display name fits.
2. **handle**: the profile's handle equals the handle of a profile already confirmed for a
   customer on another platform, or a customer's e-mail local part (at least 5 characters, not
   ``info``/``contact``…). One customer → ``confirmed`` (0.85) unless the display name
   contradicts the customer's name, or a namesake of the customer fits as well; several →
   candidates.
3. **name**: the display name is similar (:func:`name_similarity` ≥ 0.8) to the names of one
   or two customers: a ``candidate`` for each, never ``confirmed`` (people share names). When
   more customers carry that name it tells nothing, and no link is proposed.

Never a silent merge: ambiguous or weak evidence only makes candidates, for a person to review.
Existing links are never changed, whoever wrote them: a profile with a confirmed link is left
alone, and a customer-profile pair that has any link (say, rejected by a reviewer) gets no new
one. Running resolution twice therefore writes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from graph_api.model import HasProfile, LinkMethod, LinkStatus, NodeLabel, RelType, edge_props
from graph_api.store.base import EncodedEdge, GraphStore, WriteCounts
from graph_api.store.paging import canonical_json
from loaders.progress import NoProgress, Progress
from loaders.similarity import (
    blocking_keys,
    bounded_similarity,
    handle_key,
    handle_name_similarity,
    name_key,
    name_similarity,
)

__all__ = [
    "LINK_BATCH",
    "CustomerFacts",
    "ExistingLink",
    "IdentityFacts",
    "Link",
    "LinkWriter",
    "Matches",
    "ProfileFacts",
    "ResolutionReport",
    "match_facts",
    "match_profiles",
    "read_facts",
    "resolve_identities",
    "write_links",
]

NAME_CANDIDATE: Final = 0.8
MAX_NAME_CANDIDATES: Final = 2
LINK_BATCH: Final = 5_000
"""Links written in one write by :func:`write_links` and sent at once by :func:`match_facts`,
unless told otherwise (a load: its ``batch_size``)."""
HANDLE_SPELLS_NAME: Final = 0.8
MIN_HANDLE: Final = 5
GENERIC_LOCAL_PARTS: Final = frozenset(
    {"info", "contact", "hello", "mail", "admin", "office", "support", "family", "home", "team"}
)


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    id: str
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    id: str
    platform: str
    handle: str
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ExistingLink:
    customer_id: str
    profile_id: str
    status: LinkStatus


@dataclass(frozen=True, slots=True)
class Link:
    """A proposed HAS_PROFILE link."""

    customer_id: str
    profile_id: str
    confidence: float
    method: LinkMethod
    status: LinkStatus

    def props(self) -> dict[str, object]:
        return edge_props(
            HasProfile(confidence=self.confidence, method=self.method, status=self.status)
        )

    def encoded(self) -> EncodedEdge:
        """The link as a bulk write (:meth:`GraphStore.upsert_encoded`)."""
        props = _encoded_props(self.confidence, self.method, self.status)
        return (_HAS_PROFILE, _CUSTOMER, self.customer_id, _PROFILE, self.profile_id, props)


@lru_cache(maxsize=4096)
def _encoded_props(confidence: float, method: LinkMethod, status: LinkStatus) -> str:
    """A link's properties in canonical JSON: validated by the model once per distinct value
    (links share a few confidences), not once per link."""
    return canonical_json(
        edge_props(HasProfile(confidence=confidence, method=method, status=status))
    )


_HAS_PROFILE: Final = RelType.HAS_PROFILE.value
_CUSTOMER: Final = NodeLabel.CUSTOMER.value
_PROFILE: Final = NodeLabel.PROFILE.value


@dataclass(slots=True)
class ResolutionReport:
    """What a resolution run found and wrote."""

    profiles: int = 0
    settled: int = 0
    """Profiles that already had a confirmed link, left alone."""
    confirmed: dict[LinkMethod, int] = field(default_factory=dict)
    candidates: int = 0
    unmatched: int = 0
    written: WriteCounts = field(default_factory=WriteCounts)

    def summary(self) -> str:
        by_method = ", ".join(f"{m}: {n:,}" for m, n in sorted(self.confirmed.items()))
        return (
            f"{self.profiles:,} profiles, {self.settled:,} already linked, "
            f"{sum(self.confirmed.values()):,} confirmed ({by_method or 'none'}), "
            f"{self.candidates:,} candidate links, {self.unmatched:,} unmatched; "
            f"{self.written.inserted:,} links written"
        )


def _local_part(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    local = handle_key(email.split("@", 1)[0])
    if len(local) < MIN_HANDLE or local in GENERIC_LOCAL_PARTS:
        return None
    return local


class _Customers:
    """Look-up tables over customers: by e-mail, phone, e-mail local part and name block.

    Names repeat (the large set: 200k customers, 29k names), so the name tables hold name
    keys: a block lists the keys that have it, each key its customers; a name's key and
    blocks are worked out once, and a display name is compared with each key once rather
    than with each customer (same results: customers with one key have one score)."""

    def __init__(self, customers: Iterable[CustomerFacts]) -> None:
        self.names: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.by_key: dict[str, list[str]] = {}
        self.email: dict[str, list[str]] = {}
        self.phone: dict[str, list[str]] = {}
        self.local: dict[str, list[str]] = {}
        self.blocks: dict[str, list[str]] = {}
        self._similar: dict[str, list[tuple[float, str]] | None] = {}
        self._by_name: dict[str, list[tuple[float, str]] | None] = {}
        key_of: dict[str, str] = {}
        for c in customers:
            name = c.name
            self.names[c.id] = name
            key = key_of.get(name)
            if key is None:
                key = key_of[name] = name_key(name)
                if key not in self.by_key:  # names with one key have the same blocks
                    self.by_key[key] = []
                    for block in blocking_keys(name):
                        self.blocks.setdefault(block, []).append(key)
            self.keys[c.id] = key
            self.by_key[key].append(c.id)
            if c.email:
                self.email.setdefault(c.email, []).append(c.id)
                local = _local_part(c.email)
                if local:
                    self.local.setdefault(local, []).append(c.id)
            if c.phone:
                self.phone.setdefault(c.phone, []).append(c.id)

    def has_namesakes(self, cid: str) -> bool:
        """Whether another customer has the same name (up to case, accents and order)."""
        return len(self.by_key[self.keys[cid]]) > 1

    def similar(self, display_name: str, limit: int) -> list[tuple[float, str]] | None:
        """Customers whose name is at least NAME_CANDIDATE similar, best first; None when more
        than ``limit`` are (the name is too common to tell anything). Memoised per name, and
        per name key (display names repeat, and names with one key have the same result)."""
        if display_name in self._by_name:
            return self._by_name[display_name]
        key = name_key(display_name)
        if key in self._similar:
            self._by_name[display_name] = self._similar[key]
            return self._similar[key]
        seen: set[str] = set()
        found: list[tuple[float, str]] | None = []
        for block in blocking_keys(display_name):
            for other in self.blocks.get(block, ()):
                if other in seen:
                    continue
                seen.add(other)
                score = bounded_similarity(key, other, NAME_CANDIDATE)
                if score >= NAME_CANDIDATE and found is not None:
                    found += [(score, cid) for cid in self.by_key[other]]
                    if len(found) > limit:
                        found = None
                        break
            if found is None:
                break
        if found is not None:
            found.sort(key=lambda t: (-t[0], t[1]))
        self._similar[key] = self._by_name[display_name] = found
        return found


def _name_fit(customers: _Customers, profile: ProfileFacts, cid: str) -> float | None:
    if not profile.display_name:
        return None
    return name_similarity(profile.display_name, customers.names[cid])


def _by_contact(customers: _Customers, p: ProfileFacts) -> list[Link]:
    by_email = customers.email.get(p.email, []) if p.email else []
    by_phone = customers.phone.get(p.phone, []) if p.phone else []
    if not by_email and not by_phone:
        return []
    both = [c for c in by_email if c in by_phone]
    if len(both) == 1:
        return [Link(both[0], p.id, 0.99, LinkMethod.EMAIL, LinkStatus.CONFIRMED)]
    matched = list(dict.fromkeys([*by_email, *by_phone]))
    if len(matched) == 1:
        cid = matched[0]
        if by_email:
            return [Link(cid, p.id, 0.97, LinkMethod.EMAIL, LinkStatus.CONFIRMED)]
        return [Link(cid, p.id, 0.95, LinkMethod.PHONE, LinkStatus.CONFIRMED)]
    links = []
    for cid in matched:
        fit = _name_fit(customers, p, cid)
        confidence = 0.5 if fit is None else 0.3 + 0.5 * fit
        method = LinkMethod.EMAIL if cid in by_email else LinkMethod.PHONE
        links.append(Link(cid, p.id, round(confidence, 3), method, LinkStatus.CANDIDATE))
    return links


def _by_handle(
    customers: _Customers, handles: dict[str, set[str]], p: ProfileFacts, key: str
) -> list[Link]:
    """``key``: the profile's :func:`handle_key`."""
    if len(key) < MIN_HANDLE:
        return []
    owners = sorted(handles.get(key, set()) | set(customers.local.get(key, ())))
    if not owners:
        return []
    if len(owners) == 1:
        fit = _name_fit(customers, p, owners[0])
        namesakes = customers.has_namesakes(owners[0])
        if (fit is None or fit >= 0.5) and not namesakes:
            return [Link(owners[0], p.id, 0.85, LinkMethod.HANDLE, LinkStatus.CONFIRMED)]
        return [Link(owners[0], p.id, 0.5, LinkMethod.HANDLE, LinkStatus.CANDIDATE)]
    return [Link(cid, p.id, 0.5, LinkMethod.HANDLE, LinkStatus.CANDIDATE) for cid in owners[:5]]


def _by_name(customers: _Customers, p: ProfileFacts) -> list[Link]:
    """Name evidence alone is weak (namesakes are common): candidates only, never confirmed,
    and none when more than MAX_NAME_CANDIDATES customers carry a name that close."""
    if not p.display_name:
        return []
    found = customers.similar(p.display_name, MAX_NAME_CANDIDATES)
    if not found:
        return []
    links = []
    for score, cid in found:
        name = customers.names[cid]
        spelled = handle_name_similarity(p.handle, name, HANDLE_SPELLS_NAME) >= HANDLE_SPELLS_NAME
        confidence = 0.7 * score + (0.1 if spelled else 0.0)
        links.append(Link(cid, p.id, round(confidence, 3), LinkMethod.NAME, LinkStatus.CANDIDATE))
    return links


def match_profiles(
    customers: Iterable[CustomerFacts],
    profiles: Iterable[ProfileFacts],
    existing: Iterable[ExistingLink] = (),
    *,
    unmatched: list[str] | None = None,
) -> Iterator[Link]:
    """Propose links for the profiles (pure: no store). See the module docstring for the rules.

    Profiles with an existing confirmed link yield nothing; no link is proposed for a pair that
    already has one. ``unmatched``, when given, collects the ids of profiles nobody fits.
    """
    table = _Customers(customers)
    profile_list = list(profiles)
    handle_of = {p.id: handle_key(p.handle) for p in profile_list}
    linked: set[tuple[str, str]] = set()
    with_links: set[str] = set()  # the profiles in ``linked``: the others need no filter
    settled: set[str] = set()
    handles: dict[str, set[str]] = {}
    for old in existing:
        linked.add((old.customer_id, old.profile_id))
        with_links.add(old.profile_id)
        if old.status is LinkStatus.CONFIRMED:
            settled.add(old.profile_id)
            handle = handle_of.get(old.profile_id)
            if handle and len(handle) >= MIN_HANDLE:
                handles.setdefault(handle, set()).add(old.customer_id)
    open_profiles = [p for p in profile_list if p.id not in settled]

    def fresh(links: list[Link]) -> list[Link]:
        if not links or links[0].profile_id not in with_links:
            return links
        return [x for x in links if (x.customer_id, x.profile_id) not in linked]

    rest: list[ProfileFacts] = []
    for p in open_profiles:
        links = _by_contact(table, p)
        if not links:
            rest.append(p)
            continue
        for link in links:
            if link.status is LinkStatus.CONFIRMED and len(handle_of[p.id]) >= MIN_HANDLE:
                handles.setdefault(handle_of[p.id], set()).add(link.customer_id)
        yield from fresh(links)
    for p in rest:
        links = _by_handle(table, handles, p, handle_of[p.id]) or _by_name(table, p)
        if not links and unmatched is not None:
            unmatched.append(p.id)
        yield from fresh(links)


@dataclass(slots=True)
class IdentityFacts:
    """What resolution reads from the store: every Customer, Profile and HAS_PROFILE link."""

    customers: list[CustomerFacts] = field(default_factory=list)
    profiles: list[ProfileFacts] = field(default_factory=list)
    existing: list[ExistingLink] = field(default_factory=list)


@dataclass(slots=True)
class Matches:
    """What :func:`match_facts` found: the links to write, and the profiles left alone."""

    links: list[Link]
    unmatched: int
    settled: int
    profiles: int


async def read_facts(store: GraphStore) -> IdentityFacts:
    """Read what resolution needs (a bulk session's own task sees its writes)."""
    facts = IdentityFacts()
    async for rows in store.stream_texts(NodeLabel.CUSTOMER, ("name", "email", "phone")):
        facts.customers.extend(CustomerFacts(str(r[0]), r[1] or "", r[2], r[3]) for r in rows)
    fields = ("platform", "handle", "displayName", "email", "phone")
    async for rows in store.stream_texts(NodeLabel.PROFILE, fields):
        facts.profiles.extend(
            ProfileFacts(str(r[0]), r[1] or "", r[2] or "", r[3], r[4], r[5]) for r in rows
        )
    async for edges in store.stream_edges(RelType.HAS_PROFILE):
        facts.existing.extend(
            ExistingLink(
                e.src.id,
                e.dst.id,
                LinkStatus(str(e.props.get("status", LinkStatus.CONFIRMED))),
            )
            for e in edges
        )
    return facts


def match_facts(
    facts: IdentityFacts,
    on_batch: Callable[[list[Link]], None] | None = None,
    batch_size: int = LINK_BATCH,
) -> Matches:
    """:func:`match_profiles` over what :func:`read_facts` read: pure computation, so it may
    run on another thread while the store is busy (say, committing a load).

    With ``on_batch``, the links go to it as they are found, ``batch_size`` at a time (the
    batches :func:`write_links` writes), and the result holds none: a caller may write them
    while the rest is matched."""
    unmatched: list[str] = []
    found = match_profiles(facts.customers, facts.profiles, facts.existing, unmatched=unmatched)
    links: list[Link] = []
    for link in found:
        links.append(link)
        if on_batch is not None and len(links) >= batch_size:
            on_batch(links)
            links = []
    if on_batch is not None and links:
        on_batch(links)
        links = []
    settled = {x.profile_id for x in facts.existing if x.status is LinkStatus.CONFIRMED}
    return Matches(links, len(unmatched), len(settled), len(facts.profiles))


class LinkWriter:
    """Writes links batch by batch (each batch its own write) and counts them into a
    :class:`ResolutionReport`. ``progress`` hears of each batch, then the summary; its task
    is the caller's to start."""

    def __init__(self, store: GraphStore, progress: Progress | None = None) -> None:
        self.store = store
        self.progress = progress if progress is not None else NoProgress()
        self.report = ResolutionReport()
        self.done = 0

    async def write(self, batch: Sequence[Link]) -> None:
        report = self.report
        for link in batch:
            if link.status is LinkStatus.CONFIRMED:
                report.confirmed[link.method] = report.confirmed.get(link.method, 0) + 1
            else:
                report.candidates += 1
        result = await self.store.upsert_encoded((), [link.encoded() for link in batch])
        report.written.add(result.edges.get(RelType.HAS_PROFILE, WriteCounts()))
        self.done += len(batch)
        self.progress.update(self.done)

    def finish(self, matches: Matches) -> ResolutionReport:
        """The report, once every link is written; ``matches``: what matching found (its
        links, if any, are not written here)."""
        report = self.report
        report.profiles, report.settled = matches.profiles, matches.settled
        report.unmatched = matches.unmatched
        self.progress.finish(report.summary())
        return report


async def write_links(
    store: GraphStore,
    matches: Matches,
    *,
    batch_size: int = LINK_BATCH,
    progress: Progress | None = None,
) -> ResolutionReport:
    """Write the links :func:`match_facts` found, in batches; returns the report.

    ``progress`` hears of each batch, then the summary; its task is the caller's to start."""
    writer = LinkWriter(store, progress)
    links = matches.links
    for start in range(0, len(links), batch_size):
        await writer.write(links[start : start + batch_size])
    return writer.finish(matches)


async def resolve_identities(
    store: GraphStore, *, batch_size: int = 5_000, progress: Progress | None = None
) -> ResolutionReport:
    """Link the store's profiles to its customers and write the links (HAS_PROFILE).

    Reads every Customer, Profile and HAS_PROFILE link (:func:`read_facts`), runs
    :func:`match_profiles` (:func:`match_facts`) and upserts the new links in batches
    (:func:`write_links`). Existing links are never changed.
    """
    sink = progress if progress is not None else NoProgress()
    sink.start("resolve identities")
    matches = match_facts(await read_facts(store))
    return await write_links(store, matches, batch_size=batch_size, progress=sink)
