"""The in-memory projection of the store that the analytics run on, built by streaming.

A projection is plain Python data (dicts and lists keyed by external ids), read once from the
store with :meth:`GraphStore.stream_nodes` / :meth:`GraphStore.stream_edges` and never written
back. It holds only what the algorithms need: no names, e-mails or texts (no PII).

Only *confirmed* HAS_PROFILE links tie a profile to a customer: a candidate link is a guess of
identity resolution and must not move scores between people.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from graph_api.model import LinkStatus, NodeLabel, RelType
from graph_api.store.base import GraphStore

__all__ = ["InteractionInfo", "Projection", "build_projection"]

ProgressFn = Callable[[str], None]


@dataclass(slots=True)
class InteractionInfo:
    """What the analytics need of one interaction (no text)."""

    kind: str
    sentiment: float
    at: float  # POSIX seconds; ordering and ages only
    profile: str | None = None  # performed by this Profile ...
    customer: str | None = None  # ... or directly by this Customer
    parent: str | None = None  # RESPONDS_TO
    mentions: list[str] = field(default_factory=list)
    about: list[str] = field(default_factory=list)
    community: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Projection:
    """The graph as the analytics see it; every key is an external id."""

    data_version: int
    followers: dict[str, int] = field(default_factory=dict)  # every Profile
    customers: list[str] = field(default_factory=list)
    products: dict[str, str] = field(default_factory=dict)  # id -> category ("" if none)
    communities: dict[str, str] = field(default_factory=dict)  # declared: id -> topic
    owner: dict[str, str] = field(default_factory=dict)  # profile -> customer (confirmed)
    profiles_of: dict[str, list[str]] = field(default_factory=dict)  # customer -> profiles
    interactions: dict[str, InteractionInfo] = field(default_factory=dict)
    follows: list[tuple[str, str]] = field(default_factory=list)  # (follower, followed)
    profile_members: dict[str, list[str]] = field(default_factory=dict)  # community -> profiles
    customer_members: dict[str, list[str]] = field(default_factory=dict)  # community -> customers
    purchases: dict[str, dict[str, int]] = field(default_factory=dict)  # customer -> product -> n
    referrals: list[tuple[str, str, bool]] = field(default_factory=list)  # (from, to, converted)

    @property
    def relationships(self) -> int:
        """Relationships read (an approximate size for reports)."""
        linked = sum(
            (i.profile is not None or i.customer is not None)
            + (i.parent is not None)
            + len(i.mentions)
            + len(i.about)
            + len(i.community)
            for i in self.interactions.values()
        )
        members = sum(map(len, self.profile_members.values())) + sum(
            map(len, self.customer_members.values())
        )
        bought = sum(map(len, self.purchases.values()))
        return len(self.follows) + linked + members + bought + len(self.referrals) + len(self.owner)

    def actor_profiles(self, customer: str) -> list[str]:
        return self.profiles_of.get(customer, [])


def _epoch(text: object) -> float:
    if not isinstance(text, str):
        return 0.0
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


async def build_projection(store: GraphStore, progress: ProgressFn | None = None) -> Projection:
    """Stream the store into a :class:`Projection`.

    The data version is read *before* streaming: if a load lands while we read, the results are
    labelled with the older version and will be seen as stale, never as fresher than they are.
    """
    say = progress or (lambda _msg: None)
    proj = Projection(data_version=await store.data_version())

    async for nodes in store.stream_nodes(NodeLabel.PROFILE):
        for n in nodes:
            proj.followers[n.id] = int(n.props.get("followers") or 0)
    async for nodes in store.stream_nodes(NodeLabel.CUSTOMER):
        proj.customers.extend(n.id for n in nodes)
    async for nodes in store.stream_nodes(NodeLabel.PRODUCT):
        for n in nodes:
            proj.products[n.id] = str(n.props.get("category") or "")
    async for nodes in store.stream_nodes(NodeLabel.COMMUNITY):
        for n in nodes:
            proj.communities[n.id] = str(n.props.get("topic") or "")
    say(f"read {len(proj.followers)} profiles, {len(proj.customers)} customers")

    inter = proj.interactions
    async for nodes in store.stream_nodes(NodeLabel.INTERACTION):
        for n in nodes:
            p = n.props
            inter[n.id] = InteractionInfo(
                kind=str(p.get("kind", "")),
                sentiment=float(p.get("sentiment") or 0.0),
                at=_epoch(p.get("occurredAt")),
            )
    say(f"read {len(inter)} interactions")

    profiles_of: dict[str, list[str]] = defaultdict(list)
    async for edges in store.stream_edges(RelType.HAS_PROFILE):
        for e in edges:
            if e.props.get("status", LinkStatus.CONFIRMED.value) == LinkStatus.CONFIRMED.value:
                proj.owner[e.dst.id] = e.src.id
                profiles_of[e.src.id].append(e.dst.id)
    proj.profiles_of = dict(profiles_of)

    async for edges in store.stream_edges(RelType.PERFORMED):
        for e in edges:
            info = inter.get(e.dst.id)
            if info is None:
                continue
            if e.src.label is NodeLabel.PROFILE:
                info.profile = e.src.id
            else:
                info.customer = e.src.id
    async for edges in store.stream_edges(RelType.RESPONDS_TO):
        for e in edges:
            if e.src.id in inter:
                inter[e.src.id].parent = e.dst.id
    async for edges in store.stream_edges(RelType.MENTIONS):
        for e in edges:
            if e.src.id in inter:
                inter[e.src.id].mentions.append(e.dst.id)
    async for edges in store.stream_edges(RelType.ABOUT):
        for e in edges:
            if e.src.id in inter:
                inter[e.src.id].about.append(e.dst.id)
    async for edges in store.stream_edges(RelType.IN):
        for e in edges:
            if e.src.id in inter:
                inter[e.src.id].community.append(e.dst.id)
    say("read interaction links")

    async for edges in store.stream_edges(RelType.FOLLOWS):
        proj.follows.extend((e.src.id, e.dst.id) for e in edges)
    say(f"read {len(proj.follows)} follows")

    pm: dict[str, list[str]] = defaultdict(list)
    cm: dict[str, list[str]] = defaultdict(list)
    async for edges in store.stream_edges(RelType.MEMBER_OF):
        for e in edges:
            (pm if e.src.label is NodeLabel.PROFILE else cm)[e.dst.id].append(e.src.id)
    proj.profile_members, proj.customer_members = dict(pm), dict(cm)

    bought: dict[str, dict[str, int]] = defaultdict(dict)
    async for edges in store.stream_edges(RelType.PURCHASED):
        for e in edges:
            bought[e.src.id][e.dst.id] = int(e.props.get("count") or 1)
    proj.purchases = dict(bought)
    async for edges in store.stream_edges(RelType.REFERRED):
        proj.referrals.extend(
            (e.src.id, e.dst.id, bool(e.props.get("converted", False))) for e in edges
        )
    say("read memberships, purchases and referrals")
    return proj
