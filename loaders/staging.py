"""Staging of validated records between the validation pass and the write pass.

Validated records are appended to a temporary file per data file (``marshal`` chunks, fast and
compact), so the write pass neither holds whole files in memory nor validates twice. Each chunk
is one length-prefixed ``marshal.dumps`` blob read back with a single ``read``: ``marshal.load``
on a file object reads every object with its own small call, which made reading the staging
files a third of the whole load.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["StagedRecord", "StagingFile"]

StagedRecord = tuple[Any, ...]
"""``(line, id, props, inline_edges)`` for a node, ``(line, type, src label, src id, dst
label, dst id, props)`` for a relationship; inline edges are ``(type, src label, src id, dst
label, dst id, props)``."""

_CHUNK = 5_000


class StagingFile:
    """An append-then-read temporary file of records, written and read in chunks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._buffer: list[StagedRecord] = []
        self._handle: BinaryIO | None = None  # opened with the first chunk: most stay empty
        self._sealed = False

    def append(self, record: StagedRecord) -> None:
        if self._sealed:
            raise RuntimeError(f"{self.path.name}: staging file already sealed")
        self._buffer.append(record)
        self.count += 1
        if len(self._buffer) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buffer and not self._sealed:
            if self._handle is None:
                self._handle = self.path.open("wb")
            blob = marshal.dumps(self._buffer)
            self._handle.write(len(blob).to_bytes(8, "little"))
            self._handle.write(blob)
            self._buffer = []

    def seal(self) -> None:
        """Finish writing; the file can be read from now on."""
        self._flush()
        self._sealed = True
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def chunks(self) -> Iterator[list[StagedRecord]]:
        self.seal()
        if not self.path.exists():  # nothing was ever staged
            return
        with self.path.open("rb") as handle:
            while True:
                size = handle.read(8)
                if len(size) < 8:
                    return
                blob = handle.read(int.from_bytes(size, "little"))
                yield marshal.loads(blob)  # noqa: S302 - our own temp file
