"""Rejects files: the rows a ``skip_invalid`` load left out, each with its line and reasons.

``<stem>.rejects.csv`` (or ``.jsonl``, the format of the source) holds the rejected rows as they
were, plus ``_line`` and ``_reason`` columns. Columns starting with ``_`` are ignored by the
loader, so a corrected rejects file can be renamed and loaded as it is.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

from loaders.layout import DataFile
from loaders.readers import open_source
from loaders.rows import RowError

__all__ = ["reasons_text", "rejects_path", "write_rejects"]


def rejects_path(data_file: DataFile, directory: Path) -> Path:
    return directory / f"{data_file.spec.stem}.rejects.{data_file.format}"


def reasons_text(errors: list[RowError]) -> str:
    return "; ".join(f"{name}: {reason}" if name else reason for name, reason in errors)


def write_rejects(
    data_file: DataFile, rejected: Mapping[int, list[RowError]], directory: Path
) -> Path:
    """Copy the rejected rows (by line number) of ``data_file`` into its rejects file."""
    directory.mkdir(parents=True, exist_ok=True)
    target = rejects_path(data_file, directory)
    with (
        open_source(data_file.path) as source,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        if data_file.format == "csv":
            columns = [c for c in source.columns or [] if c not in ("_line", "_reason")]
            writer = csv.DictWriter(out, [*columns, "_line", "_reason"], extrasaction="ignore")
            writer.writeheader()
            for row in source:
                if row.line in rejected:
                    writer.writerow(
                        {**row.data, "_line": row.line, "_reason": reasons_text(rejected[row.line])}
                    )
        else:
            for row in source:
                if row.line in rejected:
                    record: dict[str, object] = dict(row.data)
                    if row.raw is not None:
                        record["_raw"] = row.raw
                    record["_line"] = row.line
                    record["_reason"] = reasons_text(rejected[row.line])
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target
