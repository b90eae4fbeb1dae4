"""Alerts: fast negative cascades and negative interactions by influential actors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest

from algorithms.cascades import (
    NegativeAlert,
    negative_by_influential,
    negative_cascades,
)

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def threads() -> tuple[nx.DiGraph, dict[str, float], dict[str, datetime]]:
    """Three threads, each with 6 negative responses.

    fire: within 5 hours, two days after T0; slow: one a day; old: within 2 hours at T0.
    """
    cascades = nx.DiGraph()
    sentiment: dict[str, float] = {}
    when: dict[str, datetime] = {}
    for root, start, step in [
        ("fire", T0 + timedelta(days=2), timedelta(hours=1)),
        ("slow", T0, timedelta(days=1)),
        ("old", T0, timedelta(minutes=20)),
    ]:
        sentiment[root] = -0.9  # a negative root post is not a response: it does not count
        when[root] = start
        for i in range(6):
            reply = f"{root}-r{i}"
            cascades.add_edge(reply, root)
            sentiment[reply] = -0.3 if i == 0 else -0.8  # -0.3 is at the threshold: negative
            when[reply] = start + i * step
        cascades.add_edge(f"{root}-ok", f"{root}-r0")  # a positive reply deeper down
        sentiment[f"{root}-ok"] = 0.6
        when[f"{root}-ok"] = start
    return cascades, sentiment, when


def test_fast_negative_cascades_alert_newest_first() -> None:
    cascades, sentiment, when = threads()
    alerts = negative_cascades(cascades, sentiment, when)
    assert [a.root for a in alerts] == ["fire", "old"]
    fire = alerts[0]
    assert (fire.size, fire.negative, fire.peak) == (8, 6, 6)
    assert fire.window_start == T0 + timedelta(days=2)
    assert fire.window_end == fire.latest == T0 + timedelta(days=2, hours=5)
    assert fire.interactions == tuple(f"fire-r{i}" for i in range(6))


def test_window_min_size_threshold_and_since() -> None:
    cascades, sentiment, when = threads()
    # One a day: a 5-day window holds all six (day 0 to day 5 inclusive needs 5 days).
    slow = negative_cascades(cascades, sentiment, when, window_hours=24 * 5)
    assert "slow" in [a.root for a in slow]
    # A 2-hour window holds 3 of fire's hourly replies (0h, 1h, 2h).
    fire = negative_cascades(cascades, sentiment, when, window_hours=2, min_size=3)
    assert {a.root: a.peak for a in fire}["fire"] == 3
    # Stricter threshold: the -0.3 reply no longer counts, 5 remain.
    strict = negative_cascades(cascades, sentiment, when, threshold=-0.5, min_size=6)
    assert strict == []
    recent = negative_cascades(cascades, sentiment, when, since=T0 + timedelta(days=1))
    assert [a.root for a in recent] == ["fire"]


def test_missing_sentiment_is_neutral_and_missing_time_is_an_error() -> None:
    cascades = nx.DiGraph([("r", "p")])
    assert negative_cascades(cascades, {}, {}, min_size=1) == []
    with pytest.raises(ValueError, match="no time"):
        negative_cascades(cascades, {"r": -1.0}, {}, min_size=1)


def test_negative_cascades_validate() -> None:
    G = nx.DiGraph([("r", "p")])
    with pytest.raises(ValueError, match="threshold"):
        negative_cascades(G, {}, {}, threshold=-2.0)
    with pytest.raises(ValueError, match="window_hours"):
        negative_cascades(G, {}, {}, window_hours=0)
    with pytest.raises(ValueError, match="min_size"):
        negative_cascades(G, {}, {}, min_size=0)
    with pytest.raises(ValueError, match="forest"):
        negative_cascades(nx.DiGraph([("r", "a"), ("r", "b")]), {}, {})
    with pytest.raises(ValueError, match="cycle"):
        negative_cascades(nx.DiGraph([("a", "b"), ("b", "a")]), {}, {})


def test_negative_by_influential() -> None:
    sentiment = {"i1": -0.9, "i2": -0.5, "i3": 0.8, "i4": -0.9, "i5": -0.3, "i6": -0.7}
    when = {f"i{n}": T0 + timedelta(hours=n) for n in range(1, 7)}
    authors = {"i1": "star", "i2": "star", "i3": "star", "i4": "nobody", "i5": "pro", "i6": "x"}
    influence = {"star": 95.0, "nobody": 10.0, "pro": 80.0}
    alerts = negative_by_influential(sentiment, when, authors, influence)
    assert alerts == [
        NegativeAlert("i5", "pro", -0.3, T0 + timedelta(hours=5), 80.0),
        NegativeAlert("i2", "star", -0.5, T0 + timedelta(hours=2), 95.0),
        NegativeAlert("i1", "star", -0.9, T0 + timedelta(hours=1), 95.0),
    ]
    later = negative_by_influential(
        sentiment, when, authors, influence, since=T0 + timedelta(hours=2), min_influence=90
    )
    assert [a.interaction for a in later] == ["i2"]
    with pytest.raises(ValueError, match="no time"):
        negative_by_influential({"i1": -1.0}, {}, authors, influence)
    with pytest.raises(ValueError, match="threshold"):
        negative_by_influential({}, {}, {}, {}, threshold=1.5)
