"""AnalyticsService: refresh the analytics off the event loop, and answer analytics queries fast.

Where results live (so that every replica serves the same ones, DESIGN.md §6):

* scores on the nodes, written with :meth:`GraphStore.write_scores` (Profile, Customer);
* documents: ``analytics:meta`` (the pointer: run id, slot, data version, time, step timings)
  and ``analytics:<slot>:<name>`` for the run's communities, topic rankings, advocates, seeds,
  alerts and promoters.

A refresh writes its documents into the slot the pointer does *not* name (two slots, A and B,
alternate: the port has no delete, so alternating bounds the space), then the scores of each
label in one transaction each, then switches the pointer. Readers follow the pointer, so the
previous documents are served until the new ones are complete. The trade-off: scores switch
per label, a moment before the pointer; for that moment a node may show new scores while
``analyticsStatus`` still names the previous run. Each write is one transaction, so nobody sees
a half-written label.

Query-time methods read the pointer (one small document), documents cached per run id, scores
through the store's indexes, and, for paths and topic seeds, an in-memory social graph kept per
computed data version.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

import networkx as nx

from algorithms.indexed_paths import (
    CostAdjacency,
    SourceReach,
    cost_adjacency,
    k_strongest_paths,
    source_reach,
)
from algorithms.seeds import campaign_seeds, spread_graph
from graph_api.analytics.compute import (
    OVERALL,
    OVERALL_CLEAN,
    Params,
    Results,
    compute,
    topic_focus,
)
from graph_api.analytics.graphs import build_engagement, build_social
from graph_api.analytics.projection import Projection, build_projection
from graph_api.analytics.views import (
    AdvocacyPath,
    Alert,
    AnalyticsStatus,
    CommunityPage,
    PathHop,
    RankedNode,
    RefreshReport,
    SeedPlan,
)
from graph_api.errors import InvalidInput, LimitExceeded, NotFound, Problem
from graph_api.model import NodeLabel, format_timestamp, parse_timestamp
from graph_api.store.base import (
    Condition,
    GraphStore,
    Node,
    NodeQuery,
    NodeRef,
    Op,
    Page,
    PageRequest,
)

__all__ = [
    "META_KEY",
    "AnalyticsService",
    "refresh_if_stale",
    "run_refresh",
    "service_for",
]

log = logging.getLogger(__name__)

META_KEY: Final = "analytics:meta"
_SLOTS: Final = ("a", "b")
_DOCS: Final = ("communities", "topics", "advocates", "seeds", "alerts", "promoters", "members")
MAX_K: Final = 50
MAX_HOPS: Final = 6
PATH_CACHE_SIZE: Final = 10_000
MAX_FIRST: Final = 100
SEED_METHOD: Final = "reverse-reachable sampling (RIS), weighted cascade"

ProgressFn = Callable[[str], None]


@dataclass(slots=True)
class _SocialIndex:
    """What paths and topic seeds need, kept in memory for one computed data version."""

    run_id: str
    data_version: int
    social: nx.Graph
    spread: nx.DiGraph
    profiles_of: dict[str, list[str]]
    owner: dict[str, str]
    declared_members: dict[str, list[str]]
    detected_members: dict[str, list[str]]
    promoters: list[str]
    focus: dict[str, dict[str, float]]
    seed_cache: dict[tuple[int, str | None], tuple[list[str], float]] = field(default_factory=dict)
    path_cache: dict[tuple[Any, int, int], list[AdvocacyPath]] = field(default_factory=dict)
    paths: _PathIndex | None = None  # built on the first path query
    paths_lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True, slots=True)
class _PathIndex:
    """What advocacy paths search: the graph as cost lists, and the promoters' reach."""

    costs: CostAdjacency
    reach: SourceReach


