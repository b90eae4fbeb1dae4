"""Progress of a load on stderr: a live bar on a terminal, one quiet line per file otherwise."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

__all__ = ["BarProgress", "LineProgress", "NoProgress", "Progress", "make_progress"]


class Progress(Protocol):
    """What the loader tells about its work: one *task* (a file in a phase) at a time."""

    def start(self, name: str, total_bytes: int | None = None) -> None: ...

    def update(self, rows: int, done_bytes: int | None = None) -> None:
        """``rows`` handled so far in the current task (a running total, not a delta)."""

    def finish(self, summary: str = "") -> None: ...


class NoProgress:
    """Says nothing."""

    def start(self, name: str, total_bytes: int | None = None) -> None:
        pass

    def update(self, rows: int, done_bytes: int | None = None) -> None:
        pass

    def finish(self, summary: str = "") -> None:
        pass


class _Timed:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.name = ""
        self.rows = 0
        self.total: int | None = None
        self.done: int | None = None
        self.started = time.perf_counter()

    def start(self, name: str, total_bytes: int | None = None) -> None:
        self.name, self.total, self.rows, self.done = name, total_bytes, 0, None
        self.started = time.perf_counter()

    def _rate(self) -> str:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        if not self.rows and self.total is None:  # a step without rows: just its time
            return f"{elapsed:.1f}s"
        return f"{self.rows:,} rows, {self.rows / elapsed:,.0f} rows/s, {elapsed:.1f}s"


class LineProgress(_Timed):
    """One line per finished task: for logs and pipes."""

    def update(self, rows: int, done_bytes: int | None = None) -> None:
        self.rows = rows

    def finish(self, summary: str = "") -> None:
        tail = f"; {summary}" if summary else ""
        self.stream.write(f"{self.name}: {self._rate()}{tail}\n")
        self.stream.flush()


class BarProgress(_Timed):
    """A bar redrawn in place at most ten times a second."""

    width = 28

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._drawn = 0.0

    def update(self, rows: int, done_bytes: int | None = None) -> None:
        self.rows, self.done = rows, done_bytes
        now = time.perf_counter()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        bar = ""
        if self.total and self.done is not None:
            share = min(self.done / self.total, 1.0)
            filled = int(share * self.width)
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} "
        self.stream.write(f"\r\x1b[K{self.name} {bar}{self._rate()}{end}")
        self.stream.flush()

    def finish(self, summary: str = "") -> None:
        if self.total:
            self.done = self.total
        self._draw(end=f"; {summary}\n" if summary else "\n")


def make_progress(enabled: bool | Progress = True, stream: TextIO | None = None) -> Progress:
    """The progress for ``stream`` (stderr): a bar on a terminal, lines otherwise, or nothing."""
    if enabled is False:
        return NoProgress()
    if enabled is not True:
        return enabled
    out = stream if stream is not None else sys.stderr
    return BarProgress(out) if out.isatty() else LineProgress(out)
