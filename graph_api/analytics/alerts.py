"""Alerts on "negative moments of truth": sparks to put out before they become fires.

An adapter over :mod:`algorithms.cascades` that turns its results into JSON records kept in a
document of the run, newest first:

* ``NEGATIVE_BY_INFLUENCER``: a negative interaction (sentiment <= -0.3) by a profile or a
  customer in the top decile of influence (score >= 90);
* ``NEGATIVE_CASCADE``: a response tree in which at least 5 negative responses fell within 24
  hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import networkx as nx

from algorithms.cascades import negative_by_influential, negative_cascades
from graph_api.analytics.projection import Projection
from graph_api.model import format_timestamp

__all__ = ["MAX_ALERTS", "find_alerts"]

MAX_ALERTS: Final = 2_000
THRESHOLD: Final = -0.3
MIN_INFLUENCE: Final = 90.0


def _actor(proj: Projection, iid: str) -> tuple[str, str] | None:
    info = proj.interactions[iid]
    if info.profile is not None:
        return ("Profile", info.profile)
    if info.customer is not None:
        return ("Customer", info.customer)
    return None


def find_alerts(
    proj: Projection,
    cascades: nx.DiGraph,
    profile_scores: Mapping[str, Mapping[str, Any]],
    customer_scores: Mapping[str, Mapping[str, Any]],
    *,
    window_hours: float = 24.0,
    min_size: int = 5,
) -> list[dict[str, Any]]:
    """Alerts as JSON records, newest first, at most :data:`MAX_ALERTS`.

    Each record: ``id`` (stable: kind + interaction id), ``kind``, ``at`` (ISO time: the
    interaction, or the latest negative response), ``interaction``, ``actor``
    (``{"label", "id"}`` or None), ``severity`` in [0, 1], ``influence``, ``responses``,
    ``negativeShare``, ``message``.
    """
    inter = proj.interactions
    sentiment = {iid: i.sentiment for iid, i in inter.items()}
    # Times are needed for negative interactions only; converting a million would be waste.
    when = {
        iid: datetime.fromtimestamp(i.at, UTC)
        for iid, i in inter.items()
        if i.sentiment <= THRESHOLD
    }
    authors = {iid: who for iid in inter if (who := _actor(proj, iid)) is not None}
    influence: dict[tuple[str, str], float] = {}
    for label, scores in (("Profile", profile_scores), ("Customer", customer_scores)):
        for node_id, s in scores.items():
            if "influence" in s:
                influence[(label, node_id)] = float(s["influence"])

    out: list[dict[str, Any]] = []
    for a in negative_by_influential(
        sentiment, when, authors, influence, threshold=THRESHOLD, min_influence=MIN_INFLUENCE
    ):
        label, node_id = a.actor
        kind = inter[a.interaction].kind
        out.append(
            {
                "id": f"influencer:{a.interaction}",
                "kind": "NEGATIVE_BY_INFLUENCER",
                "at": format_timestamp(a.occurred_at),
                "interaction": a.interaction,
                "actor": {"label": label, "id": node_id},
                "severity": round(a.influence / 100 * min(1.0, abs(a.sentiment)), 4),
                "influence": a.influence,
                "responses": 0,
                "negativeShare": None,
                "message": (
                    f"Negative {kind} (sentiment {a.sentiment:+.2f}) by an actor with "
                    f"influence {a.influence:.0f}/100"
                ),
            }
        )
    for c in negative_cascades(
        cascades,
        sentiment,
        when,
        threshold=THRESHOLD,
        window_hours=window_hours,
        min_size=min_size,
    ):
        actor = authors.get(c.root)
        responses = c.size - 1
        share = c.negative / responses if responses else 0.0
        out.append(
            {
                "id": f"cascade:{c.root}",
                "kind": "NEGATIVE_CASCADE",
                "at": format_timestamp(c.latest),
                "interaction": c.root,
                "actor": {"label": actor[0], "id": actor[1]} if actor else None,
                "severity": round(min(1.0, c.peak / (4 * min_size)) * max(share, 0.5), 4),
                "influence": influence.get(actor, 0.0) if actor else 0.0,
                "responses": responses,
                "negativeShare": round(share, 4),
                "message": (
                    f"{c.peak} negative responses within {window_hours:.0f}h "
                    f"({c.negative} of {responses} responses negative)"
                ),
            }
        )
    out.sort(key=lambda r: (r["at"], r["id"]), reverse=True)
    return out[:MAX_ALERTS]
