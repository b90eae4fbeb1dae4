"""Advocacy: the documented formula on hand cases, classes, saturation, validation."""

from __future__ import annotations

import math

import pytest

from algorithms.advocacy import AdvocacyEvidence, AdvocacyWeights, advocacy_scores


def score_of(**evidence: float) -> float:
    return advocacy_scores({"c": AdvocacyEvidence(**evidence)})["c"].score  # type: ignore[arg-type]


def test_no_evidence_is_passive_zero() -> None:
    result = advocacy_scores({"new": AdvocacyEvidence()})["new"]
    assert (result.score, result.category) == (0.0, "passive")
    assert result.explanation == "No advocacy evidence yet."


def test_one_glowing_review_does_not_max_the_score() -> None:
    # 1.5 points for a review of sentiment +1: 100 tanh(1.5 / 5) = 29.13, just short of promoter.
    result = advocacy_scores({"c": AdvocacyEvidence(reviews=1, review_sentiment=1.0)})["c"]
    assert result.score == pytest.approx(100 * math.tanh(0.3))
    assert result.category == "passive"


def test_hand_computed_promoter() -> None:
    # 2 praise (2) + 1 referral converted (1 + 2) + 2 repeat purchases (1) + sentiment 0.5 (1) = 7
    e = AdvocacyEvidence(
        praise=2, referrals=1, converted_referrals=1, purchases=3, repeat_purchases=2, sentiment=0.5
    )
    result = advocacy_scores({"c": e})["c"]
    assert result.positive == pytest.approx(7.0)
    assert result.negative == 0.0
    assert result.score == pytest.approx(100 * math.tanh(7 / 5))
    assert result.category == "promoter"
    assert result.evidence is e
    assert result.explanation == (
        "For: 2 praises, 1 referral (1 converted), 2 repeat purchases, overall sentiment +0.50."
    )


def test_hand_computed_detractor() -> None:
    # 2 complaints (3) + 1 support case (0.5) + a review at -0.5 (0.75) + sentiment -0.4 (0.8)
    e = AdvocacyEvidence(
        complaints=2, support_cases=1, reviews=1, review_sentiment=-0.5, sentiment=-0.4
    )
    result = advocacy_scores({"c": e})["c"]
    assert result.negative == pytest.approx(5.05)
    assert result.score == pytest.approx(-100 * math.tanh(5.05 / 5))
    assert result.category == "detractor"
    assert result.explanation.startswith("Against: 1 review (mean sentiment -0.50), 2 complaints")


def test_positive_and_negative_evidence_offset() -> None:
    # 3 praise against 2 complaints: 3 - 3 = 0.
    assert score_of(praise=3, complaints=2) == pytest.approx(0.0)


def test_thresholds_are_inclusive_and_configurable() -> None:
    e = {"c": AdvocacyEvidence(praise=1)}  # 100 tanh(0.2) = 19.74
    value = advocacy_scores(e)["c"].score
    assert advocacy_scores(e)["c"].category == "passive"
    assert advocacy_scores(e, promoter_threshold=value)["c"].category == "promoter"
    e_neg = {"c": AdvocacyEvidence(complaints=1)}
    value = advocacy_scores(e_neg)["c"].score
    assert advocacy_scores(e_neg, detractor_threshold=value)["c"].category == "detractor"


def test_score_is_monotone_and_saturates_below_100() -> None:
    previous = -math.inf
    for praise in range(0, 40, 3):
        current = score_of(praise=praise)
        assert current >= previous
        previous = current
    assert 99 < score_of(praise=20, referrals=5, converted_referrals=5) < 100
    assert -100 < score_of(complaints=12) < -99
    assert score_of(praise=10_000) == 100.0  # saturated, never beyond


def test_weights_and_scale_change_the_formula() -> None:
    e = {"c": AdvocacyEvidence(praise=1)}
    assert advocacy_scores(e, weights=AdvocacyWeights(praise=5.0))["c"].score == pytest.approx(
        100 * math.tanh(1.0)
    )
    assert advocacy_scores(e, scale=1.0)["c"].score == pytest.approx(100 * math.tanh(1.0))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"praise": -1},
        {"review_sentiment": 1.5},
        {"sentiment": -2.0},
        {"referrals": 1, "converted_referrals": 2},
        {"purchases": 1, "repeat_purchases": 2},
    ],
)
def test_evidence_is_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AdvocacyEvidence(**kwargs)  # type: ignore[arg-type]


def test_parameters_are_validated() -> None:
    e = {"c": AdvocacyEvidence()}
    with pytest.raises(ValueError, match="scale"):
        advocacy_scores(e, scale=0.0)
    with pytest.raises(ValueError, match="threshold"):
        advocacy_scores(e, promoter_threshold=-40.0)
    with pytest.raises(ValueError, match="non-negative"):
        AdvocacyWeights(complaint=-1.0)
