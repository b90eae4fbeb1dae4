"""Name and handle similarity for identity resolution: accent folding plus difflib ratios.

``name_similarity("Anna Müller", "müller, anna") == 1.0``; a typo or two in a two-word name
stays above 0.8; a different first name with the same surname falls well below 0.8.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Final

from rapidfuzz.distance import Indel

__all__ = [
    "blocking_keys",
    "bounded_similarity",
    "fold",
    "handle_key",
    "handle_name_similarity",
    "name_key",
    "name_similarity",
    "ratio",
]

_TRANSLIT: Final = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "o", "å": "a", "œ": "oe"}
    | {"\u0142": "l", "\u0111": "d", "\u0131": "i"}  # ł, đ, dotless i: NFKD keeps them
)
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case, German umlauts transliterated, other accents dropped, punctuation → space.

    Memoised: resolution folds each name several times, and names repeat.
    """
    if text.isascii():  # nothing to transliterate or decompose
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    text = text.lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", text).strip()


def name_key(name: str) -> str:
    """Folded tokens in sorted order: equal for the same name written in another order."""
    return " ".join(sorted(fold(name).split()))


def handle_key(handle: str) -> str:
    """A handle reduced to its letters and digits (``@Anna.Mueller_84`` → ``annamueller84``)."""
    if handle.isascii():  # fold's result without its spaces, without its cache (handles
        return _NON_ALNUM.sub("", handle.lower())  # seldom repeat: a large load has 500k)
    return fold(handle).replace(" ", "")


def ratio(a: str, b: str) -> float:
    """difflib's similarity ratio in [0, 1], made symmetric (difflib's depends on the order)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    if a > b:
        a, b = b, a
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def name_similarity(a: str, b: str) -> float:
    """Similarity of two person names in [0, 1]: token order, case and accents do not count.

    Examples
    --------
    >>> name_similarity("Anna Müller", "Mueller Anna")
    1.0
    >>> round(name_similarity("Jon Smiht", "John Smith"), 2)
    0.84
    """
    return ratio(name_key(a), name_key(b))


def bounded_similarity(key_a: str, key_b: str, floor: float) -> float:
    """``ratio`` of two name keys, or 0.0 as soon as a cheap bound shows it is below ``floor``.

    difflib's ratio never exceeds the longest-common-subsequence ratio ``1 - indel / (la + lb)``
    (which in turn never exceeds the length bound); rapidfuzz computes the indel distance in C,
    far cheaper than a SequenceMatcher. Same result as ``ratio`` wherever that reaches
    ``floor`` (a margin keeps ratios exactly at the floor from being lost to rounding).
    """
    if key_a == key_b:
        return 1.0
    la, lb = len(key_a), len(key_b)
    if not la or not lb or 2.0 * min(la, lb) / (la + lb) < floor:
        return 0.0
    if 1.0 - Indel.distance(key_a, key_b) / (la + lb) < floor - 1e-9:
        return 0.0
    if key_a > key_b:
        key_a, key_b = key_b, key_a
    return SequenceMatcher(None, key_a, key_b, autojunk=False).ratio()


def handle_name_similarity(handle: str, name: str, floor: float = 0.0) -> float:
    """How well a handle spells a name (``jsmith``, ``john.smith``, ``smithjohn`` all do).

    With a ``floor``, exact only where the result reaches it (cheaper; see
    :func:`bounded_similarity`): for callers that only compare it with that floor.
    """
    core = handle_key(handle).rstrip("0123456789")
    tokens = fold(name).split()
    if not core or not tokens:
        return 0.0
    first, last = tokens[0], tokens[-1]
    spellings = {"".join(tokens), last + first, first[0] + last, first + last[0]}
    return max(bounded_similarity(core, s, floor) for s in spellings)


def blocking_keys(name: str) -> set[str]:
    """Keys that two spellings of one name very likely share: ``smi|j`` for John Smith.

    For each ordered pair of tokens, the first three letters of one and the initial of the
    other; a typo must hit the same token twice to lose every key.
    """
    tokens = sorted(set(fold(name).split()))
    if len(tokens) == 1:
        return {tokens[0][:3] + "|"}
    return {f"{a[:3]}|{b[0]}" for a in tokens for b in tokens if a != b}
