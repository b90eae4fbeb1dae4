"""Pre-execution checks of page sizes and query cost.

The cost of an operation is the sum, over every connection field, of the product of the page
sizes along its path (``first``/``last``, or the default page size). ``customers(first: 100)
{ edges { node { profiles(first: 10) } } }`` costs 100 + 100 x 10 = 1,100. Operations over
``max_cost``, and page sizes over ``max_page_size``, are refused before anything runs.

:class:`CostReports` remembers the cost of a query text per values of the variables that size
its pages (``first``, ``last``, ``ids``): the walk costs more than executing a small query, and
clients send the same few texts with new ids.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
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
from schema.caches import MAX_CACHED_QUERY

__all__ = ["CostReport", "CostReports", "cost_errors", "operation_cost"]

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


class _SeenVariables(Mapping[str, Any]):
    """The variables, noting which ones the walk reads."""

    def __init__(self, given: Mapping[str, Any]) -> None:
        self._given = given
        self.seen: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.seen.add(name)
        return self._given[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._given)

    def __len__(self) -> int:
        return len(self._given)


def _sizes(values: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    """What the walk can make of each named variable: an int, a list's length, or nothing."""
    out = []
    for name in names:
        given = values.get(name)
        out.append(
            (
                given if isinstance(given, int) else None,
                len(given) if isinstance(given, list) else None,
            )
        )
    return tuple(out)


def _reports(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any],
    settings: Settings,
) -> list[tuple[OperationDefinitionNode, CostReport]]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return [
        (node, operation_cost(schema, node, fragments, variables, settings))
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode)
    ]


def _errors(
    reports: list[tuple[OperationDefinitionNode, CostReport]], settings: Settings
) -> list[GraphQLError]:
    errors: list[GraphQLError] = []
    for node, report in reports:
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
    return _errors(_reports(schema, document, variables or {}, settings), settings)


class CostReports:
    """:func:`cost_errors` through a bounded LRU.

    The reports of a query text depend on the document, the settings and, among the variables,
    only on those the walk reads (page sizes, id lists); the first walk notes which, and the
    reports are kept per values of those. Errors are fresh objects for every request (the
    presenter edits them). Texts over ``MAX_CACHED_QUERY`` are walked every time."""

    def __init__(self, settings: Settings, maxsize: int) -> None:
        self._settings = settings
        self._maxsize = maxsize
        self._reads: dict[tuple[GraphQLSchema, str], tuple[str, ...]] = {}
        self._reports: OrderedDict[Any, list[tuple[OperationDefinitionNode, CostReport]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()  # execute_sync may run in threads

    def errors(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
    ) -> list[GraphQLError]:
        settings = self._settings
        values = variables or {}
        if query is None or len(query) > MAX_CACHED_QUERY:
            return cost_errors(schema, document, values, settings)
        reads = self._reads.get((schema, query))
        key = None if reads is None else (schema, query, _sizes(values, reads))
        with self._lock:
            reports = self._reports.get(key) if key is not None else None
            if reports is not None:
                self._reports.move_to_end(key)
        if reports is None:
            seen = _SeenVariables(values)
            reports = _reports(schema, document, seen, settings)
            reads = tuple(sorted(seen.seen))
            key = (schema, query, _sizes(values, reads))
            with self._lock:
                self._reads[(schema, query)] = reads
                self._reports[key] = reports
                while len(self._reports) > self._maxsize:
                    self._reports.popitem(last=False)
                while len(self._reads) > self._maxsize:
                    self._reads.pop(next(iter(self._reads)))
        return _errors(reports, settings)
