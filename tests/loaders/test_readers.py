from __future__ import annotations

from pathlib import Path

from loaders.readers import open_source


def _rows(path: Path) -> list[tuple[int, dict[str, object], str | None]]:
    with open_source(path) as source:
        return [(r.line, r.data, r.error) for r in source]


def test_csv_lines_count_physical_lines_and_drop_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('id,name,segment\nc1,"Ann\nMarie",\n\nc2,Bob,vip\n', encoding="utf-8")
    assert _rows(path) == [
        (2, {"id": "c1", "name": "Ann\nMarie"}, None),
        (5, {"id": "c2", "name": "Bob", "segment": "vip"}, None),
    ]


def test_csv_bom_is_ignored_and_header_is_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"\xef\xbb\xbfid , name\nc1,Ann\n")
    with open_source(path) as source:
        assert source.columns == ["id", "name"]
        assert [r.data for r in source] == [{"id": "c1", "name": "Ann"}]


def test_csv_line_that_is_not_utf8_is_an_error_on_that_line(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"id,name\nc1,Ann\nc2,Ren\xe9e\nc3,Carl\n")
    rows = _rows(path)
    assert [r[0] for r in rows] == [2, 3, 4]
    assert rows[0][2] is None and rows[2][2] is None
    assert rows[1][2] is not None and "not UTF-8" in rows[1][2] and "0xe9" in rows[1][2]


def test_csv_row_with_more_cells_than_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("id,name\nc1,Ann,oops\nc2,Bob,\n", encoding="utf-8")
    rows = _rows(path)
    assert rows[0][2] is not None and "3 cells" in rows[0][2]
    assert rows[1][2] is None  # a trailing empty cell is harmless


def test_csv_repeated_header_column_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("id,name,name\nc1,Ann,Bob\n", encoding="utf-8")
    with open_source(path) as source:
        assert source.header_problems == [("name", "column appears twice in the header")]


def test_jsonl_broken_lines_and_non_objects_are_errors_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "interactions.jsonl"
    path.write_bytes(b'{"id": "i1", "text": null}\n\n{"id": "i2",\n[1, 2]\n{"id": "\xff"}\n')
    rows = _rows(path)
    assert rows[0] == (1, {"id": "i1"}, None)
    assert rows[1][0] == 3 and rows[1][2] is not None and rows[1][2].startswith("broken JSON")
    assert rows[1][2].endswith("(column 13)")  # where in that line, not "column 1" of the next
    assert rows[2][0] == 4 and "JSON object" in str(rows[2][2])
    assert rows[3][0] == 5 and "not UTF-8" in str(rows[3][2])
