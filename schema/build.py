"""Composition of the schema: Query and Mutation are merged from per-area classes.

To add an area (e.g. analytics), write ``schema/analytics.py`` with ``AnalyticsQueries`` /
``AnalyticsMutations`` strawberry types and append them to :data:`QUERY_AREAS` /
:data:`MUTATION_AREAS`; then regenerate the SDL (``python -m schema``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph_api.config import Settings
from graph_api.errors import GraphApiError
from schema.analytics import AnalyticsMutations, AnalyticsQueries
from schema.caches import parser_cache_factory
from schema.guards import guard_factory, metrics_factory, presenter_factory
from schema.metrics import Metrics
from schema.mutations import GraphMutations
from schema.queries import (
    CommunityQueries,
    CustomerQueries,
    InteractionQueries,
    NodeQueries,
    ProductQueries,
    ProfileQueries,
)

__all__ = ["MUTATION_AREAS", "QUERY_AREAS", "SDL_PATH", "GraphSchema", "build_schema", "sdl"]

log = logging.getLogger("graph_api.graphql")

QUERY_AREAS: list[type] = [
    NodeQueries,
    CustomerQueries,
    ProfileQueries,
    CommunityQueries,
    ProductQueries,
    InteractionQueries,
    AnalyticsQueries,
]
MUTATION_AREAS: list[type] = [GraphMutations, AnalyticsMutations]

SDL_PATH = Path(__file__).with_name("schema.graphql")
_PARSED_DOCUMENTS = 128  # query texts kept parsed, per schema (see schema.caches)


class GraphSchema(strawberry.Schema):
    """Logs only unexpected errors (with their traceback); users' mistakes are not news."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, GraphApiError | GraphQLError):
                continue
            log.error("unexpected error in %s", error.path, exc_info=original)


def build_schema(
    settings: Settings | None = None,
    *,
    metrics: Metrics | None = None,
    query_areas: list[type] | None = None,
    mutation_areas: list[type] | None = None,
) -> GraphSchema:
    """The schema; with settings, the guards, limits and error presentation they ask for."""
    query: Any = merge_types("Query", tuple(query_areas or QUERY_AREAS))
    mutation: Any = merge_types("Mutation", tuple(mutation_areas or MUTATION_AREAS))
    extensions: list[Any] = []
    if settings is not None:
        s = settings
        # Rule classes built once: the guard's validation cache keys on them.
        limit_rules = (
            *QueryDepthLimiter(max_depth=s.max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=s.max_aliases).validation_rules,
        )
        extensions = [
            presenter_factory(s.debug),
            lambda: MaxTokensLimiter(max_token_count=s.max_tokens),
            parser_cache_factory(_PARSED_DOCUMENTS),
            guard_factory(s, limit_rules),
        ]
        if not s.introspection:
            extensions.append(DisableIntrospection)
        if metrics is not None:
            extensions.insert(0, metrics_factory(metrics))
    ext: list[type[SchemaExtension] | Any] = extensions
    return GraphSchema(query=query, mutation=mutation, extensions=ext)


def sdl() -> str:
    """The schema's SDL, as exported to ``schema/schema.graphql``."""
    return build_schema().as_str() + "\n"
