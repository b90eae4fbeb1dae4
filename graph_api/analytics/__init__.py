"""Analytics: project the store into networkx, run :mod:`algorithms`, keep results versioned.

Public API::

    service = AnalyticsService(store)          # dependencies passed in, nothing at import
    report = await service.refresh()           # full refresh, algorithms off the event loop
    await service.ensure_fresh()               # refresh only if the data version moved
    service.start_background(interval_s=30)    # app lifespan: refresh after loads, by itself
    await service.status()                     # computedAt, dataVersion, stale
    await service.influencers(...), advocates(...), advocacy_paths(...), campaign_seeds(...),
    communities(...), community(...), community_members(...), alerts(...)

    await run_refresh(store, progress)         # `graph-api refresh`
    await refresh_if_stale(store, progress)    # `graph-api load`, after a load that changed data

See ``docs/analytics.md`` for what each number means.
"""

from __future__ import annotations

from graph_api.analytics.compute import Params
from graph_api.analytics.service import (
    META_KEY,
    AnalyticsService,
    refresh_if_stale,
    run_refresh,
    service_for,
)
from graph_api.analytics.views import (
    AdvocacyPath,
    AdvocacyView,
    Alert,
    AnalyticsStatus,
    CommunityPage,
    InfluenceView,
    PathHop,
    RankedNode,
    RefreshReport,
    SeedPlan,
    advocacy_view,
    influence_view,
)

__all__ = [
    "META_KEY",
    "AdvocacyPath",
    "AdvocacyView",
    "Alert",
    "AnalyticsService",
    "AnalyticsStatus",
    "CommunityPage",
    "InfluenceView",
    "Params",
    "PathHop",
    "RankedNode",
    "RefreshReport",
    "SeedPlan",
    "advocacy_view",
    "influence_view",
    "refresh_if_stale",
    "run_refresh",
    "service_for",
]
