"""Bounded caches of parsed and validated documents, so a repeated query is cheap.

Clients send the same few query texts with new variables; parsing and validating them again
costs more than executing them. Clients choose the texts, so both caches are bounded LRUs that
skip texts over :data:`MAX_CACHED_QUERY` characters (a parsed document takes about 100 bytes per
character: ~46 KiB for the customer card, ~2 MiB at the 5,000-token limit). They live per
schema (built in :func:`schema.build.build_schema`), never at module level.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.schema.schema import validate_document

__all__ = ["MAX_CACHED_QUERY", "ParsedDocuments", "ValidDocuments"]

MAX_CACHED_QUERY = 5_000  # characters; longer texts are parsed and validated every time


class ParsedDocuments:
    """A bounded LRU of parsed query texts (with their parse options).

    Unlike strawberry's ``ParserCache``, a text that does not parse is left to strawberry
    (:meth:`get` answers None), which parses it again inside its own error handling: the syntax
    error is then presented (``extensions.code``) and counted like any other."""

    def __init__(self, maxsize: int) -> None:
        self._parse: Callable[..., DocumentNode] = lru_cache(maxsize=maxsize)(parse)

    def get(self, query: str, options: Mapping[str, Any]) -> DocumentNode | None:
        if len(query) > MAX_CACHED_QUERY:
            return None
        try:
            return self._parse(query, **options)
        except Exception:  # reported by strawberry's own parse
            return None


class ValidDocuments:
    """A bounded LRU of the (schema, query text, rules) that passed validation.

    Only successes are kept: errors are fresh objects per request (the presenter edits them),
    and a refused query costs its sender a full validation every time, as it should."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()  # execute_sync may run in threads

    def validate(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        rules: Sequence[type[ASTValidationRule]],
    ) -> list[GraphQLError]:
        """Strawberry's validation of ``document`` (parsed from ``query``), or ``[]`` at once
        when the same text passed with the same rules before."""
        cacheable = query is not None and len(query) <= MAX_CACHED_QUERY
        key: Any = (schema, query, tuple(rules)) if cacheable else None
        if key is not None:
            with self._lock:
                if key in self._keys:
                    self._keys.move_to_end(key)
                    return []
        errors = validate_document(schema, document, tuple(rules))
        if key is not None and not errors:
            with self._lock:
                self._keys[key] = None
                if len(self._keys) > self._maxsize:
                    self._keys.popitem(last=False)
        return errors
