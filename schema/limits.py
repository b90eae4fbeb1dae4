"""Pre-execution checks of page sizes and query cost.

The cost of an operation is the sum, over every connection field, of the product of the page
sizes along its path (``first``/``last``, or the default page size). ``customers(first: 100)
{ edges { node { profiles(first: 10) } } }`` costs 100 + 100 x 10 = 1,100. Operations over
``max_cost``, and page sizes over ``max_page_size``, are refused before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from graph_api.config import Settings

__all__ = ["CostReport", "cost_errors", "operation_cost"]

_PAGE_ARGS = ("first", "last")
_MAX_FRAGMENT_DEPTH = 50


class CostReport:
    def __init__(self) -> None:
        self.cost = 0
        self.oversized: list[tuple[FieldNode, str, int]] = []


def _int_arg(field: FieldNode, name: str, variables: Mapping[str, Any]) -> int | None:
    for arg in field.arguments or ():
        if arg.name.value != name:
            continue
        value = arg.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return given if isinstance(given, int) else None
        if isinstance(value, NullValueNode):
            return None
    return None


def _list_len(field: FieldNode, name: str, variables: Mapping[str, Any]) -> int | None:
    for arg in field.arguments or ():
        if arg.name.value == name:
            if isinstance(arg.value, ListValueNode):
                return len(arg.value.values)
            if isinstance(arg.value, VariableNode):
                given = variables.get(arg.value.name.value)
                return len(given) if isinstance(given, list) else None
    return None


def _is_connection(named: GraphQLNamedType) -> bool:
    return named.name.endswith("Connection")


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    settings: Settings,
) -> CostReport:
    report = CostReport()
    root = schema.get_root_type(operation.operation)
    if root is not None:
        _walk(schema, root, operation.selection_set, 1, fragments, variables, settings, report, 0)
    return report


def _walk(
    schema: GraphQLSchema,
    parent: GraphQLNamedType,
    selections: SelectionSetNode,
    multiplier: int,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    settings: Settings,
    report: CostReport,
    depth: int,
) -> None:
    if depth > _MAX_FRAGMENT_DEPTH:  # fragment cycles are reported by the standard rules
        return
    for sel in selections.selections:
        if isinstance(sel, FieldNode):
            fields = getattr(parent, "fields", None)
            if fields is None or sel.name.value not in fields:
                continue
            named = get_named_type(fields[sel.name.value].type)
            inner = multiplier
            if _is_connection(named):
                size = None
                for arg in _PAGE_ARGS:
                    given = _int_arg(sel, arg, variables)
                    if given is not None:
                        if given > settings.max_page_size:
                            report.oversized.append((sel, arg, given))
                        size = given if size is None else max(size, given)
                inner = multiplier * (settings.default_page_size if size is None else size)
                report.cost += inner
            elif (count := _list_len(sel, "ids", variables)) is not None:
                inner = multiplier * max(count, 1)
            if sel.selection_set is not None:
                _walk(
                    schema,
                    named,
                    sel.selection_set,
                    inner,
                    fragments,
                    variables,
                    settings,
                    report,
                    depth + 1,
                )
        elif isinstance(sel, InlineFragmentNode):
            target = parent
            if sel.type_condition is not None:
                target = schema.get_type(sel.type_condition.name.value) or parent
            _walk(
                schema,
                target,
                sel.selection_set,
                multiplier,
                fragments,
                variables,
                settings,
                report,
                depth + 1,
            )
        elif isinstance(sel, FragmentSpreadNode):
            fragment = fragments.get(sel.name.value)
            if fragment is None:
                continue
            target = schema.get_type(fragment.type_condition.name.value) or parent
            _walk(
                schema,
                target,
                fragment.selection_set,
                multiplier,
                fragments,
                variables,
                settings,
                report,
                depth + 1,
            )


def cost_errors(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    settings: Settings,
) -> list[GraphQLError]:
    """The errors refusing oversized pages and operations costlier than ``max_cost``, for
    every operation of the document.

    Not a validation rule: the cost depends on the variables, and validation results are
    cached per document (see :mod:`schema.guards`)."""
    values = variables or {}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    errors: list[GraphQLError] = []
    for node in document.definitions:
        if not isinstance(node, OperationDefinitionNode):
            continue
        report = operation_cost(schema, node, fragments, values, settings)
        for field, arg, size in report.oversized:
            errors.append(
                GraphQLError(
                    f"{field.name.value}({arg}: {size}): {size} is over the page size limit "
                    f"max_page_size={settings.max_page_size}",
                    field,
                    extensions={
                        "code": "LIMIT_EXCEEDED",
                        "limit": "max_page_size",
                        "allowed": settings.max_page_size,
                        "value": size,
                    },
                )
            )
        if report.cost > settings.max_cost:
            errors.append(
                GraphQLError(
                    f"query cost {report.cost} is over the limit max_cost={settings.max_cost} "
                    "(cost: the sum over connection fields of the product of page sizes "
                    "along the path; ask for smaller pages or fewer nested connections)",
                    node,
                    extensions={
                        "code": "LIMIT_EXCEEDED",
                        "limit": "max_cost",
                        "allowed": settings.max_cost,
                        "value": report.cost,
                    },
                )
            )
    return errors
