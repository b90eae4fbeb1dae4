"""Readers of CSV and JSON Lines files: rows with their line numbers, in chunks or one by one.

Files are read as bytes a block at a time and decoded per block; a block that is not UTF-8 is
decoded line by line, so a line that is not UTF-8 becomes a rejected row with its line number
instead of an exception that ends the file. Nothing here knows the domain: a row is a dict of
column → value with empty cells and JSON nulls left out. A load reads :meth:`RowSource.chunks`
(parallel lists, no object per row); iterating a source gives :class:`RawRow` objects.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final, cast

__all__ = ["Chunk", "RawRow", "RowSource", "open_source"]

_BOM = b"\xef\xbb\xbf"
_BLOCK = 1 << 20  # bytes read at once; rows are still numbered by physical line
_JSON_SPACE = " \t\n\r"  # what json.loads accepts around a value
_DECODER: Final = json.JSONDecoder()
_SCAN: Final = cast("Callable[[str, int], tuple[Any, int]]", _DECODER.scan_once)  # type: ignore[attr-defined]
"""What ``_DECODER.raw_decode`` calls, without its Python frame; raises StopIteration where
no value starts."""


@dataclass(slots=True)
class RawRow:
    """One record of a file. ``error`` is set when the record could not be read at all."""

    line: int
    data: dict[str, Any]
    error: str | None = None
    raw: str | None = None


@dataclass(slots=True)
class Chunk:
    """Consecutive records of a file: the readable ones as parallel lists (``lines[k]`` is
    where ``rows[k]`` starts), and the unreadable ones as :class:`RawRow` with their error."""

    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[RawRow] = field(default_factory=list)
    cells: list[list[str]] = field(default_factory=list)
    """Instead of ``rows``, when a CSV file is read for its cells: each readable row's cells
    in the header's order (``RowSource.chunks(size, cells=True)``)."""

    def __len__(self) -> int:
        return len(self.lines) + len(self.unreadable)


