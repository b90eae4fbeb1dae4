"""Schema extensions that guard and present every operation.

Each is made per app by a factory (it closes over the settings or the metrics):

* ``RequestGuard`` (:func:`guard_factory`) validates every operation before anything
  executes: unauthenticated callers are refused (401), personal-data fields are refused for
  roles without ``sees_pii`` (FORBIDDEN), depth, aliases, page sizes and query cost are checked
  (LIMIT_EXCEEDED). The rule classes are stable (built once per schema, memoised per role and
  per reason), so a document that passed with the same rules is not validated again (a bounded
  LRU); the cost depends on the variables, so it is computed for every request.
* ``ErrorPresenter`` (:func:`presenter_factory`) gives every error an ``extensions.code``; the
  service's own :class:`~graph_api.errors.GraphApiError` messages are meant for users and stay
  visible, anything unexpected is masked outside debug mode.
* ``OperationMetrics`` (:func:`metrics_factory`) times operations for ``/metrics``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, FieldNode, GraphQLError, ValidationRule
from strawberry.extensions import SchemaExtension

from graph_api.config import Role, Settings
from graph_api.errors import GraphApiError, InvalidInput
from graph_api.model import PII_FIELDS
from schema.caches import ValidDocuments
from schema.context import GraphContext
from schema.limits import cost_errors
from schema.metrics import Metrics

__all__ = ["guard_factory", "metrics_factory", "present_error", "presenter_factory"]

log = logging.getLogger("graph_api.graphql")

_PII = frozenset((str(label), field) for label, fields in PII_FIELDS.items() for field in fields)
_VALID_DOCUMENTS = 512  # distinct (query, rules) pairs remembered as valid, per schema


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


def guard_factory(
    settings: Settings, limit_rules: Sequence[type[ASTValidationRule]] = ()
) -> type[SchemaExtension]:
    """The guard of one schema; ``limit_rules`` (depth, aliases) are built once by the caller."""
    limits = tuple(limit_rules)
    valid_documents = ValidDocuments(_VALID_DOCUMENTS)

    class RequestGuard(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            ctx = self.execution_context.context
            rules: list[type[ASTValidationRule]] = list(limits)
            if isinstance(ctx, GraphContext):
                principal = ctx.principal
                if principal.role is None:
                    rules.append(_unauthenticated_rule(principal.auth_error or "unauthenticated"))
                    if ctx.response is not None:
                        ctx.response.status_code = 401
                        ctx.response.headers["WWW-Authenticate"] = "Bearer"
                elif not principal.role.sees_pii:
                    rules.append(_pii_rule(principal.role))
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                *rules,
            )
            yield

        def on_validate(self) -> Iterator[None]:
            # Errors must be set before yielding: strawberry then skips its own validation
            # (it runs only while pre_execution_errors is None) and refuses the operation.
            ec = self.execution_context
            document = ec.graphql_document
            if document is not None and ec.pre_execution_errors is None:
                schema = ec.schema._schema
                errors = valid_documents.validate(schema, ec.query, document, ec.validation_rules)
                errors += cost_errors(schema, document, ec.variables, settings)
                ec.pre_execution_errors = errors
            yield

    return RequestGuard


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


def presenter_factory(debug: bool) -> type[SchemaExtension]:
    class ErrorPresenter(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield
            result = self.execution_context.result
            errors = getattr(result, "errors", None)
            if result is not None and errors:
                result.errors = [present_error(e, debug) for e in errors]

    return ErrorPresenter


def metrics_factory(metrics: Metrics) -> type[SchemaExtension]:
    class OperationMetrics(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            start = time.perf_counter()
            yield
            result = self.execution_context.result
            ok = not getattr(result, "errors", None)
            name = self.execution_context.operation_name or "anonymous"
            metrics.observe_operation(name, time.perf_counter() - start, ok)

    return OperationMetrics
