"""The synthetic data set: deterministic bytes, the truth file, and the planted structure."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from loaders.generate import generate


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "small"
    generate(out, size="small", seed=11)
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_seed_same_bytes_other_seed_other_bytes(small: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", size="small", seed=11)
    generate(tmp_path / "other", size="small", seed=12)
    names = sorted(p.name for p in small.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "again").iterdir())
    for name in names:
        assert (small / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    assert (small / "follows.csv").read_bytes() != (tmp_path / "other" / "follows.csv").read_bytes()


def test_layout_and_truth_keys(small: Path) -> None:
    assert sorted(p.name for p in small.iterdir()) == [
        "communities.csv",
        "customers.csv",
        "follows.csv",
        "has_profile.csv",
        "interactions.jsonl",
        "member_of.csv",
        "products.csv",
        "profiles.csv",
        "purchases.csv",
        "referrals.csv",
        "truth.json",
    ]
    truth = json.loads((small / "truth.json").read_text(encoding="utf-8"))
    assert list(truth) == [
        "seed",
        "size",
        "profile_community",
        "customer_community",
        "real_influencers",
        "inflated_profiles",
        "advocates",
        "detractors",
        "profile_owner",
    ]
    assert (truth["seed"], truth["size"]) == (11, "small")
    customers = _csv(small / "customers.csv")
    assert 900 <= len(customers) <= 1_100
    assert set(truth["customer_community"]) == {c["id"] for c in customers}
    profiles = {p["id"] for p in _csv(small / "profiles.csv")}
    assert set(truth["profile_owner"]) <= profiles
    assert set(truth["profile_owner"].values()) <= {c["id"] for c in customers}
    for key in ("real_influencers", "inflated_profiles"):
        assert truth[key] and set(truth[key]) <= profiles
    assert truth["advocates"] and truth["detractors"]


def test_explicit_links_cover_only_some_owned_profiles(small: Path) -> None:
    truth = json.loads((small / "truth.json").read_text(encoding="utf-8"))
    links = _csv(small / "has_profile.csv")
    assert all(truth["profile_owner"][r["profile"]] == r["customer"] for r in links)
    assert 0.15 < len(links) / len(truth["profile_owner"]) < 0.5


def test_planted_structure(small: Path) -> None:
    truth = json.loads((small / "truth.json").read_text(encoding="utf-8"))
    community = truth["profile_community"]
    follows = _csv(small / "follows.csv")
    both = [(community.get(f["follower"]), community.get(f["followed"])) for f in follows]
    inside = [a == b for a, b in both if a and b]
    assert 0.85 < sum(inside) / len(inside) < 0.95  # clear but not trivial

    followers = {p["id"]: int(p["followers"]) for p in _csv(small / "profiles.csv")}
    inflated, influencers = truth["inflated_profiles"], truth["real_influencers"]
    biggest = sorted(followers, key=lambda p: -followers[p])[: len(inflated)]
    assert set(biggest) == set(inflated)
    assert any(followers[p] < 5_000 for p in influencers)  # influence is not reach

    interactions = _jsonl(small / "interactions.jsonl")
    actor = {i["id"]: i.get("actor") for i in interactions}
    parent = {i["id"]: i["respondsTo"] for i in interactions if "respondsTo" in i}
    received = Counter(actor[p] for p in parent.values())
    engaged_inside = [
        community.get(actor[child]) == community.get(actor[p])
        for child, p in parent.items()
        if community.get(actor[child]) and community.get(actor[p])
    ]
    assert 0.85 < sum(engaged_inside) / len(engaged_inside) < 0.97

    def depth(node: str) -> int:
        steps = 0
        while node in parent:
            node, steps = parent[node], steps + 1
        return steps

    assert max(depth(i) for i in parent) >= 3  # multi-step cascades
    mean_influencer = sum(received[p] for p in influencers) / len(influencers)
    mean_inflated = sum(received[p] for p in inflated) / len(inflated)
    assert mean_influencer > 10 * max(mean_inflated, 1.0)

    kinds = Counter(i["kind"] for i in interactions)
    assert kinds["complaint"] and kinds["praise"] and kinds["review"] and kinds["share"]
    referrals = _csv(small / "referrals.csv")
    assert {r["referrer"] for r in referrals} <= set(truth["advocates"])
    assert any(r["converted"] == "true" for r in referrals)


def test_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="size must be one of"):
        generate(tmp_path, size="huge")