@dataclass(slots=True)
class RowSource:
    """An open data file: its header (CSV) and its rows, one by one or in chunks.

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
    _header_lines: int = 1
    _bad_lines: dict[int, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[RawRow]:
        for chunk in self.chunks(1_000):
            bad = {r.line: r for r in chunk.unreadable}
            rows = (RawRow(n, d) for n, d in zip(chunk.lines, chunk.rows, strict=True))
            if bad:
                yield from sorted([*rows, *bad.values()], key=lambda r: r.line)
            else:
                yield from rows

    def chunks(self, size: int, *, cells: bool = False) -> Iterator[Chunk]:
        """The records in file order, about ``size`` at a time. ``cells`` (CSV only): the
        readable rows come as their cells (``Chunk.cells``), not as dicts; an unreadable
        row still has its dict."""
        if self.format == "csv":
            return self._csv_chunks(size, cells)
        if cells:
            raise ValueError(f"{self.path.name}: only a CSV file is read as cells")
        return self._jsonl_chunks(size)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RowSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- decoding ------------------------------------------------------------------------

    def _blocks(self, newlines: bool = True) -> Iterator[list[str]]:
        """Decoded physical lines (each with its newline, unless ``newlines`` is false), a
        block of the file at a time.

        Lines that are not UTF-8 are decoded with replacement characters and remembered by
        line number in ``_bad_lines``, so that the row becomes a rejected row instead of an
        exception that ends the file.
        """
        assert self._handle is not None
        before = 0  # physical lines in earlier blocks
        rest = self._handle.read(len(_BOM))
        self.bytes_read += len(rest)
        if rest == _BOM:
            rest = b""
        while True:
            data = self._handle.read(_BLOCK)
            self.bytes_read += len(data)
            if not data:
                if rest:
                    yield self._split(rest, before, newlines)
                return
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # a line longer than a block: keep reading
                rest = data
                continue
            lines = self._split(data[:cut], before, newlines)
            rest = data[cut:]
            before += len(lines)
            yield lines

    def _split(self, block: bytes, before: int, newlines: bool = True) -> list[str]:
        """The lines of ``block`` (split at ``\\n`` only, like reading the file line by line),
        without their newlines unless ``newlines``."""
        try:
            parts = block.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            parts = []
            for k, raw in enumerate(block.split(b"\n")):
                try:
                    parts.append(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    self._bad_lines[before + k + 1] = (
                        f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} "
                        "(save the file as UTF-8)"
                    )
                    parts.append(raw.decode("utf-8", errors="replace"))
        last = parts.pop()  # "" when the block ends with a newline
        lines = [part + "\n" for part in parts] if newlines else parts
        if last:
            lines.append(last)
        return lines

    def _lines(self, newlines: bool = True) -> Iterator[str]:
        return itertools.chain.from_iterable(self._blocks(newlines))

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
        self._header_lines = reader.line_num
        seen: set[str] = set()
        for name in self.columns:
            if name in seen:
                self.header_problems.append((name, "column appears twice in the header"))
            seen.add(name)
        self._after_header = lines

    def _csv_chunks(self, size: int, as_cells: bool = False) -> Iterator[Chunk]:
        if self._after_header is None:
            self.read_header()
        lines = self._after_header
        assert self.columns is not None and lines is not None
        columns = self.columns
        width = len(columns)
        # csv.reader counts the physical lines it consumed; the header took the first ones
        reader = csv.reader(lines)
        offset = self._header_lines
        bad = self._bad_lines
        chunk = Chunk()
        done = reader.line_num
        while True:
            try:
                for cells in reader:
                    start, done = done + offset + 1, reader.line_num
                    if not cells or (len(cells) == 1 and not cells[0].strip()):
                        continue
                    error = None
                    if bad:
                        physical = range(start, done + offset + 1)
                        error = next((bad.pop(n) for n in physical if n in bad), None)
                    if error is None and len(cells) > width and any(cells[width:]):
                        error = f"row has {len(cells)} cells but the header names {width} columns"
                    if error is None and as_cells:
                        chunk.lines.append(start)
                        chunk.cells.append(cells)
                        if len(chunk.lines) >= size:
                            yield chunk
                            chunk = Chunk()
                        continue
                    data = (
                        {c: v for c, v in zip(columns, cells, strict=False) if v != ""}
                        if "" in cells
                        else dict(zip(columns, cells, strict=False))
                    )
                    if error is None:
                        chunk.lines.append(start)
                        chunk.rows.append(data)
                    else:
                        chunk.unreadable.append(RawRow(start, data, error))
                    if len(chunk.lines) >= size:
                        yield chunk
                        chunk = Chunk()
            except csv.Error as exc:
                start, done = done + offset + 1, reader.line_num
                chunk.unreadable.append(RawRow(start, {}, f"unreadable CSV: {exc}"))
                continue
            break
        if len(chunk):
            yield chunk

    # -- JSON Lines ------------------------------------------------------------------------

    def _jsonl_chunks(self, size: int) -> Iterator[Chunk]:
        bad = self._bad_lines
        scan = _SCAN
        chunk = Chunk()
        for number, text in enumerate(self._lines(newlines=False), start=1):
            if bad and number in bad:
                if text.strip():
                    raw = text.rstrip("\r\n")
                    chunk.unreadable.append(RawRow(number, {}, bad.pop(number), raw))
                continue
            try:  # the common case without json.loads's own per-call overhead
                value, end = scan(text, 0)
                if end != len(text) and text[end:].strip(_JSON_SPACE):
                    raise ValueError(text)
            except (ValueError, StopIteration, RecursionError):  # StopIteration: no value
                if not text.strip():
                    continue
                try:  # the exact verdict and message of json.loads
                    value = json.loads(text.rstrip("\r\n"))  # columns of this line
                except (json.JSONDecodeError, RecursionError) as exc:
                    why = (
                        f"{exc.msg} (column {exc.colno})"
                        if isinstance(exc, json.JSONDecodeError)
                        else "values nested too deeply"  # json.loads's stack ran out
                    )
                    chunk.unreadable.append(
                        RawRow(number, {}, f"broken JSON: {why}", text.rstrip("\r\n"))
                    )
                    continue
            if type(value) is not dict:
                chunk.unreadable.append(
                    RawRow(
                        number,
                        {},
                        f"a line must be a JSON object, not {type(value).__name__}",
                        text.rstrip("\r\n"),
                    )
                )
                continue
            chunk.lines.append(number)
            if "null" in text and None in value.values():  # JSON null: only as that word
                value = {k: v for k, v in value.items() if v is not None}
            chunk.rows.append(value)
            if len(chunk.lines) >= size:
                yield chunk
                chunk = Chunk()
        if len(chunk):
            yield chunk


def open_source(path: Path) -> RowSource:
    """Open a ``.csv`` or ``.jsonl`` file for reading rows (reads the CSV header at once)."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"{path.name}: not a .csv or .jsonl file")
    source = RowSource(path, fmt, _handle=path.open("rb"))
    if fmt == "csv":
        source.read_header()
    return source
