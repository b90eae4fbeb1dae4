from __future__ import annotations

import random
import re
import unicodedata

import pytest

from loaders.similarity import (
    blocking_keys,
    bounded_similarity,
    fold,
    handle_key,
    handle_name_similarity,
    name_key,
    name_similarity,
    ratio,
)


def test_fold_drops_accents_and_transliterates_umlauts() -> None:
    assert fold("  José  Müller-Łukasz ") == "jose mueller lukasz"
    assert fold("Chloé O'Brien") == "chloe o brien"
    assert handle_key("@Anna.Mueller_84") == "annamueller84"


def test_handle_key_is_the_folded_handle_without_spaces() -> None:
    """Its ASCII shortcut (no fold, no cache) gives what folding gives, on odd handles too."""
    rng = random.Random(5)
    alphabet = "aZ09 ._-@!#\t\n" + "äöüßéøłÅ"
    handles = ["", " ", "__", "@x", "A..b", "Ünal_9", "łukasz", "ß"]
    handles += ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(5_000)]
    for handle in handles:
        assert handle_key(handle) == fold(handle).replace(" ", ""), repr(handle)


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
    assert (handle_name_similarity(handle, name, 0.8) >= 0.8) is spelled


def test_bounded_similarity_is_the_ratio_wherever_that_reaches_the_floor() -> None:
    """The cheap bounds (lengths, common characters, the indel distance) may only drop pairs
    below the floor; a ratio exactly at the floor must survive them (rounding)."""
    rng = random.Random(8)
    letters = "aeinorst ü"
    keys = [name_key("Noh Krüger"), name_key("Noémie Krüger")]  # ratio exactly 0.8
    keys += ["".join(rng.choice(letters) for _ in range(rng.randint(0, 14))) for _ in range(400)]
    checked = at_floor = 0
    for a in keys:
        for b in [*rng.sample(keys, 60), keys[1] if a == keys[0] else a[::-1]]:
            for floor in (0.5, 0.8):
                exact = ratio(a, b)
                bounded = bounded_similarity(a, b, floor)
                if exact >= floor:
                    assert bounded == exact, (a, b)
                    at_floor += exact == floor
                else:
                    assert bounded < floor, (a, b)
                checked += 1
    assert checked > 40_000 and at_floor > 0


def test_fold_of_ascii_text_equals_the_general_path() -> None:
    for text in ("  Anna O'Brien-Smith ", "ALL CAPS", "x_y.z", "", "tab\there"):
        slow = unicodedata.normalize("NFKD", text.lower())
        assert fold(text) == re.sub(r"[^a-z0-9]+", " ", slow).strip()
