"""Keyset paging shared by the adapters: cursors, field names, the window of one page request.

Both stores order by ``(key IS NULL), key, id`` (nulls last in the user's order, ties broken by
id) and encode a row's position as an opaque cursor: base64url of ``[order, desc, key, id]``.
A cursor made for one ordering is refused for another.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any, Final, Generic, TypeVar

from graph_api.errors import InvalidInput, Problem
from graph_api.store.base import NodeQuery, Page, PageRequest

__all__ = [
    "DEFAULT_PAGE",
    "FIELD_RE",
    "MAX_PAGE",
    "Window",
    "canonical_json",
    "check_field",
    "decode_cursor",
    "encode_cursor",
]

T = TypeVar("T")

FIELD_RE: Final = re.compile(r"(scores\.)?[A-Za-z][A-Za-z0-9_]{0,63}")
"""A query field: a property name, or ``scores.<name>``. Always matched with fullmatch."""
DEFAULT_PAGE: Final = 100
MAX_PAGE: Final = 10_000

_ENCODER: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(props: Mapping[str, Any]) -> str:
    """One text per value, so that comparing texts compares properties."""
    return _ENCODER.encode(props) if props else "{}"


def check_field(name: str) -> str:
    """``name`` if it is a valid query field, else InvalidInput saying what is allowed."""
    if name != "id" and not FIELD_RE.fullmatch(name):
        raise InvalidInput(
            f"{name!r} is not a field name",
            [Problem("query", name, "use letters, digits and _ (scores.<name> for scores)")],
        )
    return name


def encode_cursor(order: str, desc: bool, key: Any, node_id: str) -> str:
    raw = json.dumps([order, desc, key, node_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, desc: bool) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        c_order, c_desc, key, node_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidInput(
            "cursor is not valid", [Problem("page", "cursor", "use a cursor this API returned")]
        ) from exc
    if c_order != order or c_desc != desc or not isinstance(node_id, str):
        raise InvalidInput(
            "cursor belongs to another ordering",
            [Problem("page", "cursor", f"it was made for order {c_order!r}, not {order!r}")],
        )
    return key, node_id


class Window(Generic[T]):
    """One ordering and page request: which way to scan, how many rows, the page it makes.

    ``first``/``after`` scans forwards; ``last``/``before`` scans the reversed order and the page
    is turned round. ``after`` (the bound in scanning order) and ``other_bound`` (the far end)
    are the cursors to apply; adapters turn them into their own query language.
    """

    def __init__(self, query: NodeQuery, page: PageRequest) -> None:
        if page.first is not None and page.last is not None:
            raise InvalidInput(
                "first and last together", [Problem("page", "first/last", "give one of them")]
            )
        for name, value in (("first", page.first), ("last", page.last)):
            if value is not None and not 0 <= value <= MAX_PAGE:
                raise InvalidInput(
                    f"{name} out of range", [Problem("page", name, f"must be 0..{MAX_PAGE}")]
                )
        self.backward = page.last is not None or (page.before is not None and page.first is None)
        size = page.last if self.backward else page.first
        self.limit = DEFAULT_PAGE if size is None else size
        self.order = check_field(query.order_by)
        self.desc = query.descending
        self.scan_desc = self.desc != self.backward
        self.after = page.before if self.backward else page.after
        self.other_bound = page.after if self.backward else page.before

    def page(self, rows: list[tuple[Any, T, str]], total: int) -> Page[T]:
        """``rows``: (sort key, item, item id) in scanning order, up to ``limit + 1``."""
        more = len(rows) > self.limit
        rows = rows[: self.limit]
        if self.backward:
            rows.reverse()
        items = [item for _, item, _ in rows]
        cursors = [encode_cursor(self.order, self.desc, key, i) for key, _, i in rows]
        if self.backward:
            # rows after the page exist when it was cut off by a `before` cursor
            return Page(items, cursors, self.after is not None, more, total)
        return Page(items, cursors, more, self.after is not None, total)
