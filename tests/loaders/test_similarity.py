from __future__ import annotations

import pytest

from loaders.similarity import (
    blocking_keys,
    fold,
    handle_key,
    handle_name_similarity,
    name_similarity,
)


def test_fold_drops_accents_and_transliterates_umlauts() -> None:
    assert fold("  José  Müller-Łukasz ") == "jose mueller lukasz"
    assert fold("Chloé O'Brien") == "chloe o brien"
    assert handle_key("@Anna.Mueller_84") == "annamueller84"


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("Anna Müller", "müller, ANNA", 1.0, 1.0),
        ("Anna Müller", "Anna Mueller", 1.0, 1.0),
        ("Jose Ramirez", "José Ramírez", 1.0, 1.0),
        ("Jon Smiht", "John Smith", 0.8, 0.95),
        ("Maria Garcia", "Marai Garcia", 0.8, 0.99),
        ("Anna Schmidt", "Peter Schmidt", 0.0, 0.75),
        ("John", "John Smith", 0.0, 0.7),
        ("Alice Martin", "Bob Stone", 0.0, 0.3),
        ("", "Bob Stone", 0.0, 0.0),
    ],
)
def test_name_similarity(a: str, b: str, low: float, high: float) -> None:
    score = name_similarity(a, b)
    assert low <= score <= high
    assert name_similarity(b, a) == score


def test_typos_keep_at_least_one_blocking_key() -> None:
    for typo in ("Jon Smith", "John Smiht", "Smith John", "Jhon Smith"):
        assert blocking_keys(typo) & blocking_keys("John Smith"), typo
    assert not blocking_keys("Alice Martin") & blocking_keys("John Smith")


@pytest.mark.parametrize(
    ("handle", "name", "spelled"),
    [
        ("jsmith", "John Smith", True),
        ("john.smith84", "John Smith", True),
        ("smith_john", "John Smith", True),
        ("anna_mueller", "Anna Müller", True),
        ("trailqueen", "John Smith", False),
    ],
)
def test_handle_name_similarity(handle: str, name: str, spelled: bool) -> None:
    assert (handle_name_similarity(handle, name) >= 0.8) is spelled
