"""Communities: seeded Louvain with connected parts, their profiles, bridges, and NMI."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

__all__ = [
    "Bridge",
    "CommunityProfile",
    "bridge_nodes",
    "community_profiles",
    "detect_communities",
    "normalized_mutual_information",
    "partition_labels",
]


def _order_key(community: set[Any]) -> tuple[int, Any]:
    try:
        return (-len(community), min(community))
    except TypeError:  # nodes of mixed types
        return (-len(community), min(map(str, community)))


def _sorted_communities(communities: Iterable[set[Any]]) -> list[set[Any]]:
    communities = list(communities)
    try:
        return sorted(communities, key=_order_key)
    except TypeError:  # communities whose smallest members have different types
        return sorted(communities, key=lambda c: (-len(c), min(map(str, c))))


def _simple_undirected(G: nx.Graph, weight: str | None) -> nx.Graph:
    """An undirected simple graph with summed weights (reciprocal edges add up), no self-loops."""
    H = nx.Graph()
    H.add_nodes_from(G)
    if weight is None:
        edges = ((u, v, 1.0) for u, v in G.edges())
    else:
        edges = ((u, v, float(w)) for u, v, w in G.edges(data=weight, default=1.0))
    for u, v, w in edges:
        if u == v:
            continue
        if H.has_edge(u, v):
            H[u][v]["weight"] += w
        else:
            H.add_edge(u, v, weight=w)
    return H


def detect_communities(
    G: nx.Graph,
    *,
    resolution: float = 1.0,
    seed: int | None = 0,
    weight: str | None = "weight",
    threshold: float = 1e-7,
) -> list[set[Any]]:
    """Communities of the social graph: Louvain, then every community split into connected parts.

    The graph is taken as undirected: a directed edge u -> v links u and v, and the weights of
    u -> v and v -> u (and of parallel edges) add up, so that a reciprocated relationship counts
    twice. Self-loops are ignored. Louvain can return a community that is not connected (a node
    that held two parts together moved out); each is split into its connected components, so
    every community returned is connected.

    Parameters
    ----------
    G : networkx graph
        The social graph; directed graphs and multigraphs are accepted.
    resolution : float, optional (default=1.0)
        Louvain's resolution: above 1 favours more, smaller communities.
    seed : int or None, optional (default=0)
        Random state of Louvain's node order; a fixed seed gives reproducible communities.
    weight : str or None, optional (default="weight")
        Edge attribute with the weight (missing means 1); None weighs every edge 1.
    threshold : float, optional (default=1e-7)
        Modularity gain below which Louvain stops.

    Returns
    -------
    communities : list of sets
        A partition of the nodes of `G`, by size descending, then by smallest member.

    Raises
    ------
    ValueError
        If `resolution` is not positive.

    Examples
    --------
    >>> G = nx.barbell_graph(5, 0)
    >>> [sorted(c) for c in detect_communities(G)]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]

    References
    ----------
    .. [1] Blondel, V. D. et al. "Fast unfolding of communities in large networks."
       J. Stat. Mech. (2008) P10008.
    .. [2] Traag, V. A., Waltman, L. and van Eck, N. J. "From Louvain to Leiden: guaranteeing
       well-connected communities." Sci. Rep. 9, 5233 (2019): Louvain's disconnected communities.
    """
    if not resolution > 0:
        raise ValueError(f"resolution must be positive, got {resolution}")
    H = _simple_undirected(G, weight)
    if len(H) == 0:
        return []
    found = nx.community.louvain_communities(
        H, weight="weight", resolution=resolution, threshold=threshold, seed=seed
    )
    parts: list[set[Any]] = []
    for community in found:
        parts.extend(set(c) for c in nx.connected_components(H.subgraph(community)))
    return _sorted_communities(parts)


def partition_labels(communities: Iterable[Iterable[Hashable]]) -> dict[Any, int]:
    """Node -> position of its community, for a partition given as a list of sets.

    Raises
    ------
    ValueError
        If a node is in more than one community.

    Examples
    --------
    >>> partition_labels([{"a", "b"}, {"c"}])["c"]
    1
    """
    labels: dict[Any, int] = {}
    for i, community in enumerate(communities):
        for node in community:
            if node in labels:
                raise ValueError(f"node {node!r} is in communities {labels[node]} and {i}")
            labels[node] = i
    return labels


def _aligned(
    labels_true: Mapping[Any, Hashable] | Sequence[Hashable],
    labels_pred: Mapping[Any, Hashable] | Sequence[Hashable],
) -> list[tuple[Hashable, Hashable]]:
    if isinstance(labels_true, Mapping) != isinstance(labels_pred, Mapping):
        raise ValueError("pass both labelings as mappings, or both as sequences")
    if isinstance(labels_true, Mapping) and isinstance(labels_pred, Mapping):
        if labels_true.keys() != labels_pred.keys():
            only = labels_true.keys() ^ labels_pred.keys()
            raise ValueError(f"labelings cover different items, e.g. {sorted(map(str, only))[:5]}")
        return [(label, labels_pred[item]) for item, label in labels_true.items()]
    if len(labels_true) != len(labels_pred):
        raise ValueError(f"labelings differ in length: {len(labels_true)} != {len(labels_pred)}")
    return list(zip(labels_true, labels_pred, strict=True))


def _entropy(counts: Iterable[int], n: int) -> float:
    return -sum(c / n * math.log(c / n) for c in counts)


def normalized_mutual_information(
    labels_true: Mapping[Any, Hashable] | Sequence[Hashable],
    labels_pred: Mapping[Any, Hashable] | Sequence[Hashable],
) -> float:
    """Normalized mutual information of two labelings, with arithmetic-mean normalisation.

    ``NMI = I(T; P) / ((H(T) + H(P)) / 2)`` with natural logarithms, the default of
    scikit-learn's ``normalized_mutual_info_score``: 1 for the same partition (whatever the
    label names), about 0 for independent ones. When both labelings put everything in one
    class the partitions are identical and the NMI is 1.

    Parameters
    ----------
    labels_true, labels_pred : mapping item -> label, or sequences of labels
        Two labelings of the same items (mappings must have the same keys; sequences the same
        length, item i being position i). Use :func:`partition_labels` for a list of sets.

    Returns
    -------
    nmi : float
        In [0, 1].

    Raises
    ------
    ValueError
        If the labelings are empty or do not cover the same items.

    Examples
    --------
    >>> normalized_mutual_information([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> normalized_mutual_information([0, 0, 1, 1], [0, 1, 0, 1])
    0.0

    References
    ----------
    .. [1] Vinh, N. X., Epps, J. and Bailey, J. "Information Theoretic Measures for Clusterings
       Comparison." JMLR 11 (2010) 2837-2854.
    """
    pairs = _aligned(labels_true, labels_pred)
    n = len(pairs)
    if n == 0:
        raise ValueError("labelings are empty")
    true_counts = Counter(t for t, _ in pairs)
    pred_counts = Counter(p for _, p in pairs)
    if len(true_counts) == len(pred_counts) == 1:
        return 1.0
    joint = Counter(pairs)
    mi = sum(
        c / n * math.log(c * n / (true_counts[t] * pred_counts[p])) for (t, p), c in joint.items()
    )
    if mi <= 0:
        return 0.0
    normalizer = (_entropy(true_counts.values(), n) + _entropy(pred_counts.values(), n)) / 2
    return mi / normalizer


@dataclass(frozen=True, slots=True)
class Bridge:
    """A node with ties outside its own community.

    Attributes
    ----------
    node : the node.
    community : position of its community (None when it is in none).
    external_edges : its edges to nodes outside its community.
    communities_reached : how many other communities those edges reach.
    participation : Guimera-Amaral participation coefficient ``1 - sum_c (k_c / k)**2`` over the
        communities ``c`` of its neighbours (nodes in no community form one group): 0 when all
        its ties are in one community, approaching 1 when they are spread over many.
    """

    node: Any
    community: int | None
    external_edges: int
    communities_reached: int
    participation: float


@dataclass(frozen=True, slots=True)
class CommunityProfile:
    """Size, cohesion, top members and bridges of one community.

    Attributes
    ----------
    index : position of the community in the list given.
    size : number of members.
    internal_edges : edges between two members.
    boundary_edges : edges between a member and a non-member.
    density : ``internal_edges / (size * (size - 1) / 2)``; 0 for a single member.
    inside_fraction : ``internal_edges / (internal_edges + boundary_edges)``, the share of the
        members' edges that stay inside; 0 when the members have no edges.
    top_members : up to `top` (member, score) pairs, highest first.
    bridges : up to `top` members with edges outside, see :func:`bridge_nodes` for the order.
    """

    index: int
    size: int
    internal_edges: int
    boundary_edges: int
    density: float
    inside_fraction: float
    top_members: list[tuple[Any, float]]
    bridges: list[Bridge]


def _bridge_key(b: Bridge) -> tuple[int, float, str]:
    return (-b.external_edges, -b.participation, str(b.node))


def _bridges(H: nx.Graph, labels: Mapping[Any, int], nodes: Iterable[Any]) -> list[Bridge]:
    result = []
    for node in nodes:
        own = labels.get(node)
        groups = Counter(labels.get(nbr) for nbr in H[node])
        degree = sum(groups.values())
        external = degree - (groups[own] if own is not None else 0)
        if external == 0:
            continue
        participation = 1.0 - sum((c / degree) ** 2 for c in groups.values())
        reached = sum(1 for g in groups if g is not None and g != own)
        result.append(Bridge(node, own, external, reached, participation))
    result.sort(key=_bridge_key)
    return result


def _check_partition(G: nx.Graph, communities: Sequence[set[Any]]) -> dict[Any, int]:
    labels = partition_labels(communities)
    missing = [n for n in labels if n not in G]
    if missing:
        raise ValueError(f"community members not in the graph: {sorted(map(str, missing))[:5]}")
    return labels


def bridge_nodes(
    G: nx.Graph, communities: Sequence[set[Any]], *, top: int | None = 10
) -> list[Bridge]:
    """The brokers between communities: nodes with the most edges outside their community.

    Ranked by number of external edges (descending), then participation coefficient
    (descending), then ``str(node)``. The edge count measures how much traffic a node can carry
    between communities; the participation coefficient, reported beside it, how evenly its ties
    are spread. Edges are counted once per pair of nodes, whatever their direction.

    Parameters
    ----------
    G : networkx graph
        The social graph.
    communities : list of sets
        Disjoint communities, e.g. from :func:`detect_communities`; nodes in none form one
        outside group.
    top : int or None, optional (default=10)
        How many to return; None for all nodes with an external edge.

    Returns
    -------
    bridges : list of Bridge

    Raises
    ------
    ValueError
        If `top` < 1, the communities overlap or name nodes not in `G`.

    Examples
    --------
    >>> G = nx.barbell_graph(4, 1)
    >>> bridge_nodes(G, [set(range(4)), set(range(5, 9)), {4}], top=1)[0].node
    4

    References
    ----------
    .. [1] Guimera, R. and Amaral, L. A. N. "Functional cartography of complex metabolic
       networks." Nature 433 (2005) 895-900.
    """
    if top is not None and top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    labels = _check_partition(G, communities)
    H = _simple_undirected(G, None)
    bridges = _bridges(H, labels, H)
    return bridges if top is None else bridges[:top]


def community_profiles(
    G: nx.Graph,
    communities: Sequence[set[Any]],
    *,
    scores: Mapping[Any, float] | None = None,
    top: int = 5,
) -> list[CommunityProfile]:
    """Size, cohesion, top members and bridges of each community.

    Edges are counted once per pair of nodes, whatever their direction or multiplicity;
    self-loops are ignored.

    Parameters
    ----------
    G : networkx graph
        The social graph.
    communities : list of sets
        Disjoint communities, e.g. from :func:`detect_communities`.
    scores : mapping, optional
        Node -> score (e.g. influence) used to pick the top members; by default the number of
        edges a member has inside its community. Members without a score count as 0.
    top : int, optional (default=5)
        How many top members and bridges to list per community.

    Returns
    -------
    profiles : list of CommunityProfile
        One per community, in the order given.

    Raises
    ------
    ValueError
        If `top` < 1, the communities overlap or name nodes not in `G`.

    Examples
    --------
    >>> G = nx.barbell_graph(4, 0)
    >>> p = community_profiles(G, [set(range(4)), set(range(4, 8))])[0]
    >>> p.size, p.internal_edges, p.boundary_edges, p.density
    (4, 6, 1, 1.0)
    """
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    labels = _check_partition(G, communities)
    H = _simple_undirected(G, None)
    internal: dict[int, int] = defaultdict(int)
    boundary: dict[int, int] = defaultdict(int)
    inner_degree: dict[Any, int] = defaultdict(int)
    for u, v in H.edges():
        cu, cv = labels.get(u), labels.get(v)
        if cu is not None and cu == cv:
            internal[cu] += 1
            inner_degree[u] += 1
            inner_degree[v] += 1
            continue
        for c in (cu, cv):
            if c is not None:
                boundary[c] += 1
    profiles = []
    for i, members in enumerate(communities):
        size = len(members)
        pairs = size * (size - 1) / 2
        touching = internal[i] + boundary[i]
        rank = scores if scores is not None else inner_degree
        best = sorted(members, key=lambda m: (-float(rank.get(m, 0)), str(m)))[:top]
        profiles.append(
            CommunityProfile(
                index=i,
                size=size,
                internal_edges=internal[i],
                boundary_edges=boundary[i],
                density=internal[i] / pairs if pairs else 0.0,
                inside_fraction=internal[i] / touching if touching else 0.0,
                top_members=[(m, float(rank.get(m, 0))) for m in best],
                bridges=_bridges(H, labels, members)[:top],
            )
        )
    return profiles
