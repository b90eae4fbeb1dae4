"""Graph algorithms of the social CRM: influence, advocacy, paths, seeds, communities, alerts.

Pure functions of networkx graphs and plain mappings; they import only networkx, numpy, scipy
and the standard library, and build graphs through networkx's public API, so networkx backend
dispatch keeps working.
"""

from __future__ import annotations

from algorithms.advocacy import (
    AdvocacyEvidence,
    AdvocacyScore,
    AdvocacyWeights,
    advocacy_scores,
)
from algorithms.cascades import (
    CascadeAlert,
    NegativeAlert,
    negative_by_influential,
    negative_cascades,
)
from algorithms.communities import (
    Bridge,
    CommunityProfile,
    bridge_nodes,
    community_profiles,
    detect_communities,
    normalized_mutual_information,
    partition_labels,
)
from algorithms.indexed_paths import (
    CostAdjacency,
    SourceReach,
    cost_adjacency,
    k_strongest_paths,
    source_reach,
)
from algorithms.influence import (
    DEFAULT_KIND_WEIGHTS,
    CascadeStats,
    InfluenceScore,
    InfluenceWeights,
    cascade_influence,
    decay_weight,
    engagement_graph,
    engagement_influence,
    influence_scores,
    topic_influence,
)
from algorithms.paths import Path, PathEdge, strongest_paths
from algorithms.seeds import SeedResult, campaign_seeds, expected_spread, spread_graph

__all__ = [
    "DEFAULT_KIND_WEIGHTS",
    "AdvocacyEvidence",
    "AdvocacyScore",
    "AdvocacyWeights",
    "Bridge",
    "CascadeAlert",
    "CascadeStats",
    "CommunityProfile",
    "CostAdjacency",
    "InfluenceScore",
    "InfluenceWeights",
    "NegativeAlert",
    "Path",
    "PathEdge",
    "SeedResult",
    "SourceReach",
    "advocacy_scores",
    "bridge_nodes",
    "campaign_seeds",
    "cascade_influence",
    "community_profiles",
    "cost_adjacency",
    "decay_weight",
    "detect_communities",
    "engagement_graph",
    "engagement_influence",
    "expected_spread",
    "influence_scores",
    "k_strongest_paths",
    "negative_by_influential",
    "negative_cascades",
    "normalized_mutual_information",
    "partition_labels",
    "source_reach",
    "spread_graph",
    "strongest_paths",
    "topic_influence",
]
