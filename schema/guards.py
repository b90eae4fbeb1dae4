"""The schema extension that guards and presents every operation.

:func:`operation_extension` makes it per app (it closes over the settings and the metrics):

* **Guard.** Every operation is validated before anything executes: unauthenticated callers
  are refused (401), personal-data fields are refused for roles without ``sees_pii``
  (FORBIDDEN), depth, aliases, tokens, page sizes and query cost are checked (LIMIT_EXCEEDED),
  introspection is refused when disabled. The rule classes are stable (built once per schema,
  memoised per role and per reason), so a document that passed with the same rules is not
  validated again (a bounded LRU). The cost depends on the variables that size pages, so it
  is looked up per document and per values of those variables (see :mod:`schema.limits`).
* **Presenter.** Every error gets an ``extensions.code``; the service's own
  :class:`~graph_api.errors.GraphApiError` messages are meant for users and stay visible,
  anything unexpected is masked outside debug mode.
* **Metrics.** Operations are timed for ``/metrics``.
* **Parse cache.** Query texts are parsed once (a bounded LRU, see :mod:`schema.caches`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from graph_api.config import Role, Settings
from graph_api.errors import GraphApiError, InvalidInput
from graph_api.model import PII_FIELDS
from schema.caches import ParsedDocuments, ValidDocuments
from schema.context import GraphContext
from schema.limits import CostReports
from schema.metrics import Metrics

__all__ = ["operation_extension", "present_error"]

log = logging.getLogger("graph_api.graphql")

_PII = frozenset((str(label), field) for label, fields in PII_FIELDS.items() for field in fields)
_VALID_DOCUMENTS = 512  # distinct (query, rules) pairs remembered as valid, per schema
_COST_REPORTS = 512  # distinct (query, page-size variables) costs remembered, per schema


@lru_cache(maxsize=32)  # reasons are the few fixed messages of graph_api.app.authenticate
def _unauthenticated_rule(reason: str) -> type[ValidationRule]:
    class Unauthenticated(ValidationRule):
        def enter_document(self, *_: Any) -> None:
            self.report_error(GraphQLError(reason, extensions={"code": "UNAUTHENTICATED"}))

    return Unauthenticated


@lru_cache(maxsize=16)  # one class per role
def _pii_rule(role: Role) -> type[ValidationRule]:
    class PersonalDataRule(ValidationRule):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = self.context.get_parent_type()
            if parent is not None and (parent.name, node.name.value) in _PII:
                self.report_error(
                    GraphQLError(
                        f"{parent.name}.{node.name.value} is personal data: it needs the "
                        f"marketer or admin role; your key has {role}",
                        node,
                        extensions={"code": "FORBIDDEN"},
                    )
                )

    return PersonalDataRule


def operation_extension(
    settings: Settings,
    limit_rules: Sequence[type[ASTValidationRule]] = (),
    metrics: Metrics | None = None,
    *,
    parsed_documents: int = 128,
) -> type[SchemaExtension]:
    """The one extension of a schema: guard, limits, caches, error presentation, metrics.

    One class with three hooks rather than one extension per concern: strawberry builds every
    extension and wraps every hook of it for every request, which cost more than the checks
    themselves. ``limit_rules`` (depth, aliases) are built once by the caller, so the
    validation cache can key on them.
    """
    limits = tuple(limit_rules)
    last: tuple[type[ASTValidationRule], ...] = ()
    if not settings.introspection:
        last = (NoSchemaIntrospectionCustomRule,)
    parse = ParsedDocuments(parsed_documents)
    valid_documents = ValidDocuments(_VALID_DOCUMENTS)
    costs = CostReports(settings, _COST_REPORTS)
    max_tokens = settings.max_tokens
    debug = settings.debug

    class GraphQLOperation(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            start = time.perf_counter()
            ec = self.execution_context
            ec.parse_options["max_tokens"] = max_tokens
            rules: tuple[type[ASTValidationRule], ...] = limits
            ctx = ec.context
            if isinstance(ctx, GraphContext):
                principal = ctx.principal
                if principal.role is None:
                    reason = principal.auth_error or "unauthenticated"
                    rules += (_unauthenticated_rule(reason),)
                    if ctx.response is not None:
                        ctx.response.status_code = 401
                        ctx.response.headers["WWW-Authenticate"] = "Bearer"
                elif not principal.role.sees_pii:
                    rules += (_pii_rule(principal.role),)
            ec.validation_rules = (*ec.validation_rules, *rules, *last)
            yield
            result = ec.result
            errors = getattr(result, "errors", None)
            if result is not None and errors:
                result.errors = [present_error(e, debug) for e in errors]
            if metrics is not None:
                name = ec.operation_name or "anonymous"
                metrics.observe_operation(name, time.perf_counter() - start, not errors)

        def on_parse(self) -> Iterator[None]:
            # A text that does not parse is left to strawberry, which parses it again inside
            # its own error handling: the syntax error is then presented and counted.
            ec = self.execution_context
            if ec.graphql_document is None and ec.query is not None:
                ec.graphql_document = parse.get(ec.query, ec.parse_options)
            yield

        def on_validate(self) -> Iterator[None]:
            # Errors must be set before yielding: strawberry then skips its own validation
            # (it runs only while pre_execution_errors is None) and refuses the operation.
            ec = self.execution_context
            document = ec.graphql_document
            if document is not None and ec.pre_execution_errors is None:
                schema = ec.schema._schema
                errors = valid_documents.validate(schema, ec.query, document, ec.validation_rules)
                errors += costs.errors(schema, ec.query, document, ec.variables)
                ec.pre_execution_errors = errors
            yield

    return GraphQLOperation


_LIMIT_MESSAGES = ("exceeds maximum operation depth", "aliases found", "more than")


def _code_for(error: GraphQLError) -> str:
    if any(m in error.message for m in _LIMIT_MESSAGES):
        return "LIMIT_EXCEEDED"
    return "GRAPHQL_VALIDATION_FAILED"


def present_error(error: GraphQLError, debug: bool) -> GraphQLError:
    """The error a client sees, with ``extensions.code`` set."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    extensions = dict(error.extensions or {})
    if isinstance(original, GraphApiError):
        extensions["code"] = original.code
        if isinstance(original, InvalidInput) and original.problems:
            extensions["problems"] = [
                {
                    "path": ".".join(p for p in (pr.where, pr.field) if p),
                    "field": pr.field,
                    "reason": pr.reason,
                }
                for pr in original.problems[:100]
            ]
        error.extensions = extensions
        return error
    if original is None or isinstance(original, GraphQLError):
        extensions.setdefault("code", _code_for(error))
        error.extensions = extensions
        return error
    if debug:
        extensions["code"] = "INTERNAL"
        extensions["exception"] = type(original).__name__
        error.extensions = extensions
        return error
    return GraphQLError(
        "Unexpected error.",
        error.nodes,
        error.source,
        error.positions,
        error.path,
        extensions={"code": "INTERNAL"},
    )
