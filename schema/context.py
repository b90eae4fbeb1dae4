"""The per-request context: who is calling, the store, the settings and the DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from strawberry.fastapi import BaseContext

from graph_api.config import Role, Settings
from graph_api.errors import InvalidInput, LimitExceeded, PermissionDenied, Problem
from graph_api.store.base import GraphStore, PageRequest
from schema.loaders import Loaders

if TYPE_CHECKING:
    from strawberry.types import Info

__all__ = ["GraphContext", "Principal", "get_context", "require_role"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a role, or the reason why there is none (missing or unknown key)."""

    role: Role | None
    auth_error: str | None = None
    open_access: bool = False


class GraphContext(BaseContext):
    def __init__(self, store: GraphStore, settings: Settings, principal: Principal) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.principal = principal
        self.loaders = Loaders(store)

    @property
    def role(self) -> Role:
        if self.principal.role is None:  # guarded before execution; defensive here
            raise PermissionDenied(self.principal.auth_error or "not authenticated")
        return self.principal.role

    def page_request(
        self,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PageRequest:
        """Checked Relay window: one direction, sizes within the limit, a default size."""
        return page_request(self.settings, first, after, last, before)


def page_request(
    settings: Settings,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PageRequest:
    if first is not None and last is not None:
        reason = "give either first or last, not both"
        raise InvalidInput(reason, [Problem("", "first", reason)])
    for name, size in (("first", first), ("last", last)):
        if size is None:
            continue
        if size < 0:
            reason = f"must not be negative (got {size})"
            raise InvalidInput(f"{name}: {reason}", [Problem("", name, reason)])
        if size > settings.max_page_size:
            raise LimitExceeded(
                f"{name}: {size} is over the page size limit max_page_size={settings.max_page_size}"
            )
    if first is None and last is None:
        if before is not None and after is None:
            last = settings.default_page_size
        else:
            first = settings.default_page_size
    return PageRequest(first=first, after=after, last=last, before=before)


def get_context(info: Info[Any, Any]) -> GraphContext:
    context = info.context
    assert isinstance(context, GraphContext)
    return context


def require_role(info: Info[Any, Any], needed: Role, action: str) -> Role:
    role = get_context(info).role
    if not role.at_least(needed):
        raise PermissionDenied(f"{action} needs the {needed} role; your key has {role}")
    return role
