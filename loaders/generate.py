"""Synthetic social-CRM data with planted structure, written in the loader's folder layout.

``generate(out_dir, size="small", seed=7)`` writes customers, profiles, communities, products,
interactions (with inline relationships), has_profile (explicit links for some profiles
only), follows, member_of, purchases and referrals, plus ``truth.json``: what was planted, so
tests and analysts can score community detection, influence, advocacy and identity resolution.

What is planted
---------------
* **communities** of very different sizes (a few owned by the brand); about 90% of follows and
  engagements stay inside the community of the person;
* **real influencers**: their posts are replied to and shared in multi-step cascades
  (RESPONDS_TO chains); half of them have modest declared follower counts;
* **inflated profiles**: the largest declared follower counts, followed mostly by inactive
  accounts, little engagement;
* **advocates** praise, review and refer (some referrals convert into purchases);
  **detractors** complain, and complaints draw negative cascades;
* customers with profiles on several platforms: some with their e-mail or phone on the
  profile, some with a handle reused across platforms or equal to their e-mail local part,
  some with only a (sometimes misspelt) name; families sharing an e-mail; namesakes.

Same seed and size → the same bytes.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TextIO

from loaders.similarity import fold

__all__ = ["SIZES", "GeneratedCounts", "generate"]


@dataclass(frozen=True, slots=True)
class _Size:
    customers: int
    communities: int
    products: int


SIZES: Final[dict[str, _Size]] = {
    "tiny": _Size(200, 4, 12),  # for quick tests
    "small": _Size(1_000, 10, 40),
    "medium": _Size(20_000, 30, 150),
    "large": _Size(200_000, 100, 500),
}

_START: Final = datetime(2022, 1, 1, tzinfo=UTC)
_SPAN_S: Final = 3 * 365 * 24 * 3600
_INSIDE: Final = 0.9  # share of follows and engagements inside one's community

_FIRST = (  # noqa: SIM905 - a name pool reads best as text
    "Anna Maria Laura Sofia Emma Julia Lena Sara Clara Elena Nina Eva Mia Lea Paula Marta "
    "Alice Chloé Zoë Renée Inès Léa Noémie Agnès Hélène Maëlle Ana Lucía Inés Sofía Begoña "
    "Olga Irina Kasia Zofia Ingrid Astrid Sigrid Björk Aoife Siobhan Priya Aisha Fatima Mei "
    "Yuki Hana Amara Nadia Leila Rosa Carmen Pilar Greta Heidi Ilse Jana Petra Vera "
    "John James Peter Paul Mark Thomas Lukas Jonas Felix Max Leon Noah Elias Ben David "
    "Daniel Michael Andreas Stefan Tobias Jan Tim Erik Oskar Hugo Louis Théo Jérôme Rémi "
    "François Loïc José Jesús Martín Álvaro Íñigo Raúl Sergio Pablo Diego Marco Luca Matteo "
    "Giorgio Piotr Łukasz Paweł Tomasz Björn Sören Jürgen Günther Mikko Lars Nils Sean Liam "
    "Arjun Rahul Omar Yusuf Kenji Hiro Wei Chen Kwame Tariq Mateus João Rui Hamid Ivan Dmitri"
).split()
_LAST = (  # noqa: SIM905
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Krause Meier Lehmann Köhler Maier Herrmann König Walter Huber "
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefèvre Michel García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez "
    "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Torres Domínguez Vázquez "
    "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
    "Conti Costa Giordano Mancini Rizzo Lombardi Nowak Kowalski Wiśniewski Wójcik Kowalczyk "
    "Kamiński Lewandowski Zieliński Szymański Smith Johnson Williams Brown Jones Miller Davis "
    "Wilson Anderson Taylor Moore Jackson White Harris Clark Lewis Walker Hall Allen Young "
    "King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips "
    "Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Andersson Johansson Karlsson Nilsson Eriksson Larsson "
    "Olsen Hansen Jensen Nielsen Virtanen Korhonen Nguyen Tran Pham Kim Lee Park Choi Tanaka "
    "Suzuki Sato Watanabe Yamamoto Singh Kumar Sharma Patel Gupta Khan Ali Hassan Ahmed Silva "
    "Santos Oliveira Souza Pereira Almeida Ferreira Carvalho Gomes Ribeiro O'Brien Byrne Walsh"
).split()
_TOPICS = (  # noqa: SIM905
    "running cycling hiking yoga climbing swimming skiing tennis camping fitness surfing "
    "football basketball golf triathlon rowing kayaking snowboarding skating boxing"
).split()
_ITEMS = ("shoe", "jacket", "bag", "watch", "bottle", "shirt", "tights", "cap", "pack", "tent")
_ADJECTIVES = ("Pro", "Lite", "Trail", "Urban", "Storm", "Aero", "Summit", "Core", "Flex", "Max")
_PLATFORMS = ("x", "instagram", "facebook", "linkedin", "tiktok", "reddit", "forum", "reviews")
_COMMUNITY_PLATFORMS = ("facebook", "reddit", "forum", "instagram", "x")
_DOMAINS = ("gmail.com", "web.de", "outlook.com", "yahoo.com", "proton.me", "gmx.net")
_SEGMENTS = ("regular", "vip", "prospect", "regular", "regular", "lapsed")
_POSITIVE = ("Love my new {p}!", "The {p} is brilliant", "Best {p} I ever had", "Go get the {p}")
_NEGATIVE = ("My {p} broke after a week", "Never again, {p} is junk", "Still waiting for a refund")
_NEUTRAL = ("Out on a long session today", "Anyone tried the {p}?", "Weekend plans", "New route")


@dataclass(slots=True)
class GeneratedCounts:
    """Rows written per file."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