def _path_index(index: _SocialIndex) -> _PathIndex:
    """The path index of `index`, built once (a few seconds on a 1M-relationship graph).

    Runs in a worker thread; concurrent first queries wait for one build instead of each
    doing it.
    """
    with index.paths_lock:
        built = index.paths
        if built is None:
            promoter_profiles = (
                p
                for c in index.promoters
                for p in index.profiles_of.get(c, ())
                if p in index.social
            )
            costs = cost_adjacency(index.social)
            reach = source_reach(
                index.social, promoter_profiles, max_hops=MAX_HOPS, adjacency=costs
            )
            built = index.paths = _PathIndex(costs, reach)
        return built


def _declared_members(proj: Projection) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for g, ps in proj.profile_members.items():
        out.setdefault(g, set()).update(ps)
    for g, cs in proj.customer_members.items():
        for c in cs:
            out.setdefault(g, set()).update(proj.profiles_of.get(c, ()))
    return {g: sorted(ps) for g, ps in out.items()}


def _offset_cursor(i: int) -> str:
    return base64.b64encode(f"analytics:{i}".encode()).decode("ascii")


def _decode_offset(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode()
        prefix, _, n = text.partition(":")
        if prefix != "analytics":
            raise ValueError(text)
        return int(n)
    except ValueError as exc:
        raise InvalidInput(
            f"{cursor!r} is not a cursor of this list",
            [Problem("", "after", "pass a cursor from this list's pageInfo")],
        ) from exc


def _check_first(first: int, limit: int = MAX_FIRST) -> None:
    if first < 0:
        raise InvalidInput("first must not be negative", [Problem("", "first", "negative")])
    if first > limit:
        raise LimitExceeded(f"first: {first} is over the limit of {limit}")


class AnalyticsService:
    """Analytics over one store: refresh (off the loop) and fast query-time answers.

    Parameters
    ----------
    store : GraphStore
        The store to read the graph from and write the results to.
    params : Params, optional
        Tuning of the computation (seeds, Louvain resolution, decay, simulations).
    """

    def __init__(self, store: GraphStore, params: Params | None = None) -> None:
        self.store = store
        self.params = params or Params()
        self._refresh_lock = asyncio.Lock()
        self._refreshing = False
        self._last_error: str | None = None
        self._docs: dict[tuple[str, str], Any] = {}
        self._index: _SocialIndex | None = None
        self._index_task: asyncio.Task[_SocialIndex] | None = None
        self._paths_task: asyncio.Task[_PathIndex] | None = None
        self._background: asyncio.Task[None] | None = None
        self._manual: asyncio.Task[RefreshReport] | None = None

    # -- refresh ---------------------------------------------------------------------------

    async def refresh(self, progress: ProgressFn | None = None) -> RefreshReport:
        """Recompute every analytics result from the store and switch to it.

        Streaming the store happens on the loop (async reads); the algorithms run in a worker
        thread, so requests keep being served during a refresh. Concurrent calls queue up: one
        refresh at a time.
        """
        async with self._refresh_lock:
            self._refreshing = True
            try:
                report = await self._refresh(progress)
            except Exception as exc:
                self._last_error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                self._refreshing = False
            self._last_error = None
            return report

    async def _refresh(self, progress: ProgressFn | None) -> RefreshReport:
        started = time.perf_counter()
        say = progress or (lambda _m: None)
        t0 = time.perf_counter()
        proj = await build_projection(self.store, say)
        projection_s = round(time.perf_counter() - t0, 3)
        results: Results = await asyncio.to_thread(compute, proj, self.params, say)
        steps = {"projection": projection_s, **results.steps}

        say("write …")
        t0 = time.perf_counter()
        meta = await self.store.get_document(META_KEY)
        slot = _SLOTS[1] if meta and meta.get("slot") == _SLOTS[0] else _SLOTS[0]
        run_id = uuid.uuid4().hex[:12]
        docs = dict(results.documents)
        docs["promoters"] = results.promoters
        docs["members"] = {}  # reserved; members are read through scores.community
        for name in _DOCS:
            await self.store.put_document(
                f"analytics:{slot}:{name}", {"runId": run_id, "value": docs.get(name)}
            )
        await self.store.write_scores(NodeLabel.PROFILE, results.profile_scores, replace=True)
        await self.store.write_scores(NodeLabel.CUSTOMER, results.customer_scores, replace=True)
        steps["write"] = round(time.perf_counter() - t0, 3)
        computed_at = datetime.now(UTC)
        seconds = round(time.perf_counter() - started, 3)
        await self.store.put_document(
            META_KEY,
            {
                "runId": run_id,
                "slot": slot,
                "dataVersion": proj.data_version,
                "computedAt": format_timestamp(computed_at),
                "seconds": seconds,
                "steps": steps,
                "counts": results.counts,
                "params": {
                    "seed": self.params.seed,
                    "resolution": self.params.resolution,
                    "halfLifeDays": self.params.half_life_days,
                },
            },
        )
        # The graphs just computed serve paths and topic seeds without a second projection.
        assert results.social is not None and results.spread is not None
        self._serve(
            _SocialIndex(
                run_id=run_id,
                data_version=proj.data_version,
                social=results.social,
                spread=results.spread,
                profiles_of=proj.profiles_of,
                owner=proj.owner,
                declared_members=_declared_members(proj),
                detected_members=_detected_from_scores(results.profile_scores),
                promoters=results.promoters,
                focus=topic_focus(proj, _detected_from_scores(results.profile_scores)),
            )
        )
        log.info("analytics refreshed: run %s, data version %s", run_id, proj.data_version)
        return RefreshReport(
            run_id=run_id,
            data_version=proj.data_version,
            computed_at=computed_at,
            seconds=seconds,
            steps=steps,
            counts=results.counts,
        )

    async def ensure_fresh(self, progress: ProgressFn | None = None) -> RefreshReport | None:
        """Refresh if the store's data version moved since the served results; else None."""
        status = await self.status()
        if not status.stale:
            return None
        return await self.refresh(progress)

    def trigger_refresh(self) -> bool:
        """Start a refresh in the background unless one is running; True when one started."""
        if self._refreshing or (self._manual is not None and not self._manual.done()):
            return False
        self._manual = asyncio.create_task(self.refresh(), name="analytics-refresh")
        self._manual.add_done_callback(_log_failure)
        return True

    def start_background(self, interval_s: float = 30.0) -> asyncio.Task[None]:
        """Refresh whenever the data version moves, checking every `interval_s` seconds.

        Meant for the app lifespan (``settings.auto_refresh``): a refresh after a load then
        happens without anyone having to remember it. Also warms the in-memory social graph
        of a replica that did not compute the results itself. Stop with :meth:`stop`.
        """
        if self._background is not None and not self._background.done():
            return self._background

        async def loop() -> None:
            while True:
                try:
                    await self.ensure_fresh()
                    await self._social_index()
                except asyncio.CancelledError:
                    raise
                except Exception:  # keep serving the previous results; retry next tick
                    log.exception("background analytics refresh failed")
                await asyncio.sleep(interval_s)

        self._background = asyncio.create_task(loop(), name="analytics-background")
        return self._background

    async def stop(self) -> None:
        """Cancel the background refresher (and a triggered refresh) and wait for them."""
        for task in (self._background, self._manual, self._index_task, self._paths_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._background = None

    # -- freshness -------------------------------------------------------------------------

    async def _meta(self) -> dict[str, Any] | None:
        return await self.store.get_document(META_KEY)

    async def status(self) -> AnalyticsStatus:
        """Which run is served, when it was computed, from which data version; stale or not."""
        meta = await self._meta()
        version = await self.store.data_version()
        if meta is None:
            return AnalyticsStatus(
                run_id=None,
                computed_at=None,
                data_version=None,
                store_version=version,
                stale=True,
                refreshing=self._refreshing,
                last_error=self._last_error,
            )
        return AnalyticsStatus(
            run_id=str(meta["runId"]),
            computed_at=parse_timestamp(str(meta["computedAt"])),
            data_version=int(meta["dataVersion"]),
            store_version=version,
            stale=int(meta["dataVersion"]) != version,
            refreshing=self._refreshing,
            seconds=float(meta.get("seconds", 0.0)),
            steps=dict(meta.get("steps") or {}),
            counts=dict(meta.get("counts") or {}),
            last_error=self._last_error,
        )

    async def _doc(self, name: str) -> Any:
        """A document of the served run (None before the first refresh), cached per run."""
        meta = await self._meta()
        if meta is None:
            return None
        run_id = str(meta["runId"])
        key = (run_id, name)
        if key in self._docs:
            return self._docs[key]
        doc = await self.store.get_document(f"analytics:{meta['slot']}:{name}")
        if doc is None or doc.get("runId") != run_id:
            return None  # a refresh elsewhere is rewriting this slot right now
        if len(self._docs) > 4 * len(_DOCS):  # older runs: forget
            self._docs.clear()
        self._docs[key] = doc.get("value")
        return self._docs[key]

    # -- rankings --------------------------------------------------------------------------

    async def _ranked(
        self, label: NodeLabel, pairs: Sequence[Sequence[Any]], first: int
    ) -> list[RankedNode]:
        ids = [str(p[0]) for p in pairs]
        nodes = await self.store.get_nodes(label, ids)
        out: list[RankedNode] = []
        for node_id, score in ((str(p[0]), float(p[1])) for p in pairs):
            node = nodes.get(node_id)
            if node is not None:
                out.append(RankedNode(node, score, len(out) + 1))
            if len(out) >= first:
                break
        return out

    async def influencers(
        self,
        *,
        topic: str | None = None,
        product: str | None = None,
        community: str | None = None,
        first: int = 20,
        exclude_inflated: bool = False,
    ) -> list[RankedNode]:
        """The most influential profiles, overall or around a topic, product or community.

        Overall: by the stored influence score (0-100). With a focus: by personalised
        PageRank restricted to the people around it (precomputed at refresh, top 100), so the
        score is a share of attention within that audience, not a percentile.
        `community` is a declared Community id or a detected community id (``dc-…``).
        """
        _check_first(first)
        given = [x for x in (topic, product, community) if x]
        if len(given) > 1:
            reason = "give at most one of topic, product, community"
            raise InvalidInput(reason, [Problem("", "topic", reason)])
        if not given:
            # Overall: the stored influence percentile, top 100 cached per run.
            rankings = await self._doc("topics") or {}
            key = OVERALL_CLEAN if exclude_inflated else OVERALL
            return await self._ranked(NodeLabel.PROFILE, rankings.get(key, []), first)
        key = _focus_key(topic, product, community)
        rankings = await self._doc("topics") or {}
        pairs = list(rankings.get(key, []))
        if exclude_inflated and pairs:
            nodes = await self.store.get_nodes(NodeLabel.PROFILE, [str(p[0]) for p in pairs])
            pairs = [p for p in pairs if not nodes.get(str(p[0]), _NO_NODE).scores.get("inflated")]
        return await self._ranked(NodeLabel.PROFILE, pairs, first)

    async def advocates(
        self, *, product: str | None = None, community: str | None = None, first: int = 20
    ) -> list[RankedNode]:
        """Promoters with the highest advocacy, overall or around a product/community.

        Around a product: its buyers and the people who spoke about it; around a community: its
        declared members (and their profiles' members) or a detected community's customers.
        """
        _check_first(first)
        if product and community:
            reason = "give product or community, not both"
            raise InvalidInput(reason, [Problem("", "product", reason)])
        if not product and not community:
            rankings = await self._doc("advocates") or {}
            return await self._ranked(NodeLabel.CUSTOMER, rankings.get("", []), first)
        key = _focus_key(None, product, community)
        rankings = await self._doc("advocates") or {}
        return await self._ranked(NodeLabel.CUSTOMER, rankings.get(key, []), first)

    # -- communities -----------------------------------------------------------------------

    async def communities(self, first: int = 20, after: str | None = None) -> CommunityPage:
        """Detected communities (two or more members), largest first, offset-paginated."""
        _check_first(first)
        items: list[dict[str, Any]] = await self._doc("communities") or []
        start = _decode_offset(after) + 1 if after else 0
        window = items[start : start + first]
        return CommunityPage(
            items=window,
            cursors=[_offset_cursor(start + i) for i in range(len(window))],
            has_next_page=start + first < len(items),
            has_previous_page=start > 0,
            total_count=len(items),
        )

    async def community(self, community_id: str) -> dict[str, Any] | None:
        """The profile of one detected community, or None (also for singletons)."""
        items: list[dict[str, Any]] = await self._doc("communities") or []
        for item in items:
            if item["id"] == community_id:
                return item
        return None

    async def community_members(
        self,
        community_id: str,
        label: NodeLabel = NodeLabel.PROFILE,
        page: PageRequest = PageRequest(),
    ) -> Page[Node]:
        """Members of a detected community, most influential first (keyset pages)."""
        return await self.store.list_nodes(
            label,
            NodeQuery(
                conditions=(Condition("scores.community", Op.EQ, community_id),),
                order_by="scores.influence",
                descending=True,
            ),
            page,
        )

    # -- alerts ----------------------------------------------------------------------------

    async def alerts(self, since: datetime | None = None, first: int = 20) -> list[Alert]:
        """Alerts of the served run, newest first, optionally only those at or after `since`."""
        _check_first(first)
        items: list[dict[str, Any]] = await self._doc("alerts") or []
        cut = format_timestamp(since) if since is not None else None
        out: list[Alert] = []
        for item in items:  # stored newest first
            if cut is not None and str(item["at"]) < cut:
                break
            out.append(Alert.from_json(item))
            if len(out) >= first:
                break
        return out

    # -- seeds -----------------------------------------------------------------------------

    async def campaign_seeds(self, k: int = 20, topic: str | None = None) -> SeedPlan:
        """`k` profiles whose joint expected spread (independent cascade) is largest.

        Seeds and spread come from reverse-reachable sampling on the weighted-cascade spread
        graph (:func:`algorithms.seeds.campaign_seeds`). Without a topic they were computed at
        refresh (k up to 50; the spread of k in SEED_KS precomputed, other k estimated on
        demand and cached). With a topic (a text, ``product:<id>`` or ``community:<id>``) the
        seeds are picked within that audience's spread subgraph on demand, and cached.
        """
        if not 1 <= k <= MAX_K:
            raise InvalidInput(
                f"k must be in [1, {MAX_K}]", [Problem("", "k", f"must be in [1, {MAX_K}]")]
            )
        if topic is None:
            doc = await self._doc("seeds") or {"seeds": [], "spread": {}}
            chosen = [str(s) for s in doc.get("seeds", [])][:k]
            spread = doc.get("spread", {}).get(str(len(chosen)))
            if spread is None and chosen:
                index = await self._social_index()
                cached = index.seed_cache.get((len(chosen), None))
                if cached is None:
                    run = await asyncio.to_thread(
                        campaign_seeds,
                        index.spread,
                        len(chosen),
                        samples=self.params.seed_samples,
                        seed=self.params.seed,
                    )
                    cached = ([str(s) for s in run.seeds], float(run.spread))
                    index.seed_cache[(len(chosen), None)] = cached
                spread = cached[1]
            ranked = await self._ranked(NodeLabel.PROFILE, [[s, 0.0] for s in chosen], k)
            return SeedPlan(ranked, float(spread or 0.0), SEED_METHOD, None)
        index = await self._social_index()
        key = topic if ":" in topic else f"topic:{topic.lower()}"
        cached = index.seed_cache.get((k, key))
        if cached is None:
            focus = index.focus.get(key)
            if not focus:
                raise NotFound(f"nobody is around the topic {topic!r} in the analysed data")
            cached = await asyncio.to_thread(self._topic_seeds, index, focus, k)
            index.seed_cache[(k, key)] = cached
        chosen, spread = cached
        ranked = await self._ranked(NodeLabel.PROFILE, [[s, 0.0] for s in chosen], k)
        return SeedPlan(ranked, spread, SEED_METHOD, topic)

    def _topic_seeds(
        self, index: _SocialIndex, focus: Mapping[str, float], k: int
    ) -> tuple[list[str], float]:
        nodes = {p for p in focus if p in index.spread}
        for u in list(nodes):
            nodes.update(index.spread.successors(u))
        sub = index.spread.subgraph(nodes).copy()
        if sub.number_of_edges() == 0:
            ranked = sorted(focus, key=lambda p: (-focus[p], p))[:k]
            return ranked, float(len(ranked))
        run = campaign_seeds(
            sub, min(k, len(sub)), samples=self.params.seed_samples, seed=self.params.seed
        )
        return [str(s) for s in run.seeds], float(run.spread)

    # -- paths -----------------------------------------------------------------------------

    async def _social_index(self) -> _SocialIndex:
        """The in-memory social graph of the served run; built once per run per process.

        While a newer run's graph is being built, the older one keeps serving (fast, if a
        little behind); only a process that has none yet waits for the first build.
        """
        meta = await self._meta()
        current = self._index
        if meta is None:
            raise NotFound("no analytics yet: run a refresh first (graph-api refresh)")
        if current is not None and current.run_id == meta["runId"]:
            return current
        if self._index_task is None or self._index_task.done():
            self._index_task = asyncio.create_task(self._build_index(meta))
        if current is not None:
            return current
        return await asyncio.shield(self._index_task)

    async def _build_index(self, meta: Mapping[str, Any]) -> _SocialIndex:
        proj = await build_projection(self.store)
        promoters = [str(c) for c in (await self._doc("promoters") or [])]
        scores_members: dict[str, list[str]] = {}
        async for nodes in self.store.stream_nodes(NodeLabel.PROFILE):
            for n in nodes:
                cid = n.scores.get("community")
                if cid is not None:
                    scores_members.setdefault(str(cid), []).append(n.id)

        def build() -> _SocialIndex:
            engagement = build_engagement(proj, half_life_days=self.params.half_life_days)
            return _SocialIndex(
                run_id=str(meta["runId"]),
                data_version=int(meta["dataVersion"]),
                social=build_social(proj, engagement),
                spread=spread_graph(engagement),
                profiles_of=proj.profiles_of,
                owner=proj.owner,
                declared_members=_declared_members(proj),
                detected_members=scores_members,
                promoters=promoters,
                focus=topic_focus(proj, scores_members),
            )

        index = await asyncio.to_thread(build)
        self._serve(index)
        return index

    def _serve(self, index: _SocialIndex) -> None:
        """Serve ``index`` from now on. A serving process (one with the background refresher)
        also builds its path index at once (seconds on a 1M-relationship graph), so the first
        advocacyPaths query does not pay for it; a query arriving meanwhile waits for this
        same build (the index's lock)."""
        self._index = index
        if self._background is not None and not self._background.done():
            self._paths_task = asyncio.create_task(asyncio.to_thread(_path_index, index))

    def _targets(self, index: _SocialIndex, target: NodeRef | str) -> set[str]:
        if isinstance(target, str):
            members = index.detected_members.get(target)
            if members is None:
                raise NotFound(f"no detected community {target!r}")
            return set(members)
        if target.label is NodeLabel.PROFILE:
            found = {target.id} if target.id in index.social else set()
        elif target.label is NodeLabel.CUSTOMER:
            found = {p for p in index.profiles_of.get(target.id, []) if p in index.social}
        elif target.label is NodeLabel.COMMUNITY:
            found = {p for p in index.declared_members.get(target.id, []) if p in index.social}
        else:
            reason = "a target is a Customer, Profile or Community"
            raise InvalidInput(reason, [Problem("", "target", reason)])
        return found

    async def advocacy_paths(
        self, target: NodeRef | str, *, k: int = 5, max_hops: int = 4
    ) -> list[AdvocacyPath]:
        """The `k` strongest simple paths from promoters to a target, over social ties.

        Sources are the confirmed profiles of promoters (advocacy class ``promoter``). A target
        is a Profile, a Customer (any of their confirmed profiles), a declared Community (its
        member profiles) or a detected community id. Strength is the product of tie strengths
        (see :func:`graph_api.analytics.graphs.build_social`). Empty when the target has no
        profile in the social graph or no promoter reaches it within `max_hops`.
        """
        if not 1 <= k <= MAX_K:
            raise InvalidInput(f"k must be in [1, {MAX_K}]", [Problem("", "k", "out of range")])
        if not 1 <= max_hops <= MAX_HOPS:
            raise InvalidInput(
                f"maxHops must be in [1, {MAX_HOPS}]", [Problem("", "maxHops", "out of range")]
            )
        index = await self._social_index()
        key = (target, k, max_hops)
        cached = index.path_cache.get(key)
        if cached is not None:  # a 360° card asks again and again: answer from memory
            return cached
        targets = self._targets(index, target)
        if not targets:
            return []
        # The promoters' least cost to every node, per hop limit, is computed once per run;
        # each query then searches backwards from the target with exact bounds (a few ms on
        # the dense 1M graph, where bounding from the target per query took 30-40 ms, and
        # the lazy bounds of algorithms.paths.strongest_paths 300+ ms at 5-6 hops). The
        # paths are those of strongest_paths (tests/algorithms/test_alg_indexed_paths.py).
        paths_index = index.paths
        if paths_index is None:
            paths_index = await asyncio.to_thread(_path_index, index)
        paths = await asyncio.to_thread(
            partial(k_strongest_paths, adjacency=paths_index.costs, reach=paths_index.reach),
            index.social,
            paths_index.reach.sources,  # k_strongest_paths leaves out those among the targets
            targets,
            k=k,
            max_hops=max_hops,
        )
        out: list[AdvocacyPath] = []
        for path in paths:
            hops = []
            for e in path.edges:
                data = index.social[e.source][e.target]
                follower = data.get("follower")
                direction = (
                    "none"
                    if follower is None
                    else "both"
                    if follower == "*"
                    else ("out" if follower == e.source else "in")
                )
                hops.append(
                    PathHop(str(e.source), str(e.target), str(e.rel), direction, e.strength)
                )
            start = str(path.nodes[0])
            out.append(
                AdvocacyPath(
                    advocate=index.owner.get(start, ""),
                    profiles=tuple(str(n) for n in path.nodes),
                    hops=tuple(hops),
                    strength=path.strength,
                )
            )
        if len(index.path_cache) >= PATH_CACHE_SIZE:
            index.path_cache.clear()
        index.path_cache[key] = out
        return out


class _NoNode:
    scores: Mapping[str, Any] = {}


_NO_NODE: Final = _NoNode()


def _focus_key(topic: str | None, product: str | None, community: str | None) -> str:
    if product:
        return f"product:{product}"
    if community:
        return f"detected:{community}" if community.startswith("dc-") else f"community:{community}"
    return f"topic:{(topic or '').lower()}"


def _detected_from_scores(scores: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p, s in scores.items():
        cid = s.get("community")
        if cid is not None:
            out.setdefault(str(cid), []).append(p)
    return out


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("analytics refresh failed: %s", task.exception())


_SERVICES: weakref.WeakKeyDictionary[GraphStore, AnalyticsService] = weakref.WeakKeyDictionary()


def service_for(store: GraphStore) -> AnalyticsService:
    """The process's one AnalyticsService for `store`, created on first use.

    The service holds per-process caches (documents per run, the social graph for paths), so
    every request of a process must share one; keying it by the store object (weakly) gives
    that without a global built at import, and it goes away with the store.
    """
    service = _SERVICES.get(store)
    if service is None:
        service = _SERVICES[store] = AnalyticsService(store)
    return service


async def run_refresh(store: GraphStore, progress: ProgressFn | None = None) -> RefreshReport:
    """One full refresh (for ``graph-api refresh``)."""
    return await service_for(store).refresh(progress)


async def refresh_if_stale(
    store: GraphStore, progress: ProgressFn | None = None
) -> RefreshReport | None:
    """Refresh when the data changed since the served results (for ``graph-api load``)."""
    return await service_for(store).ensure_fresh(progress)
