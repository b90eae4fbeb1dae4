"""The one exception tree of the service.

::

    GraphApiError                 base: every error the service means to raise
    ├── ConfigError               the settings cannot work (bad store kind, unwritable path …)
    ├── InvalidInput              a value from a user is wrong; ``problems`` says where and why
    ├── NotFound                  a node or relationship that should exist does not
    ├── Conflict                  the write contradicts what is stored or what else is written
    ├── PermissionDenied          the caller's role may not do or see this
    ├── LimitExceeded             a request is over a configured limit (depth, cost, page size)
    └── StoreError                the store failed
        └── StoreUnavailable      the store cannot be reached (retrying later may help)

Lower-level errors (sqlite3, neo4j, pydantic) are translated at the adapter boundary with
``raise X(...) from exc``; the GraphQL layer turns these into clear GraphQL errors.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "Conflict",
    "GraphApiError",
    "InvalidInput",
    "LimitExceeded",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "StoreError",
    "StoreUnavailable",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where it is, which field, and why."""

    where: str
    field: str
    reason: str

    def __str__(self) -> str:
        parts = [p for p in (self.where, self.field) if p]
        return f"{': '.join(parts)}: {self.reason}" if parts else self.reason


class GraphApiError(Exception):
    """Base of every error this service raises on purpose."""

    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(GraphApiError):
    code = "CONFIG"


class InvalidInput(GraphApiError):
    code = "INVALID_INPUT"

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n  … and {more} more" if more > 0 else ""
        return f"{self.message}\n{shown}{tail}"


class NotFound(GraphApiError):
    code = "NOT_FOUND"


class Conflict(GraphApiError):
    code = "CONFLICT"


class PermissionDenied(GraphApiError):
    code = "FORBIDDEN"


class LimitExceeded(GraphApiError):
    code = "LIMIT_EXCEEDED"


class StoreError(GraphApiError):
    code = "STORE_ERROR"


class StoreUnavailable(StoreError):
    code = "STORE_UNAVAILABLE"