@dataclass(slots=True)
class _Customer:
    id: str
    first: str
    last: str
    email: str | None
    phone: str | None
    community: int
    handle_base: str
    role: str = "normal"  # normal, advocate, detractor

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(slots=True)
class _Profile:
    id: str
    platform: str
    handle: str
    display_name: str | None
    community: int  # -1: an inactive account with no community
    owner: int = -1  # customer index
    email: str | None = None
    phone: str | None = None
    followers: int = 0
    role: str = "normal"  # normal, influencer, inflated, bot


def _ts(rng: random.Random, lo: int = 0, hi: int = _SPAN_S) -> int:
    return rng.randrange(lo, hi)


def _iso(seconds: int) -> str:
    return (_START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ascii(text: str) -> str:
    return fold(text).replace(" ", "")


def _typo(rng: random.Random, text: str) -> str:
    """One swapped or dropped letter inside a word (never the first)."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    if text[i] == " " or text[i + 1] == " ":
        return text
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i + 1 :]


class _Writer:
    """CSV and JSONL output with fixed formatting (so the bytes depend on the seed only)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.counts = GeneratedCounts()
        self._files: list[TextIO] = []

    def csv(self, name: str, header: Sequence[str]) -> Any:
        handle = (self.out / name).open("w", encoding="utf-8", newline="")
        self._files.append(handle)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        counts = self.counts.rows
        counts[name] = 0

        class _Rows:
            @staticmethod
            def row(values: Sequence[object]) -> None:
                writer.writerow(["" if v is None else v for v in values])
                counts[name] += 1

        return _Rows()

    def close(self) -> None:
        for handle in self._files:
            handle.close()


class _Generator:
    def __init__(self, size: str, seed: int) -> None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
        self.size_name = size
        self.size = SIZES[size]
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - seeded synthetic data
        self.customers: list[_Customer] = []
        self.profiles: list[_Profile] = []
        self.community_owned: list[bool] = []
        self.community_topic: list[str] = []
        self.products_by_topic: dict[str, list[int]] = {}
        self.product_price: list[float] = []
        self.members: list[list[int]] = []  # active profile indexes per community
        self.out_dir = Path()

    # -- entities --------------------------------------------------------------------------

    def communities(self, w: _Writer) -> None:
        rows = w.csv("communities.csv", ["id", "name", "platform", "topic", "owned"])
        for g in range(self.size.communities):
            topic = _TOPICS[g % len(_TOPICS)]
            owned = g % 5 == 0
            kind = "Official" if owned else self.rng.choice(("Club", "Crew", "Fans", "Circle"))
            name = f"{topic.title()} {kind} {g // len(_TOPICS) + 1}"
            platform = "forum" if owned else _COMMUNITY_PLATFORMS[g % len(_COMMUNITY_PLATFORMS)]
            rows.row([f"g{g:03d}", name, platform, topic, "true" if owned else "false"])
            self.community_owned.append(owned)
            self.community_topic.append(topic)
        self.members = [[] for _ in range(self.size.communities)]

    def products(self, w: _Writer) -> None:
        rows = w.csv("products.csv", ["id", "name", "category", "price"])
        for d in range(self.size.products):
            topic = self.community_topic[d % len(self.community_topic)]
            item = self.rng.choice(_ITEMS)
            price = round(self.rng.uniform(15, 400), 2)
            name = f"{self.rng.choice(_ADJECTIVES)} {topic.title()} {item.title()} {d}"
            rows.row([f"d{d:04d}", name, item, price])
            self.products_by_topic.setdefault(topic, []).append(d)
            self.product_price.append(price)

    def _community_weights(self) -> list[float]:
        weights = [1.0 / (k + 1) ** 0.9 for k in range(self.size.communities)]
        self.rng.shuffle(weights)
        total = 0.0
        cumulative = []
        for x in weights:
            total += x
            cumulative.append(total)
        return cumulative

    def customers_(self, w: _Writer) -> None:
        rng = self.rng
        cum = self._community_weights()
        communities = range(self.size.communities)
        rows = w.csv(
            "customers.csv",
            ["id", "name", "email", "phone", "segment", "lifetimeValue", "createdAt"],
        )
        n = self.size.customers
        for i in range(n):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            community = rng.choices(communities, cum_weights=cum)[0]
            number = rng.randrange(10, 9999)
            base = _ascii(first) + _ascii(last)
            style = rng.random()
            if style < 0.5:
                local = f"{_ascii(first)}.{_ascii(last)}{number}"
            elif style < 0.8:
                local = f"{_ascii(first)[0]}{_ascii(last)}{number}"
            else:
                local = f"{_ascii(last)}.{_ascii(first)}{number % 100:02d}"
            email: str | None = f"{local}@{rng.choice(_DOMAINS)}"
            if rng.random() < 0.08:
                email = None
            phone = f"+49 15{i:08d}" if rng.random() < 0.6 else None
            handle_base = f"{base}{number}" if rng.random() < 0.8 else f"{base}_{number % 97}"
            c = _Customer(f"cu{i:06d}", first, last, email, phone, community, handle_base)
            if i > 0 and rng.random() < 0.03:
                # A family: same surname, same e-mail address and community as the previous one.
                prev = self.customers[-1]
                c.last, c.email, c.community = prev.last, prev.email, prev.community
            elif i > 0 and rng.random() < 0.02:
                # A near-namesake of someone else (Maria / Mario García).
                other = self.customers[rng.randrange(len(self.customers))]
                c.first, c.last = _typo(rng, other.first), other.last
            r = rng.random()
            c.role = "advocate" if r < 0.08 else "detractor" if r < 0.12 else "normal"
            self.customers.append(c)
            rows.row(
                [
                    c.id,
                    c.name,
                    c.email,
                    phone,
                    rng.choice(_SEGMENTS),
                    round(rng.paretovariate(1.5) * 50, 2),
                    _iso(_ts(rng, 0, _SPAN_S // 2)),
                ]
            )

    def _add_profile(self, p: _Profile) -> int:
        self.profiles.append(p)
        if p.community >= 0:
            self.members[p.community].append(len(self.profiles) - 1)
        return len(self.profiles) - 1

    def profiles_(self) -> None:
        rng = self.rng
        # Owned profiles: 0-3 platforms per customer, with evidence of various strength.
        for ci, c in enumerate(self.customers):
            k = rng.choices((0, 1, 2, 3), weights=(30, 35, 22, 13))[0]
            consistent = rng.random() < 0.6
            for platform in rng.sample(_PLATFORMS, k):
                handle = c.handle_base if consistent else f"{c.handle_base}_{platform[:2]}"
                r = rng.random()
                if r < 0.1 and c.email:
                    handle = c.email.split("@")[0]
                display: str | None = c.name
                r = rng.random()
                if r < 0.12:
                    display = _typo(rng, c.name)
                elif r < 0.2:
                    display = None
                p = _Profile(
                    f"pr{len(self.profiles):07d}",
                    platform,
                    handle,
                    display,
                    c.community,
                    owner=ci,
                    email=c.email if rng.random() < 0.35 else None,
                    phone=c.phone if rng.random() < 0.12 else None,
                )
                self._add_profile(p)
        # People who are not customers (yet), and inactive accounts.
        cum = self._community_weights()
        communities = range(self.size.communities)
        for _ in range(self.size.customers):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            handle = f"{_ascii(first)}_{_ascii(last)}_{rng.randrange(1000, 99999)}"
            p = _Profile(
                f"pr{len(self.profiles):07d}",
                rng.choice(_PLATFORMS),
                handle,
                f"{first} {last}" if rng.random() < 0.85 else None,
                rng.choices(communities, cum_weights=cum)[0],
            )
            if rng.random() < 0.1:
                p.email = f"{handle}@people.example.net"
            self._add_profile(p)
        for _ in range(self.size.customers // 4):
            p = _Profile(
                f"pr{len(self.profiles):07d}",
                rng.choice(("x", "instagram", "tiktok")),
                f"user{rng.randrange(10**7, 10**8)}",
                None,
                -1,
                role="bot",
            )
            p.followers = rng.randrange(0, 15)
            self._add_profile(p)
        # Declared follower counts: power law; influencers and inflated profiles planted.
        active = [i for i, p in enumerate(self.profiles) if p.role != "bot"]
        for i in active:
            self.profiles[i].followers = min(int(20 * rng.paretovariate(1.2)), 60_000)
        n_infl = max(6, len(active) // 100)
        per_community = [rng.sample(m, min(len(m), 2)) for m in self.members if m]
        chosen: list[int] = [i for group in per_community for i in group[:1]]
        pool = [i for i in active if i not in set(chosen)]
        chosen += rng.sample(pool, max(0, n_infl - len(chosen)))
        for k, i in enumerate(chosen[:n_infl]):
            p = self.profiles[i]
            p.role = "influencer"
            p.followers = rng.randrange(500, 5_000) if k % 2 else rng.randrange(20_000, 150_000)
        n_inflated = max(4, len(active) // 200)
        rest = [i for i in active if self.profiles[i].role == "normal"]
        for i in rng.sample(rest, n_inflated):
            p = self.profiles[i]
            p.role = "inflated"
            p.followers = rng.randrange(400_000, 3_000_000)

    def write_profiles(self, w: _Writer) -> None:
        rng = self.rng
        rows = w.csv(
            "profiles.csv",
            [
                "id",
                "platform",
                "handle",
                "displayName",
                "email",
                "phone",
                "followers",
                "verified",
                "createdAt",
            ],
        )
        for p in self.profiles:
            verified = p.role in ("influencer", "inflated") and rng.random() < 0.5
            rows.row(
                [
                    p.id,
                    p.platform,
                    p.handle,
                    p.display_name,
                    p.email,
                    p.phone,
                    p.followers,
                    "true" if verified else "false",
                    _iso(_ts(rng, 0, _SPAN_S // 2)),
                ]
            )

    # -- relationships ---------------------------------------------------------------------

    def _weights(self) -> list[list[float]]:
        """Cumulative attractiveness of each community's members (influencers draw follows)."""
        out = []
        for members in self.members:
            total, cum = 0.0, []
            for i in members:
                role = self.profiles[i].role
                total += 30.0 if role == "influencer" else 3.0 if role == "inflated" else 1.0
                cum.append(total)
            out.append(cum)
        return out

    def _pick(self, community: int, cum: list[list[float]], k: int = 1) -> list[int]:
        rng = self.rng
        if rng.random() > _INSIDE:
            community = rng.randrange(self.size.communities)
        members = self.members[community]
        if not members:
            return []
        return rng.choices(members, cum_weights=cum[community], k=k)

    def follows(self, w: _Writer) -> None:
        rng = self.rng
        rows = w.csv("follows.csv", ["follower", "followed", "since"])
        cum = self._weights()
        inflated = [i for i, p in enumerate(self.profiles) if p.role == "inflated"]
        for i, p in enumerate(self.profiles):
            targets: list[int] = []
            if p.role == "bot":
                targets = rng.sample(inflated, min(len(inflated), rng.randrange(1, 4)))
            else:
                n = min(int(rng.paretovariate(1.7) * 2.2), 150)
                for _ in range(n):
                    targets += self._pick(p.community, cum)
            for t in dict.fromkeys(targets):
                if t != i:
                    rows.row([p.id, self.profiles[t].id, _iso(_ts(rng))])

    def members_(self, w: _Writer) -> None:
        rng = self.rng
        rows = w.csv("member_of.csv", ["member", "memberType", "community", "role", "joinedAt"])
        for p in self.profiles:
            if p.community < 0:
                continue
            if rng.random() < 0.6:
                role = "moderator" if p.role == "influencer" and rng.random() < 0.5 else "member"
                rows.row([p.id, "profile", f"g{p.community:03d}", role, _iso(_ts(rng))])
            if rng.random() < 0.08:
                other = rng.randrange(self.size.communities)
                if other != p.community:
                    rows.row([p.id, "profile", f"g{other:03d}", "member", _iso(_ts(rng))])
        for c in self.customers:
            if self.community_owned[c.community] and rng.random() < 0.5:
                rows.row([c.id, "customer", f"g{c.community:03d}", "member", _iso(_ts(rng))])

    def _product(self, community: int) -> int:
        rng = self.rng
        topic = self.community_topic[community]
        local = self.products_by_topic.get(topic)
        if local and rng.random() < 0.8:
            return rng.choice(local)
        return rng.randrange(self.size.products)

    def commerce(self, w: _Writer) -> dict[int, list[int]]:
        """Purchases and referrals; returns each customer's products (for reviews)."""
        rng = self.rng
        bought: dict[int, dict[int, tuple[int, int]]] = {}
        for ci, c in enumerate(self.customers):
            n = rng.choices((0, 1, 2, 3, 4), weights=(10, 40, 25, 15, 10))[0]
            if c.role == "advocate":
                n += 2
            for _ in range(n):
                d = self._product(c.community)
                count, _ = bought.setdefault(ci, {}).get(d, (0, 0))
                bought[ci][d] = (count + rng.randrange(1, 3), _ts(rng))
        referrals = w.csv("referrals.csv", ["referrer", "referred", "at", "converted"])
        by_community: dict[int, list[int]] = {}
        for ci, c in enumerate(self.customers):
            by_community.setdefault(c.community, []).append(ci)
        for ci, c in enumerate(self.customers):
            if c.role != "advocate":
                continue
            referred: set[int] = {ci}
            for _ in range(rng.randrange(1, 5)):
                group = by_community[c.community] if rng.random() < 0.7 else None
                friend = rng.choice(group) if group else rng.randrange(len(self.customers))
                if friend in referred:
                    continue
                referred.add(friend)
                at = _ts(rng)
                converted = rng.random() < 0.5
                if converted and bought.get(ci):
                    d = sorted(bought[ci])[0]
                    count, _ = bought.setdefault(friend, {}).get(d, (0, 0))
                    bought[friend][d] = (count + 1, min(at + 86_400 * 3, _SPAN_S - 1))
                referrals.row(
                    [c.id, self.customers[friend].id, _iso(at), "true" if converted else "false"]
                )
        rows = w.csv("purchases.csv", ["customer", "product", "at", "amount", "count"])
        for ci in sorted(bought):
            for d in sorted(bought[ci]):
                count, at = bought[ci][d]
                amount = round(self.product_price[d] * count, 2)
                rows.row([self.customers[ci].id, f"d{d:04d}", _iso(at), amount, count])
        return {ci: sorted(ds) for ci, ds in bought.items()}

    def interactions(self, w: _Writer, bought: dict[int, list[int]]) -> None:
        rng = self.rng
        handle = (self.out_dir / "interactions.jsonl").open("w", encoding="utf-8", newline="")
        count = 0
        cum = self._weights()

        def emit(record: dict[str, Any]) -> str:
            nonlocal count
            iid = f"in{count:07d}"
            count += 1
            handle.write(json.dumps({"id": iid, **record}, ensure_ascii=False) + "\n")
            return iid

        def cascade(
            parent: str, author: _Profile, at: int, mood: float, depth: int, fan: float
        ) -> None:
            if depth > 5:
                return
            for _ in range(int(fan) + (1 if rng.random() < fan - int(fan) else 0)):
                picks = self._pick(author.community if author.community >= 0 else 0, cum)
                if not picks:
                    continue
                responder = self.profiles[picks[0]]
                if responder.role in ("bot", "inflated"):
                    continue  # inflated audiences do not engage
                when = min(at + rng.randrange(60, 86_400), _SPAN_S + 86_400 * 30)
                kind = "share" if rng.random() < 0.4 else "reply"
                sentiment = max(-1.0, min(1.0, round(mood + rng.uniform(-0.3, 0.3), 2)))
                reply: dict[str, Any] = {
                    "kind": kind,
                    "channel": responder.platform,
                    "sentiment": sentiment,
                    "occurredAt": _iso(when),
                    "actor": responder.id,
                    "respondsTo": parent,
                }
                if responder.community >= 0:
                    reply["in"] = f"g{responder.community:03d}"
                child = emit(reply)
                cascade(child, responder, when, mood, depth + 1, fan * 0.45)

        for pi, p in enumerate(self.profiles):
            if p.role == "bot":
                continue
            owner = self.customers[p.owner] if p.owner >= 0 else None
            role = owner.role if owner is not None else "normal"
            posts = {"influencer": rng.randrange(8, 20), "inflated": rng.randrange(3, 8)}.get(
                p.role, rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]
            )
            for _ in range(posts):
                at = _ts(rng)
                product = (
                    rng.choice(bought[p.owner])
                    if owner is not None and bought.get(p.owner)
                    else self._product(p.community)
                )
                if role == "advocate" and rng.random() < 0.7:
                    kind = rng.choice(("praise", "review", "post"))
                    mood = rng.uniform(0.5, 1.0)
                    text = rng.choice(_POSITIVE)
                elif role == "detractor" and rng.random() < 0.7:
                    kind, mood, text = "complaint", rng.uniform(-1.0, -0.5), rng.choice(_NEGATIVE)
                else:
                    kind, mood, text = "post", rng.uniform(-0.2, 0.5), rng.choice(_NEUTRAL)
                record: dict[str, Any] = {
                    "kind": kind,
                    "channel": p.platform,
                    "sentiment": round(mood, 2),
                    "text": text.format(p=f"product d{product:04d}"),
                    "occurredAt": _iso(at),
                    "actor": p.id,
                    "in": f"g{p.community:03d}",
                }
                if kind != "post" or rng.random() < 0.3:
                    record["about"] = [f"d{product:04d}"]
                if rng.random() < 0.15:
                    picked = dict.fromkeys(self._pick(p.community, cum, 2))
                    mentioned = [self.profiles[t].id for t in picked if t != pi]
                    if mentioned:
                        record["mentions"] = mentioned
                iid = emit(record)
                fan = {"influencer": 3.2, "inflated": 0.15}.get(p.role, 0.5)
                if kind == "complaint":
                    fan = max(fan, 1.8)
                cascade(iid, p, at, mood, 1, fan)
        # Customers' own channels: support cases and web reviews.
        for ci, c in enumerate(self.customers):
            if c.role == "detractor" or rng.random() < 0.05:
                emit(
                    {
                        "kind": "support_case",
                        "channel": "email",
                        "sentiment": round(rng.uniform(-0.9, -0.2), 2),
                        "occurredAt": _iso(_ts(rng)),
                        "actor": c.id,
                        "actorType": "customer",
                        **({"about": [f"d{bought[ci][0]:04d}"]} if bought.get(ci) else {}),
                    }
                )
            if c.role == "advocate" and bought.get(ci):
                emit(
                    {
                        "kind": "review",
                        "channel": "web",
                        "sentiment": round(rng.uniform(0.6, 1.0), 2),
                        "text": "Great quality, would buy again",
                        "occurredAt": _iso(_ts(rng)),
                        "actor": c.id,
                        "actorType": "customer",
                        "about": [f"d{bought[ci][-1]:04d}"],
                    }
                )
        handle.close()
        w.counts.rows["interactions.jsonl"] = count

    def has_profile(self, w: _Writer) -> None:
        rng = self.rng
        rows = w.csv("has_profile.csv", ["customer", "profile", "confidence", "method", "status"])
        for p in self.profiles:
            if p.owner >= 0 and rng.random() < 0.3:
                rows.row([self.customers[p.owner].id, p.id, 1.0, "manual", "confirmed"])

    def truth(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "size": self.size_name,
            "profile_community": {
                p.id: f"g{p.community:03d}" for p in self.profiles if p.community >= 0
            },
            "customer_community": {c.id: f"g{c.community:03d}" for c in self.customers},
            "real_influencers": [p.id for p in self.profiles if p.role == "influencer"],
            "inflated_profiles": [p.id for p in self.profiles if p.role == "inflated"],
            "advocates": [c.id for c in self.customers if c.role == "advocate"],
            "detractors": [c.id for c in self.customers if c.role == "detractor"],
            "profile_owner": {
                p.id: self.customers[p.owner].id for p in self.profiles if p.owner >= 0
            },
        }

    def run(self, out_dir: Path) -> GeneratedCounts:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        w = _Writer(out_dir)
        try:
            self.communities(w)
            self.products(w)
            self.customers_(w)
            self.profiles_()
            self.write_profiles(w)
            self.has_profile(w)
            self.follows(w)
            self.members_(w)
            bought = self.commerce(w)
            self.interactions(w, bought)
        finally:
            w.close()
        text = json.dumps(self.truth(), ensure_ascii=False, indent=1, sort_keys=False)
        (out_dir / "truth.json").write_text(text + "\n", encoding="utf-8")
        return w.counts


def generate(out_dir: str | Path, size: str = "small", seed: int = 7) -> GeneratedCounts:
    """Write a synthetic data set of ``size`` (small ≈ 1k customers, medium ≈ 20k, large ≈ 200k)
    into ``out_dir`` in the loader's layout, with ``truth.json`` beside it.

    Raises
    ------
    ValueError
        ``size`` is not one of :data:`SIZES`.
    """
    return _Generator(size, seed).run(Path(out_dir))
