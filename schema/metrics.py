"""Request metrics in the Prometheus text format, written by hand (no dependency)."""

from __future__ import annotations

import threading
from collections import defaultdict

__all__ = ["Metrics"]

_MAX_OPERATIONS = 200  # operation names come from clients: cap the label cardinality


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    """Counts and latency sums per GraphQL operation and per HTTP route; one per app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ops: dict[tuple[str, str], int] = defaultdict(int)
        self._op_seconds: dict[str, float] = defaultdict(float)
        self._op_count: dict[str, int] = defaultdict(int)
        self._http: dict[tuple[str, str, int], int] = defaultdict(int)
        self._http_seconds: dict[tuple[str, str], float] = defaultdict(float)

    def observe_operation(self, name: str, seconds: float, ok: bool) -> None:
        with self._lock:
            if name not in self._op_count and len(self._op_count) >= _MAX_OPERATIONS:
                name = "other"
            self._ops[(name, "ok" if ok else "error")] += 1
            self._op_seconds[name] += seconds
            self._op_count[name] += 1

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._http[(method, route, status)] += 1
            self._http_seconds[(method, route)] += seconds

    def render(self) -> str:
        with self._lock:
            lines = [
                "# HELP graphql_operations_total GraphQL operations by name and outcome.",
                "# TYPE graphql_operations_total counter",
            ]
            for (name, outcome), n in sorted(self._ops.items()):
                lines.append(
                    f'graphql_operations_total{{operation="{_label(name)}",'
                    f'outcome="{outcome}"}} {n}'
                )
            lines += [
                "# HELP graphql_operation_duration_seconds Time spent per GraphQL operation.",
                "# TYPE graphql_operation_duration_seconds summary",
            ]
            for name in sorted(self._op_count):
                label = f'operation="{_label(name)}"'
                lines.append(
                    f"graphql_operation_duration_seconds_sum{{{label}}} "
                    f"{self._op_seconds[name]:.6f}"
                )
                lines.append(
                    f"graphql_operation_duration_seconds_count{{{label}}} {self._op_count[name]}"
                )
            lines += [
                "# HELP http_requests_total HTTP requests by method, route and status.",
                "# TYPE http_requests_total counter",
            ]
            for (method, route, status), n in sorted(self._http.items()):
                lines.append(
                    f'http_requests_total{{method="{method}",route="{_label(route)}",'
                    f'status="{status}"}} {n}'
                )
            lines += [
                "# HELP http_request_duration_seconds_sum Time spent per HTTP route.",
                "# TYPE http_request_duration_seconds_sum counter",
            ]
            for (method, route), s in sorted(self._http_seconds.items()):
                lines.append(
                    f'http_request_duration_seconds_sum{{method="{method}",'
                    f'route="{_label(route)}"}} {s:.6f}'
                )
        return "\n".join(lines) + "\n"
