"""Customer advocacy: a -100..100 score from praise, reviews, referrals and complaints."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

__all__ = [
    "AdvocacyEvidence",
    "AdvocacyScore",
    "AdvocacyWeights",
    "advocacy_scores",
]

C = TypeVar("C", bound=Hashable)

AdvocacyClass = Literal["promoter", "passive", "detractor"]


@dataclass(frozen=True, slots=True)
class AdvocacyEvidence:
    """What one customer did, counted over all their profiles and channels.

    Attributes
    ----------
    praise : interactions of kind praise.
    reviews : reviews written; `review_sentiment` is their mean sentiment in [-1, 1].
    referrals : people referred; `converted_referrals` of them went on to buy.
    purchases : purchases in total; `repeat_purchases` of them came after the first.
    complaints : interactions of kind complaint.
    support_cases : support cases opened.
    sentiment : mean sentiment over all the customer's interactions, in [-1, 1].
    """

    praise: int = 0
    reviews: int = 0
    review_sentiment: float = 0.0
    referrals: int = 0
    converted_referrals: int = 0
    purchases: int = 0
    repeat_purchases: int = 0
    complaints: int = 0
    support_cases: int = 0
    sentiment: float = 0.0

    def __post_init__(self) -> None:
        counts = {
            "praise": self.praise,
            "reviews": self.reviews,
            "referrals": self.referrals,
            "converted_referrals": self.converted_referrals,
            "purchases": self.purchases,
            "repeat_purchases": self.repeat_purchases,
            "complaints": self.complaints,
            "support_cases": self.support_cases,
        }
        negative = [name for name, value in counts.items() if value < 0]
        if negative:
            raise ValueError(f"evidence counts must be non-negative: {negative}")
        for name, value in (
            ("review_sentiment", self.review_sentiment),
            ("sentiment", self.sentiment),
        ):
            if not -1.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [-1, 1], got {value}")
        if self.converted_referrals > self.referrals:
            raise ValueError("converted_referrals cannot exceed referrals")
        if self.repeat_purchases > self.purchases:
            raise ValueError("repeat_purchases cannot exceed purchases")


@dataclass(frozen=True, slots=True)
class AdvocacyWeights:
    """Points per unit of evidence (see :func:`advocacy_scores`); all non-negative."""

    praise: float = 1.0
    review: float = 1.5
    referral: float = 1.0
    converted_referral: float = 2.0
    repeat_purchase: float = 0.5
    complaint: float = 1.5
    support_case: float = 0.5
    sentiment: float = 2.0

    def __post_init__(self) -> None:
        for name in self.__slots__:
            if not getattr(self, name) >= 0:
                raise ValueError(f"advocacy weight {name} must be non-negative")


@dataclass(frozen=True, slots=True)
class AdvocacyScore:
    """One customer's advocacy.

    Attributes
    ----------
    score : ``100 * tanh((positive - negative) / scale)``, in [-100, 100].
    category : "promoter", "passive" or "detractor".
    positive, negative : the points for and against, before saturation.
    evidence : the evidence the score was computed from.
    explanation : the evidence in plain words.
    """

    score: float
    category: AdvocacyClass
    positive: float
    negative: float
    evidence: AdvocacyEvidence
    explanation: str


def _points(e: AdvocacyEvidence, w: AdvocacyWeights) -> tuple[float, float]:
    positive = (
        w.praise * e.praise
        + w.referral * e.referrals
        + w.converted_referral * e.converted_referrals
        + w.repeat_purchase * e.repeat_purchases
    )
    negative = w.complaint * e.complaints + w.support_case * e.support_cases
    reviews = w.review * e.reviews * e.review_sentiment
    mood = w.sentiment * e.sentiment
    for signed in (reviews, mood):
        if signed >= 0:
            positive += signed
        else:
            negative -= signed
    return positive, negative


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _explain(e: AdvocacyEvidence) -> str:
    good: list[str] = []
    bad: list[str] = []
    if e.praise:
        good.append(_n(e.praise, "praise", "praises"))
    if e.reviews:
        (good if e.review_sentiment >= 0 else bad).append(
            f"{_n(e.reviews, 'review')} (mean sentiment {e.review_sentiment:+.2f})"
        )
    if e.referrals:
        good.append(f"{_n(e.referrals, 'referral')} ({e.converted_referrals} converted)")
    if e.repeat_purchases:
        good.append(_n(e.repeat_purchases, "repeat purchase"))
    if e.complaints:
        bad.append(_n(e.complaints, "complaint"))
    if e.support_cases:
        bad.append(_n(e.support_cases, "support case"))
    if e.sentiment:
        (good if e.sentiment > 0 else bad).append(f"overall sentiment {e.sentiment:+.2f}")
    if not good and not bad:
        return "No advocacy evidence yet."
    sentences = []
    if good:
        sentences.append("For: " + ", ".join(good) + ".")
    if bad:
        sentences.append("Against: " + ", ".join(bad) + ".")
    return " ".join(sentences)


def advocacy_scores(
    evidence: Mapping[C, AdvocacyEvidence],
    *,
    weights: AdvocacyWeights = AdvocacyWeights(),
    scale: float = 5.0,
    promoter_threshold: float = 30.0,
    detractor_threshold: float = -30.0,
) -> dict[C, AdvocacyScore]:
    """Advocacy score and class of every customer.

    Points for (with the default `weights`)::

        positive = 1.0 * praise + 1.0 * referrals + 2.0 * converted_referrals
                   + 0.5 * repeat_purchases
                   + 1.5 * reviews * review_sentiment     (when the reviews are positive)
                   + 2.0 * sentiment                      (when the mean sentiment is positive)
        negative = 1.5 * complaints + 0.5 * support_cases
                   + the negative review and sentiment terms, made positive

        score = 100 * tanh((positive - negative) / scale)

    A first purchase is not advocacy, so only repeat purchases count; a converted referral
    counts 3 points in all (the referral plus its conversion). The tanh saturates: with the
    default ``scale=5`` one glowing review scores 29 (passive), a review and a praise 46, three
    converted referrals 94; only overwhelming evidence comes near 100. Scores of at least
    `promoter_threshold` (30) are promoters, at most `detractor_threshold` (-30) detractors,
    the rest passive. A customer with no evidence scores 0 and is passive.

    Parameters
    ----------
    evidence : mapping
        Customer -> :class:`AdvocacyEvidence`.
    weights : AdvocacyWeights, optional
        Points per unit of evidence.
    scale : float, optional (default=5.0)
        Net points at which the score reaches ``100 * tanh(1)``, about 76. Must be positive.
    promoter_threshold : float, optional (default=30.0)
    detractor_threshold : float, optional (default=-30.0)

    Returns
    -------
    scores : dict
        Customer -> :class:`AdvocacyScore`.

    Raises
    ------
    ValueError
        If `scale` is not positive, or the thresholds are not ``-100 <= detractor < promoter
        <= 100``.

    Examples
    --------
    >>> scores = advocacy_scores({"ann": AdvocacyEvidence(praise=2, referrals=1)})
    >>> round(scores["ann"].score, 1), scores["ann"].category
    (53.7, 'promoter')
    >>> advocacy_scores({"bob": AdvocacyEvidence()})["bob"].category
    'passive'

    References
    ----------
    .. [1] Reichheld, F. "The One Number You Need to Grow." Harvard Business Review (2003):
       the promoter / passive / detractor classes.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if not -100 <= detractor_threshold < promoter_threshold <= 100:
        raise ValueError(
            "thresholds must satisfy -100 <= detractor_threshold < promoter_threshold <= 100"
        )
    result: dict[C, AdvocacyScore] = {}
    for customer, e in evidence.items():
        positive, negative = _points(e, weights)
        score = 100.0 * math.tanh((positive - negative) / scale)
        category: AdvocacyClass
        if score >= promoter_threshold:
            category = "promoter"
        elif score <= detractor_threshold:
            category = "detractor"
        else:
            category = "passive"
        result[customer] = AdvocacyScore(
            score=score,
            category=category,
            positive=positive,
            negative=negative,
            evidence=e,
            explanation=_explain(e),
        )
    return result
