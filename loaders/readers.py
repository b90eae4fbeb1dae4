"""Readers of CSV and JSON Lines files: one raw row at a time, with its line number.

Files are read as bytes and decoded line by line, so a line that is not UTF-8 becomes a
rejected row with its line number instead of an exception that ends the file. Nothing here
knows the domain: a row is a dict of column → value with empty cells and JSON nulls left out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["RawRow", "RowSource", "open_source"]

_BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class RawRow:
    """One record of a file. ``error`` is set when the record could not be read at all."""

    line: int
    data: dict[str, Any]
    error: str | None = None
    raw: str | None = None


@dataclass(slots=True)
class RowSource:
    """An open data file: its header (CSV) and an iterator of its rows.

    ``bytes_read`` grows while rows are consumed (for progress bars); ``header_problems`` lists
    columns the CSV header repeats (per-row checks cannot see those).
    """

    path: Path
    format: str
    columns: list[str] | None = None
    bytes_read: int = 0
    header_problems: list[tuple[str, str]] = field(default_factory=list)
    _handle: BinaryIO | None = None
    _after_header: Iterator[str] | None = None
    _bad_lines: dict[int, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[RawRow]:
        if self.format == "csv":
            return self._csv_rows()
        return self._jsonl_rows()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RowSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- decoding ------------------------------------------------------------------------

    def _lines(self) -> Iterator[str]:
        """Decoded physical lines; undecodable ones are remembered by line number."""
        assert self._handle is not None
        for number, chunk in enumerate(self._handle, start=1):
            self.bytes_read += len(chunk)
            if number == 1 and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
            try:
                yield chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._bad_lines[number] = (
                    f"not UTF-8: byte 0x{chunk[exc.start]:02x} at column {exc.start + 1} "
                    "(save the file as UTF-8)"
                )
                yield chunk.decode("utf-8", errors="replace")

    # -- CSV -------------------------------------------------------------------------------

    def read_header(self) -> None:
        """Read the CSV header now, so that ``columns`` can be checked before any row."""
        lines = self._lines()
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            header = []
        self.columns = [h.strip() for h in header]
        seen: set[str] = set()
        for name in self.columns:
            if name in seen:
                self.header_problems.append((name, "column appears twice in the header"))
            seen.add(name)
        self._after_header = lines

    def _csv_rows(self) -> Iterator[RawRow]:
        if self._after_header is None:
            self.read_header()
        lines = self._after_header
        assert self.columns is not None and lines is not None
        columns = self.columns
        width = len(columns)
        # csv.reader keeps line_num = physical lines consumed; the header took the first.
        reader = csv.reader(lines)
        offset = 1
        bad = self._bad_lines
        while True:
            start = reader.line_num + offset + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RawRow(start, {}, f"unreadable CSV: {exc}")
                continue
            end = reader.line_num + offset
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            data = {c: v for c, v in zip(columns, cells, strict=False) if v != ""}
            error = None
            if bad:
                for n in range(start, end + 1):
                    if n in bad:
                        error = bad.pop(n)
                        break
            if error is None and len(cells) > width:
                extra = [v for v in cells[width:] if v != ""]
                if extra:
                    error = f"row has {len(cells)} cells but the header names {width} columns"
            yield RawRow(start, data, error)

    # -- JSON Lines ------------------------------------------------------------------------

    def _jsonl_rows(self) -> Iterator[RawRow]:
        bad = self._bad_lines
        for number, text in enumerate(self._lines(), start=1):
            if not text.strip():
                continue
            if bad and number in bad:
                yield RawRow(number, {}, bad.pop(number), raw=text.rstrip("\r\n"))
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RawRow(
                    number,
                    {},
                    f"broken JSON: {exc.msg} (column {exc.colno})",
                    raw=text.rstrip("\r\n"),
                )
                continue
            if not isinstance(value, dict):
                yield RawRow(
                    number,
                    {},
                    f"a line must be a JSON object, not {type(value).__name__}",
                    raw=text.rstrip("\r\n"),
                )
                continue
            yield RawRow(number, {k: v for k, v in value.items() if v is not None})


def open_source(path: Path) -> RowSource:
    """Open a ``.csv`` or ``.jsonl`` file for reading rows (reads the CSV header at once)."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"{path.name}: not a .csv or .jsonl file")
    source = RowSource(path, fmt, _handle=path.open("rb"))
    if fmt == "csv":
        source.read_header()
    return source
