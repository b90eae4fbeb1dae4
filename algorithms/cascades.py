"""Negative moments of truth: fast negative cascades and negative posts by influential actors."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import networkx as nx

__all__ = [
    "CascadeAlert",
    "NegativeAlert",
    "negative_by_influential",
    "negative_cascades",
]

K = TypeVar("K", bound=Hashable)  # an interaction id


@dataclass(frozen=True, slots=True)
class CascadeAlert:
    """A response tree whose negative responses piled up fast.

    Attributes
    ----------
    root : the interaction at the root of the tree.
    size : interactions in the tree, root included.
    negative : negative responses in the tree (root excluded), counted from `since` if given.
    peak : the most negative responses within one window.
    window_start, window_end : times of the first and last negative response of that window
        (the earliest such window).
    latest : time of the most recent negative response.
    interactions : the negative responses of the peak window, oldest first.
    """

    root: Any
    size: int
    negative: int
    peak: int
    window_start: datetime
    window_end: datetime
    latest: datetime
    interactions: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class NegativeAlert:
    """A negative interaction by an actor whose influence is high."""

    interaction: Any
    actor: Any
    sentiment: float
    occurred_at: datetime
    influence: float


def _check_common(threshold: float) -> None:
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [-1, 1], got {threshold}")


def negative_cascades(
    cascades: nx.DiGraph,
    sentiment: Mapping[K, float],
    occurred_at: Mapping[K, datetime],
    *,
    threshold: float = -0.3,
    window_hours: float = 24,
    min_size: int = 5,
    since: datetime | None = None,
) -> list[CascadeAlert]:
    """Response trees in which negative responses grow fast.

    A response is negative when its sentiment is at most `threshold`. A tree (the connected
    responses below one root interaction) raises an alert when at least `min_size` of its
    negative responses fall within some window of `window_hours` hours: a spark becoming a fire.
    Responses without a sentiment count as neutral.

    Parameters
    ----------
    cascades : networkx.DiGraph
        RESPONDS_TO edges ``child -> parent`` between interactions; must be a forest.
    sentiment : mapping
        Interaction -> sentiment in [-1, 1].
    occurred_at : mapping
        Interaction -> time; needed for every negative response.
    threshold : float, optional (default=-0.3)
        Sentiment at or below which a response is negative.
    window_hours : float, optional (default=24)
        Width of the sliding window.
    min_size : int, optional (default=5)
        Negative responses within one window that make an alert.
    since : datetime, optional
        Only responses at or after this time count (e.g. the last week), so old fires that
        burnt out do not alert again.

    Returns
    -------
    alerts : list of CascadeAlert
        Newest first: by `latest` descending, then root as text.

    Raises
    ------
    ValueError
        If `cascades` is not a directed forest, `threshold` is outside [-1, 1], `window_hours`
        is not positive, `min_size` < 1, or a negative response has no time.

    Examples
    --------
    >>> from datetime import UTC
    >>> t0 = datetime(2024, 5, 1, tzinfo=UTC)
    >>> cascades = nx.DiGraph([(f"r{i}", "post") for i in range(5)])
    >>> sentiment = {f"r{i}": -0.8 for i in range(5)}
    >>> when = {f"r{i}": t0 + timedelta(hours=i) for i in range(5)}
    >>> [(a.root, a.peak) for a in negative_cascades(cascades, sentiment, when)]
    [('post', 5)]
    """
    _check_common(threshold)
    if not window_hours > 0:
        raise ValueError(f"window_hours must be positive, got {window_hours}")
    if min_size < 1:
        raise ValueError(f"min_size must be >= 1, got {min_size}")
    if not cascades.is_directed():
        raise ValueError("cascades must be a directed graph of child -> parent edges")
    if any(d > 1 for _, d in cascades.out_degree()):
        raise ValueError("an interaction responds to more than one other: not a forest")
    if not nx.is_directed_acyclic_graph(cascades):
        raise ValueError("cascades contain a cycle of responses")
    window = timedelta(hours=window_hours)
    alerts = []
    for tree in nx.weakly_connected_components(cascades):
        root = next(n for n in tree if cascades.out_degree(n) == 0)
        negatives: list[tuple[datetime, Any]] = []
        for node in tree:
            if node == root or not sentiment.get(node, 0.0) <= threshold:
                continue
            if node not in occurred_at:
                raise ValueError(f"negative response {node!r} has no time")
            when = occurred_at[node]
            if since is None or when >= since:
                negatives.append((when, node))
        if len(negatives) < min_size:
            continue
        negatives.sort(key=lambda x: (x[0], str(x[1])))
        peak, best_start, start = 0, 0, 0
        for end in range(len(negatives)):
            while negatives[end][0] - negatives[start][0] > window:
                start += 1
            if end - start + 1 > peak:
                peak, best_start = end - start + 1, start
        if peak < min_size:
            continue
        burst = negatives[best_start : best_start + peak]
        alerts.append(
            CascadeAlert(
                root=root,
                size=len(tree),
                negative=len(negatives),
                peak=peak,
                window_start=burst[0][0],
                window_end=burst[-1][0],
                latest=negatives[-1][0],
                interactions=tuple(node for _, node in burst),
            )
        )
    alerts.sort(key=lambda a: str(a.root))
    alerts.sort(key=lambda a: a.latest, reverse=True)
    return alerts


def negative_by_influential(
    sentiment: Mapping[K, float],
    occurred_at: Mapping[K, datetime],
    authors: Mapping[K, Any],
    influence: Mapping[Any, float],
    *,
    threshold: float = -0.3,
    min_influence: float = 80.0,
    since: datetime | None = None,
) -> list[NegativeAlert]:
    """Negative interactions by actors whose influence is at least `min_influence`.

    Parameters
    ----------
    sentiment : mapping
        Interaction -> sentiment in [-1, 1]; only interactions listed here are considered.
    occurred_at : mapping
        Interaction -> time; needed for every negative interaction by an influential actor.
    authors : mapping
        Interaction -> actor who performed it.
    influence : mapping
        Actor -> influence, e.g. the 0-100 ``score`` of
        :func:`~algorithms.influence.influence_scores`.
    threshold : float, optional (default=-0.3)
        Sentiment at or below which an interaction is negative.
    min_influence : float, optional (default=80.0)
        Influence at or above which an actor is influential.
    since : datetime, optional
        Only interactions at or after this time.

    Returns
    -------
    alerts : list of NegativeAlert
        Newest first, then by interaction as text.

    Raises
    ------
    ValueError
        If `threshold` is outside [-1, 1], or a selected interaction has no time.

    Examples
    --------
    >>> from datetime import UTC
    >>> t = datetime(2024, 5, 1, tzinfo=UTC)
    >>> alerts = negative_by_influential(
    ...     {"i1": -0.9, "i2": -0.9}, {"i1": t, "i2": t}, {"i1": "star", "i2": "nobody"},
    ...     {"star": 95.0, "nobody": 10.0})
    >>> [(a.interaction, a.actor) for a in alerts]
    [('i1', 'star')]
    """
    _check_common(threshold)
    alerts: list[NegativeAlert] = []
    for interaction, value in sentiment.items():
        if not value <= threshold:
            continue
        actor = authors.get(interaction)
        if actor is None or not influence.get(actor, 0.0) >= min_influence:
            continue
        if interaction not in occurred_at:
            raise ValueError(f"negative interaction {interaction!r} has no time")
        when = occurred_at[interaction]
        if since is not None and when < since:
            continue
        alerts.append(
            NegativeAlert(interaction, actor, float(value), when, float(influence[actor]))
        )
    alerts.sort(key=lambda a: str(a.interaction))
    alerts.sort(key=lambda a: a.occurred_at, reverse=True)
    return alerts
