"""Composition of the schema: Query and Mutation are merged from per-area classes.

To add an area (e.g. analytics), write ``schema/analytics.py`` with ``AnalyticsQueries`` /
``AnalyticsMutations`` strawberry types and append them to :data:`QUERY_AREAS` /
:data:`MUTATION_AREAS`; then regenerate the SDL (``python -m schema``).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLResolveInfoHelpers
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from graph_api.config import Settings
from graph_api.errors import GraphApiError
from schema.analytics import AnalyticsMutations, AnalyticsQueries
from schema.guards import operation_extension
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


class _NameConverter(NameConverter):
    """strawberry's names; an argument's is remembered, because strawberry asks for it on every
    resolver call (camel-casing each argument of each resolved field, on every request)."""

    def __init__(self) -> None:
        super().__init__()
        self._arguments: dict[StrawberryArgument, str] = {}

    def from_argument(self, argument: StrawberryArgument) -> str:
        name = self._arguments.get(argument)
        if name is None:
            name = self._arguments[argument] = super().from_argument(argument)
        return name


class _AcyclicExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, without graphql-core's reference cycle.

    graphql-core's executor keeps resolver helpers made of its own bound methods: a cycle that
    holds everything the operation built (field plans, the context and its loaders, the data),
    about 300 objects per customer card, which only the cyclic GC frees. It then ran every few
    requests and, with requests in flight, promoted their objects to older generations, whose
    collections are slower. The same helpers over a weak reference to the executor leave no
    cycle: a request's objects go with their last reference, as the plain endpoint's do.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(getattr(self, "async_helpers", None), GraphQLResolveInfoHelpers):
            executor = weakref.ref(self)  # alive while its operation runs, the helpers' users

            def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
                alive = executor()
                assert alive is not None
                return alive.gather_async_work(values)

            def track(values: Sequence[Any]) -> None:
                alive = executor()
                if alive is not None:
                    alive.track_async_work(values)

            self.async_helpers = GraphQLResolveInfoHelpers(gather=gather, track=track)


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


_BASIC = "_get_basic_result"


def _attribute(name: str) -> Any:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, name)

    resolve._is_default = True  # type: ignore[attr-defined]  # as strawberry marks its own
    return resolve


def _resolve_plain_fields_by_attribute(schema: GraphSchema) -> None:
    """Fields without a resolver read the attribute, as strawberry's own resolver for them
    does (``getattr``, the default resolver) minus its three calls per field: most of the ~90
    fields of a customer card are such. Left alone: any field with a resolver, an extension,
    an exception handler or a field class of its own, and every field when the schema has
    another default resolver."""
    if schema.config.default_resolver is not getattr:
        return
    names = schema.config.name_converter
    for concrete in schema.schema_converter.type_map.values():
        definition, implementation = concrete.definition, concrete.implementation
        if not isinstance(definition, StrawberryObjectDefinition) or not isinstance(
            implementation, GraphQLObjectType
        ):
            continue
        for field in definition.fields:
            if type(field) is not StrawberryField or not field.is_basic_field:
                continue
            graphql_field = implementation.fields.get(names.get_graphql_name(field))
            # strawberry's resolver for a field that only reads the attribute (none when the
            # field has exception handlers, which wrap it)
            resolve = graphql_field.resolve if graphql_field is not None else None
            if graphql_field is not None and getattr(resolve, "__name__", "") == _BASIC:
                graphql_field.resolve = _attribute(field.python_name)


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
    extensions: list[type[SchemaExtension]] = []
    if settings is not None:
        s = settings
        # Rule classes built once: the guard's validation cache keys on them.
        limit_rules = (
            *QueryDepthLimiter(max_depth=s.max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=s.max_aliases).validation_rules,
        )
        extensions = [
            operation_extension(s, limit_rules, metrics, parsed_documents=_PARSED_DOCUMENTS)
        ]
    config = StrawberryConfig(name_converter=_NameConverter())
    schema = GraphSchema(
        query=query,
        mutation=mutation,
        extensions=extensions,
        config=config,
        execution_context_class=_AcyclicExecutionContext,
    )
    _resolve_plain_fields_by_attribute(schema)
    return schema


def sdl() -> str:
    """The schema's SDL, as exported to ``schema/schema.graphql``."""
    return build_schema().as_str() + "\n"
