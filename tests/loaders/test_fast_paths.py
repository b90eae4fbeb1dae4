"""The loader's fast paths give exactly what the plain, row-by-row paths give.

A load validates a chunk of rows in one pydantic call (``RowParser.parse_many``), encodes
properties from the validated values without building dicts and reads files a block at a time; each
is checked here against the straightforward form it replaces, on real generated data and on
rows made to hit every special case.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError

import loaders.readers as readers
from graph_api.model import (
    EDGE_MODELS,
    NODE_MODELS,
    NodeLabel,
    RelType,
    Timestamp,
    edge_props,
    format_timestamp,
    node_props,
)
from graph_api.store.paging import canonical_json
from graph_api.store.sqlite import SqliteGraphStore
from loaders.checks import LoadIndex, make_loc
from loaders.generate import generate
from loaders.layout import FILE_SPECS, discover
from loaders.readers import open_source
from loaders.rows import (
    CellsParser,
    EdgeColumns,
    EdgeRecord,
    InteractionColumns,
    NodeRecord,
    RowParser,
    _batch_model,
    _dict_schema,
    _plain_utc,
)

SPECS = {s.stem: s for s in FILE_SPECS}
_T = "2024-05-01T10:00:00Z"

ODD_ROWS: dict[str, list[dict[str, Any]]] = {
    "customers": [
        {"id": " c1 ", "name": "Ann", "email": "ANN@Example.com", "createdAt": _T},
        {"id": "c2", "name": "Ann", "createdAt": "2024-05-01"},  # date only: row by row
        {"id": "c3", "name": "Ann", "colour": "red"},  # unknown column
        {"id": "c4", "name": "Ann", "_note": "ignored"},  # an underscore column
        {"id": "c5", "name": "Ann", "lifetime_value": "3"},  # a Python name, not a column
        {"id": "c6", "name": "Ann", "lifetimeValue": "inf"},  # not finite
        {"id": "c7", "name": "Ann", "lifetimeValue": "-1"},
        {"id": "c8", "name": 'Zoë "Z" \\ \u2028 \x01', "phone": "+49 (0) 151-2"},
        {"id": "c9", "name": "Ann", "createdAt": "2024-05-01T10:00:00.123456+05:30"},
        {"id": "", "name": "Ann"},
        {"name": "Ann"},
        {"id": "c10", "name": "Ann", "createdAt": "yesterday"},
        {"id": "c11", "name": "Ann", "email": "nope"},
        {"id": "c12", "name": "   "},
        {"id": "c13", "name": "Ann", "createdAt": "0001-01-01T00:30:00+01:00"},  # no UTC year
    ],
    "profiles": [
        {"id": "p1", "platform": "x", "handle": "a", "followers": "12", "verified": "true"},
        {"id": "p2", "platform": "X", "handle": "a"},
        {"id": "p3", "platform": "x", "handle": "a", "followers": "-1"},
        {"id": "p4", "platform": "x", "handle": "a", "followers": "1.5"},
        {"id": "p5", "platform": "x", "handle": "a", "verified": "maybe"},
        {"id": "p6", "platform": "forum", "handle": " h ", "displayName": "Ünïcode ✓"},
    ],
    "communities": [
        {"id": "g1", "name": "Runners", "owned": "1", "platform": "reddit"},
        {"id": "g2", "name": "Runners", "owned": "yes please"},
    ],
    "products": [
        {"id": "d1", "name": "Shoe", "price": "1e16"},
        {"id": "d2", "name": "Shoe", "price": "0.1"},
        {"id": "d3", "name": "Shoe", "price": "nan"},
        {"id": "d4", "name": "Shoe", "price": 5},
    ],
    "interactions": [
        {"id": "i1", "kind": "post", "channel": "x", "occurredAt": _T, "actor": "p1"},
        {"id": "i2", "kind": "post", "channel": "x", "occurredAt": _T, "actor": 7},
        {"id": "i3", "kind": "post", "channel": "x", "occurredAt": _T, "actorType": "customer"},
        {
            "id": "i4",
            "kind": "reply",
            "channel": "x",
            "occurredAt": _T,
            "actor": "c1",
            "actorType": " Customer ",
            "about": "d1| d2|d1",
            "mentions": ["p1", "p1", " "],
            "in": "g1",
            "respondsTo": "i1",
            "sentiment": "-1",
        },
        {"id": "i5", "kind": "post", "channel": "x", "occurredAt": _T, "about": {"d": 1}},
        {
            "id": "i12",
            "kind": "post",
            "channel": "x",
            "occurredAt": _T,
            "actor": "c1",
            "actorType": ["customer"],
        },
        {"id": "i6", "kind": "rant", "channel": "x", "occurredAt": _T, "actor": "p1"},
        {"id": "i7", "kind": "post", "channel": "x", "occurredAt": _T, "sentiment": 1.5},
        {"id": "i8", "kind": "post", "channel": "", "occurredAt": _T},
        {"id": "i9", "kind": "post", "channel": "x", "occurredAt": "2024-05-01"},
        {"id": "i10", "kind": "post", "channel": "x", "occurredAt": _T, "respondsTo": ""},
        {"id": "i11", "kind": "post", "channel": "x", "occurredAt": _T, "text": "x" * 10_001},
        # JSON's own values: null, a bool, a number where text goes, nan, spaces to strip
        {"id": "i13", "kind": "post", "channel": "x", "occurredAt": _T, "text": None},
        {"id": "i14", "kind": "post", "channel": "x", "occurredAt": _T, "sentiment": None},
        {"id": "i15", "kind": "post", "channel": "x", "occurredAt": _T, "sentiment": True},
        {"id": "i16", "kind": "post", "channel": 5, "occurredAt": _T},
        {"id": "i17", "kind": "post", "channel": "x", "occurredAt": _T, "sentiment": math.nan},
        {"id": " i18 ", "kind": "post", "channel": " x ", "occurredAt": _T},
        {"id": "i20", "kind": " post ", "channel": "x", "occurredAt": f" {_T} "},
        {"id": "i19", "kind": "post", "channel": "x", "occurredAt": 1714557600, "text": " hi "},
    ],
    "follows": [
        {"follower": "p1", "followed": "p2", "since": _T},
        {"follower": "p1", "followed": "p2"},
        {"follower": " p1", "followed": "p2 ", "since": "2024-02-01"},
        {"follower": "p1"},
        {"follower": "p1", "followed": "p2", "since": "soon"},
        {"follower": "p1", "followed": "x" * 257},
        {"follower": "p1", "followed": "p2", "weight": "3"},
    ],
    "member_of": [
        {"member": "c1", "memberType": "customer", "community": "g1", "role": "admin"},
        {"member": "p1", "community": "g1", "joinedAt": _T},
        {"member": "c1", "memberType": "robot", "community": "g1"},
        {"member": "c1", "memberType": " Customer ", "community": "g1"},  # row by row
        {"member": "p1", "memberType": "profile", "community": " g1 "},
        {"member": "c1", "memberType": ["customer"], "community": "g1"},  # a JSON list
        {"member": "c1", "memberType": 5, "community": "g1"},
        {"member": "c1", "memberType": "", "community": "g1"},
        {"member": "c1", "memberType": "customer"},
    ],
    "has_profile": [
        {"customer": "c1", "profile": "p1", "confidence": "0.5", "method": "name"},
        {"customer": "c1", "profile": "p1", "status": "maybe"},
        {"customer": "c1", "profile": "p1", "confidence": "2"},
    ],
    "purchases": [
        {"customer": "c1", "product": "d1", "count": "2", "amount": "10.50", "at": _T},
        {"customer": "c1", "product": "d1", "count": "0"},
    ],
    "referrals": [
        {"referrer": "c1", "referred": "c2", "converted": "true", "at": _T},
        {"referrer": "c1", "referred": "c2", "converted": "perhaps"},
    ],
    "performed": [
        {"actor": "c1", "actorType": "customer", "interaction": "i1"},
        {"actor": "p1", "interaction": "i1"},
        {"actor": "p1", "actorType": "PROFILE", "interaction": "i1"},
    ],
    "about": [{"interaction": "i1", "product": "d1"}, {"interaction": "i1"}],
    "posted_in": [
        {"interaction": "i1", "community": "g1", "extra": "1"},
        {"interaction": "i1", "community": "g1"},
    ],
    "mentions": [{"interaction": "i1", "profile": "p1"}],
    "responds_to": [{"interaction": "i2", "respondsTo": "i1"}],
}


@pytest.mark.parametrize("stem", sorted(ODD_ROWS))
def test_parse_many_equals_parse_row_by_row_on_odd_rows(stem: str) -> None:
    parser = RowParser(SPECS[stem])
    rows = ODD_ROWS[stem]
    expected = [parser.parse(row) for row in rows]
    assert any(not isinstance(r, list) for r in expected)  # the chunks mix good and bad rows
    assert parser.parse_many(rows) == expected
    assert parser.parse_many(rows[::-1]) == expected[::-1]
    assert parser.parse_many([]) == []


def test_parse_many_equals_parse_row_by_row_on_a_generated_data_set(tmp_path: Path) -> None:
    generate(tmp_path, size="small", seed=3)
    files, _ = discover(tmp_path)
    assert len(files) >= 8
    for data_file in files:
        parser = RowParser(data_file.spec)
        with open_source(data_file.path) as source:
            rows = [r.data for r in source if r.error is None]
        assert rows, data_file.name
        for start in range(0, len(rows), 700):
            chunk = rows[start : start + 700]
            assert parser.parse_many(chunk) == [parser.parse(r) for r in chunk], data_file.name
        if data_file.path.suffix != ".csv":
            continue
        with open_source(data_file.path) as source:
            assert source.columns is not None
            cells_parser = parser.cells_parser(source.columns)
            assert cells_parser is not None, data_file.name
            parsed = [r for c in source.chunks(700, cells=True) for r in cells_parser(c.cells)]
        assert parsed == [parser.parse(r) for r in rows], data_file.name


def _as_cells(header: list[str], row: dict[str, Any]) -> list[str]:
    return [str(row.get(column, "")) for column in header]


def _cells_rows(stem: str) -> tuple[list[str], list[list[str]]]:
    """A header naming every column of the stem, and rows of cells hitting the special
    cases of :class:`CellsParser`: the odd rows above as CSV would hold them, plus cases
    only cells have (too few cells, blanks, type values not written plainly)."""
    spec = SPECS[stem]
    parser = RowParser(spec)
    header = sorted(parser.columns)
    odd = [
        r
        for r in ODD_ROWS.get(stem, [])
        if set(r) <= set(header) and all(isinstance(v, str) for v in r.values())
    ]
    rows = [_as_cells(header, r) for r in odd]
    if spec.src is not None and spec.dst is not None:
        good = {spec.src.column: "a1", spec.dst.column: "b1"}
    else:  # a node row that parses, with its required columns only
        base = next(r for r in odd if not isinstance(parser.parse(r), list))
        required = {
            f.alias or name for name, f in parser._model.model_fields.items() if f.is_required()
        }
        good = {k: v for k, v in base.items() if k in required}
        assert not isinstance(parser.parse(good), list)
    rows.append(_as_cells(header, good))
    rows.append(_as_cells(header, good)[:-1])  # a row with fewer cells than the header
    rows.append(["   "] * len(header))
    rows.append([""] * len(header))
    for column in header:
        if column in good and spec.src is not None:  # a node's own columns are varied too
            continue
        for value in ("", " ", "x", "1", "-1", "0.5", "inf", "nan", "true", _T, "2024-05-01"):
            rows.append(_as_cells(header, {**good, column: value}))
    for end in (spec.src, spec.dst):
        if end is not None and end.type_column is not None:
            for kind in ("customer", "profile", "Customer", " profile", "robot", ""):
                rows.append(_as_cells(header, {**good, end.type_column: kind}))
    return header, rows


@pytest.mark.parametrize(
    "stem", sorted(s.stem for s in FILE_SPECS if s.label is not NodeLabel.INTERACTION)
)
def test_parsing_cells_equals_parsing_the_dicts_the_reader_makes_of_them(stem: str) -> None:
    parser = RowParser(SPECS[stem])
    header, rows = _cells_rows(stem)
    cells_parser = parser.cells_parser(header)
    assert cells_parser is not None
    expected = [
        parser.parse({c: v for c, v in zip(header, cells, strict=False) if v != ""})
        for cells in rows
    ]
    assert any(not isinstance(r, list) for r in expected)
    assert any(isinstance(r, list) for r in expected)
    assert cells_parser(rows) == expected
    assert cells_parser(rows[::-1]) == expected[::-1]
    assert cells_parser([r for r, e in zip(rows, expected) if not isinstance(e, list)]) == [
        e for e in expected if not isinstance(e, list)
    ]  # a chunk whose rows all parse comes back as built
    assert cells_parser([]) == []


def test_cells_are_parsed_only_with_a_header_of_known_columns_each_once() -> None:
    parser = RowParser(SPECS["follows"])
    assert parser.cells_parser(["follower", "followed", "since"]) is not None
    assert parser.cells_parser(["followed", "follower"]) is not None  # any order
    assert parser.cells_parser(["follower", "followed", "weight"]) is None
    assert parser.cells_parser(["follower", "followed", "_note"]) is None
    assert parser.cells_parser(["follower", "followed", "followed"]) is None
    assert parser.cells_parser(["follower", "since"]) is None  # no target column
    customers = RowParser(SPECS["customers"])
    assert customers.cells_parser(["id", "name"]) is not None
    assert customers.cells_parser(["name", "email", "id"]) is not None
    assert customers.cells_parser(["name", "email"]) is None  # no id column
    assert customers.cells_parser(["id", "name", "colour"]) is None
    assert customers.cells_parser(["id", "name", "name"]) is None
    # an interaction's row names its relationships: always as a dict
    interactions = RowParser(SPECS["interactions"])
    assert interactions.cells_parser(["id", "kind", "channel", "occurredAt"]) is None


def _base_type(annotation: Any) -> Any:
    """The value type behind Optional / Annotated (str, int, float, bool, datetime or an enum)."""
    hints = [annotation]
    while hints:
        hint = hints.pop(0)
        if hint is AwareDatetime:
            return datetime
        if isinstance(hint, type) and hint is not type(None):
            return hint
        hints += list(get_args(hint))
    raise AssertionError(annotation)


def _random_value(rng: random.Random, kind: Any) -> Any:
    if issubclass(kind, Enum):
        return rng.choice(list(kind))
    if issubclass(kind, datetime):
        tz = timezone(timedelta(minutes=rng.choice([0, 90, -300, 345])))
        year = rng.choice([1, 999, 1970, 2024, 9998])
        micro = rng.choice([0, 7, 999999])
        return datetime(year, rng.randint(1, 12), 28, rng.randint(0, 23), 5, 9, micro, tz)
    if kind is float:
        return rng.choice([0.0, -0.0, 0.1, 1e16, 1.5e-7, 123456.789, math.inf, math.nan, 1 / 3])
    if kind is bool:
        return rng.choice([True, False])
    if kind is int:
        return rng.choice([0, 1, 10**18, 42])
    texts = ["", "plain", 'quote " back \\ slash', "tab\tnew\nline", "\x00\x1f", "Zoë ✓ 𝄞"]
    return rng.choice(texts)


@pytest.mark.parametrize(
    ("model", "node"),
    [(m, True) for m in NODE_MODELS.values()] + [(m, False) for m in EDGE_MODELS.values()],
)
def test_the_props_encoder_equals_canonical_json_of_the_dumped_props(
    model: type[BaseModel], node: bool
) -> None:
    """The encoder of a chunk's validated tuples writes what the row-by-row path writes,
    or None (that row then goes row by row) exactly where a value has no exact rule."""
    _, extract, encode = _dict_schema(model, node=node)
    dump = node_props if node else edge_props
    rng = random.Random(11)
    exact = 0
    for _ in range(300):
        values: dict[str, Any] = {}
        for name, field in model.model_fields.items():
            if rng.random() < 0.2 and not field.is_required():
                continue
            values[name] = _random_value(rng, _base_type(field.annotation))
        aliases = {model.model_fields[name].alias or name: v for name, v in values.items()}
        encoded = encode(extract(aliases), {})  # the tuple, missing values as defaults
        if encoded is None:
            assert any(isinstance(v, float) and not math.isfinite(v) for v in values.values())
            continue
        exact += 1
        # model_construct: also values a validator would not let through (naive-free tz)
        record = model.model_construct(**values)
        assert encoded == canonical_json(dump(record))  # type: ignore[arg-type]
    assert exact > 150


# -- readers -------------------------------------------------------------------------------


def _all_rows(path: Path) -> list[tuple[int, dict[str, Any], str | None]]:
    with open_source(path) as source:
        return [(r.line, r.data, r.error) for r in source]


def _chunked_rows(
    path: Path, size: int, *, cells: bool = False
) -> list[tuple[int, dict[str, Any], str | None]]:
    """Rows read in chunks; with ``cells``, readable rows as cells, made into the dicts the
    reader would have made (empty cells left out)."""
    out: list[tuple[int, dict[str, Any], str | None]] = []
    with open_source(path) as source:
        for chunk in source.chunks(size, cells=cells):
            if cells:
                assert not chunk.rows and len(chunk.cells) == len(chunk.lines)
                columns = source.columns or []
                rows = [{c: v for c, v in zip(columns, r, strict=False) if v} for r in chunk.cells]
            else:
                assert not chunk.cells
                rows = chunk.rows
            out += [(n, d, None) for n, d in zip(chunk.lines, rows, strict=True)]
            out += [(r.line, r.data, r.error) for r in chunk.unreadable]
    return sorted(out, key=lambda r: r[0])


CSV_BYTES = (
    b"\xef\xbb\xbfid,name,segment\r\n"
    b'c1,"Ann\nMarie",\r\n'
    b"\r\n"
    b"c2,Ren\xe9e,vip\n"
    b"c3,Bob,vip,extra\n"
    b'c4,"broken\n'
    b"c5,Carl,\n"
    b"c6,,\n"
    b"c7,Zo\xc3\xab,last"
)

JSONL_BYTES = (
    b'{"id": "i1", "text": null}\n'
    b"\n"
    b'   {"id": "i2"}  \n'
    b'{"id": "i3"} x\n'
    b'{"id": "i4"}{"id": "i5"}\n'
    b"[1, 2]\n"
    b'{"id": "\xff"}\n'
    b'{"id": "i6", "about": ["d1", null], "n": {"a": null}}\r\n'
    b"\xc2\xa0\n"
    b'{"id": "i7",\n'
    b'"x": 1}\n'
    b'{"id": "i8"}'
)


JSONL_ODD_VALUES = (
    # JSON's odd values (NaN, integers beyond 64 bits, lone surrogates, repeated keys) and
    # a line nested too deeply for json.loads (an error on its line, not a failed load)
    b'{"id": "n1", "sentiment": NaN, "x": Infinity, "y": -Infinity}\n'
    b'{"id": "n2", "followers": 123456789012345678901}\n'
    b'{"id": "n3", "n": -18446744073709551617, "m": 18446744073709551615}\n'
    b'{"id": "n4", "about": [1, 123456789012345678901234], "d": {"e": [99999999999999999999]}}\n'
    b'{"id": "n5", "sentiment": 1e400, "f": 1e19, "g": -9.3e18, "h": 9.2e18}\n'
    b'{"id": "n6", "text": "\\ud800 lone", "t": "\\udc00"}\n'
    b'{"id": "n7", "a": ' + b"[" * 5000 + b"]" * 5000 + b"}\n"  # too deep for json.loads
    b'{"id": "n8", "a": 1, "a": 2, "b": 0.1, "c": -0.0, "d": 5e-324, "e": "\\u00e9\\/"}\n'
)


@pytest.mark.parametrize("block", [1, 2, 7, 64, 1 << 20])
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("c.csv", CSV_BYTES),
        ("i.jsonl", JSONL_BYTES),
        ("j.jsonl", b'{"id": "i1"} \n{"id": "i2"}\t\n{"id": "i3"}x\n{"id": "i4"}\r{"id": "i5"}y'),
        ("k.jsonl", JSONL_ODD_VALUES),
    ],
)
def test_block_reading_gives_the_rows_of_line_by_line_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    expected = repr(_line_by_line(path))  # repr: NaN equals NaN, an int is not a float
    monkeypatch.setattr(readers, "_BLOCK", block)
    assert repr(_all_rows(path)) == expected
    assert repr(_chunked_rows(path, 2)) == expected
    if path.suffix == ".csv":
        assert repr(_chunked_rows(path, 2, cells=True)) == expected


def _line_by_line(path: Path) -> list[tuple[int, dict[str, Any], str | None]]:
    """The reference: the file read line by line with ``json.loads`` / ``csv.reader``."""
    import csv

    raw_lines = path.read_bytes().split(b"\n")
    texts: list[str] = []
    bad: dict[int, str] = {}
    for number, raw in enumerate(raw_lines, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad[number] = (
                f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} "
                "(save the file as UTF-8)"
            )
            text = raw.decode("utf-8", errors="replace")
        texts.append(text + "\n" if number < len(raw_lines) else text)
    if texts and texts[-1] == "":
        texts.pop()
    out: list[tuple[int, dict[str, Any], str | None]] = []
    if path.suffix == ".jsonl":
        for number, text in enumerate(texts, start=1):
            if not text.strip():
                continue
            if number in bad:
                out.append((number, {}, bad[number]))
                continue
            try:
                value = json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                out.append((number, {}, f"broken JSON: {exc.msg} (column {exc.colno})"))
                continue
            except RecursionError:
                out.append((number, {}, "broken JSON: values nested too deeply"))
                continue
            if not isinstance(value, dict):
                kind = type(value).__name__
                out.append((number, {}, f"a line must be a JSON object, not {kind}"))
                continue
            out.append((number, {k: v for k, v in value.items() if v is not None}, None))
        return out
    reader = csv.reader(iter(texts))
    columns = [c.strip() for c in next(reader)]
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.append((start, {}, f"unreadable CSV: {exc}"))
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        data = {c: v for c, v in zip(columns, cells, strict=False) if v != ""}
        error = next((bad[n] for n in range(start, reader.line_num + 1) if n in bad), None)
        if error is None and any(cells[len(columns) :]):
            error = f"row has {len(cells)} cells but the header names {len(columns)} columns"
        out.append((start, data, error))
    return out


def test_only_csv_files_are_read_as_cells(tmp_path: Path) -> None:
    path = tmp_path / "i.jsonl"
    path.write_bytes(JSONL_BYTES)
    with open_source(path) as source, pytest.raises(ValueError, match="only a CSV file"):
        next(source.chunks(10, cells=True))


def test_the_reader_says_where_a_line_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(CSV_BYTES)
    errors = {n: e for n, _, e in _all_rows(path) if e}
    assert "0xe9 at column 7" in errors[5]


def test_timestamps_copied_from_their_text_equal_the_formatted_value() -> None:
    """``_plain_utc`` reads a validated timestamp's store text off its input; whenever it
    answers, the answer must be what formatting the parsed value gives."""
    adapter = TypeAdapter(Timestamp)
    rng = random.Random(5)
    texts = [
        "2024-01-09T06:37:25Z",
        "2024-01-09T06:37:25.123456Z",
        "2024-01-09T06:37:25.5Z",
        "2024-01-09t06:37:25z",
        "2024-01-09 06:37:25Z",
        "2024-01-09T06:37:25+00:00",
        "2024-01-09T06:37:25+02:00",
        "2024-01-09T06:37:25.123456+05:30",
        " 2024-01-09T06:37:25Z",
        "2024-02-29T23:59:59.999999Z",
        "0999-12-31T00:00:00Z",
        "2024-01-09T063725.5Z",
        "2024-01-09T06:37Z",
        "2024-01-09",
        "2024-01-09T06:37:25.1234567Z",
    ]
    for _ in range(2_000):
        value = datetime(
            rng.randint(1, 9999),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
            rng.randint(0, 59),
            rng.choice([0, rng.randint(0, 999_999)]),
            UTC,
        )
        texts += [
            value.strftime("%Y-%m-%dT%H:%M:%SZ").rjust(20, "0"),
            format_timestamp(value),
            value.isoformat(),
        ]
    answered = 0
    for text in texts:
        try:
            value = adapter.validate_python(text)
        except ValidationError:
            continue
        copied = _plain_utc(text)
        if copied is not None:
            answered += 1
            assert copied == '"' + format_timestamp(value) + '"', text
    assert answered > 2_000
    for odd in ("", "Z", "2024-01-09TZ", "2024-01-09T06:37:25.12345Z", 20240109, None):
        assert _plain_utc(odd) is None


_TIMESTAMP_INPUTS: list[Any] = [
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00.5+05:30",
    "2024-05-01T23:30:00-02:00",
    "0001-01-01T00:30:00+01:00",  # before year 1 in UTC: refused by both
    "0001-01-01T00:30:00+00:30",  # the first instant UTC holds
    "9999-12-31T23:30:00-00:30",  # after the last
    "9999-12-31T23:59:59.999999Z",
    "2024-05-01T10:00:00",  # no timezone
    "2024-05-01",
    "2024-02-30T10:00:00Z",
    "soon",
    1714557600,
    datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=-7))),
    datetime(2024, 5, 1, 12),
]


@pytest.mark.parametrize("value", _TIMESTAMP_INPUTS, ids=repr)
def test_the_batch_model_accepts_refuses_and_encodes_timestamps_as_the_model_does(
    value: Any,
) -> None:
    """The chunk's pydantic call validates into a variant whose timestamps skip the Python
    conversion to UTC; what it accepts, refuses and writes must not change."""
    model = EDGE_MODELS[RelType.FOLLOWS]
    adapter, extract, encode = _dict_schema(model, node=False)
    try:
        expected: str | None = canonical_json(edge_props(model.model_validate({"since": value})))
    except ValidationError:
        expected = None
    try:
        [values] = adapter.validate_python([extract({"since": value})])
    except ValidationError:
        assert expected is None
        return
    assert expected is not None
    assert encode(values, {"since": value}) == encode(values, {}) == expected


def test_the_batch_model_keeps_every_field_and_default() -> None:
    for model in [*NODE_MODELS.values(), *EDGE_MODELS.values()]:
        for ignore_extra in (False, True):
            variant = _batch_model(model, ignore_extra=ignore_extra)
            assert variant.model_fields.keys() == model.model_fields.keys()
            for name, f in variant.model_fields.items():
                assert (f.alias, f.default, f.is_required()) == (
                    model.model_fields[name].alias,
                    model.model_fields[name].default,
                    model.model_fields[name].is_required(),
                ), (model.__name__, name)
            extra = "ignore" if ignore_extra else "forbid"
            assert variant.model_config["extra"] == extra


def _expand(columns: EdgeColumns) -> list[EdgeRecord]:
    rel, src_label, src_ids, dst_label, dst_ids, encoded = columns
    return [
        EdgeRecord(rel, src_label, s, dst_label, d, e)
        for s, d, e in zip(src_ids, dst_ids, encoded, strict=True)
    ]


@pytest.mark.parametrize(
    "stem", sorted(s.stem for s in FILE_SPECS if s.src is not None and s.dst is not None)
)
def test_cells_as_columns_equal_the_records_or_are_refused(stem: str) -> None:
    """``CellsParser.columns`` gives a chunk's records as columns only when it would give
    exactly what the cells parser gives, and does so for a chunk of plain rows."""
    spec = SPECS[stem]
    header, rows = _cells_rows(stem)
    cells_parser = RowParser(spec).cells_parser(header)
    assert isinstance(cells_parser, CellsParser)
    taken = 0
    for chunk in [[row] for row in rows] + [rows]:
        columns = cells_parser.columns(chunk)
        if columns is not None:
            assert _expand(columns) == cells_parser(chunk)
            taken += len(chunk)
    assert cells_parser.columns(rows) is None  # some rows are rejected, some odd
    plain = [r for r in rows if cells_parser.columns([r]) is not None]
    if spec.src.type_column is None and spec.dst.type_column is None:
        assert len(plain) >= (5 if len(header) > 2 else 2), plain  # good row, its variants
        columns = cells_parser.columns(plain)  # rows taken one by one: taken together
        assert columns is not None
        assert _expand(columns) == cells_parser(plain)
        assert cells_parser.columns([*plain, rows[-1]]) is None or not isinstance(
            cells_parser([rows[-1]])[0], list
        )
    else:  # an end whose label each row names: always by rows
        assert taken == 0
    assert cells_parser.columns([]) is None


def _numbered_index(profiles: int) -> LoadIndex:
    """An index of a numbered load that has read ``profiles`` Profile rows (p0, p1, …)."""
    index = LoadIndex(SqliteGraphStore(":memory:"), [])  # an empty store, never asked
    index.number_from(10)
    index.begin_file(0)
    for n in range(profiles):
        record = NodeRecord(NodeLabel.PROFILE, f"p{n}", "{}", [], hash(f"p{n}"))
        assert index.add_node(record, make_loc(0, n + 2))
    index.end_file(profiles + 1)
    return index


def _follows(pairs: list[tuple[str, str]], since: str = _T) -> list[EdgeRecord]:
    return [
        EdgeRecord("FOLLOWS", "Profile", s, "Profile", d, json.dumps({"since": since}))
        for s, d in pairs
    ]


def test_relationships_checked_as_columns_equal_those_checked_row_by_row() -> None:
    """``LoadIndex.add_edge_columns`` accepts a chunk only when ``add_edges`` would accept
    every row as new and numbered, with the same numbered rows and the same pairs kept; else
    it changes nothing and the chunk goes row by row (duplicates, conflicts, missing ends)."""
    chunks = [
        _follows([("p0", "p1"), ("p1", "p2"), ("p2", "p0")]),  # all new
        _follows([("p3", "p4"), ("p3", "p4")]),  # the same pair twice in the chunk
        _follows([("p0", "p1")]),  # a pair of an earlier chunk, identical: a duplicate
        _follows([("p1", "p2")], since="2020-01-01T00:00:00Z"),  # different values
        _follows([("p4", "p0"), ("p9", "p0")]),  # an end that exists nowhere
        _follows([("p4", "p1"), ("p1", "p4")]),  # all new again
    ]
    by_rows, by_columns = _numbered_index(5), _numbered_index(5)
    base = make_loc(1, 0)
    columns_taken = []
    expected: list[Any] = []
    got: list[Any] = []
    line = 2
    for chunk in chunks:
        lines = list(range(line, line + len(chunk)))
        line += len(chunk)
        expected.append(by_rows.add_edges(chunk, lines, base, ("follower", "followed")))
        columns = EdgeColumns(
            "FOLLOWS",
            "Profile",
            [r.src_id for r in chunk],
            "Profile",
            [r.dst_id for r in chunk],
            [r.encoded for r in chunk],
        )
        before = dict(by_columns._edges)
        numbered = by_columns.add_edge_columns(columns, lines, base)
        columns_taken.append(numbered is not None)
        if numbered is None:
            assert by_columns._edges == before  # nothing changed
            got.append(by_columns.add_edges(chunk, lines, base, ("follower", "followed")))
        else:
            got.append(([], [], numbered))
    assert columns_taken == [True, False, False, False, False, True]
    assert got == expected
    assert by_columns._edges == by_rows._edges
    assert by_columns.rejected == by_rows.rejected and len(by_rows.rejected) == 2
    assert by_columns.duplicates == by_rows.duplicates == {1: 2}
    # a load that does not number its nodes keeps relationships by id: always row by row
    unnumbered = LoadIndex(SqliteGraphStore(":memory:"), [])
    columns = EdgeColumns("FOLLOWS", "Profile", ["p0"], "Profile", ["p1"], ["{}"])
    assert unnumbered.add_edge_columns(columns, [2], base) is None


def _expand_interactions(columns: InteractionColumns) -> list[NodeRecord]:
    """The records of ``columns``' rows, relationships in the order the row path names them."""
    made = []
    for k, node_id in enumerate(columns.ids):
        me = ("Interaction", node_id)
        edges = [("PERFORMED", columns.actor_labels[k], columns.actors[k], *me, "{}")]
        for rel, target, many, values in columns.links:
            value = values[k]
            for other in (value or ()) if many else ([value] if value is not None else []):
                edges.append((rel, *me, target, other, "{}"))
        made.append(
            NodeRecord(
                NodeLabel.INTERACTION, node_id, columns.encoded[k], edges, columns.digests[k]
            )
        )
    return made


_PLAIN_INTERACTIONS: list[dict[str, Any]] = [
    {"id": "i1", "kind": "post", "channel": "x", "occurredAt": _T, "actor": "p1", "in": "g1"},
    {
        "id": " i2",
        "kind": "reply",
        "channel": "x",
        "occurredAt": _T,
        "actor": " p2 ",
        "respondsTo": "i1 ",
    },
    {
        "id": "i3",
        "kind": "review",
        "channel": "web",
        "occurredAt": _T,
        "actor": "c1",
        "actorType": " Customer ",
        "about": "d1| d2|d1",
        "mentions": ["p1", "p1", " "],
        "sentiment": -0.5,
        "text": "fine",
    },
    {"id": "i4", "kind": "post", "channel": "x", "occurredAt": _T, "actor": "p1", "about": []},
    {
        "id": "i5",
        "kind": "post",
        "channel": "x",
        "occurredAt": _T,
        "actor": "p3",
        "actorType": "profile",
    },
]


def test_interactions_as_columns_equal_the_records_or_are_refused(tmp_path: Path) -> None:
    """``RowParser.interaction_columns`` gives a chunk's interactions as columns only when
    they are exactly what ``parse_many`` makes of it (ids, JSON, digests, relationships),
    and does so for chunks of plain rows, generated ones included."""
    parser = RowParser(SPECS["interactions"])
    odd = ODD_ROWS["interactions"]
    taken = []
    for chunk in [[row] for row in odd + _PLAIN_INTERACTIONS] + [_PLAIN_INTERACTIONS]:
        columns = parser.interaction_columns(chunk)
        if columns is not None:
            assert _expand_interactions(columns) == parser.parse_many(chunk)
            taken += columns.ids
    plain = ["i1", "i2", "i3", "i4", "i5"]
    assert taken == ["i1", "i4", *plain, *plain]  # two odd rows are plain: every link column
    assert parser.interaction_columns(odd) is None  # some rejected, some odd, one without actor
    assert parser.interaction_columns([*_PLAIN_INTERACTIONS, odd[1]]) is None  # a number as actor
    assert parser.interaction_columns([]) is None
    good = _PLAIN_INTERACTIONS[0]
    for bad in [
        {"in": " "},
        {"respondsTo": "x" * 257},
        {"actor": ""},
        {"actorType": "robot"},
        {"mentions": {"p1": 1}},
        {"about": "d1|" + "x" * 257},
    ]:  # a link the row path refuses: the chunk goes by rows, which say why
        assert parser.interaction_columns([good, {**good, "id": "i9", **bad}]) is None, bad
        assert isinstance(parser.parse({**good, **bad}), list), bad
    assert RowParser(SPECS["customers"]).interaction_columns([{"id": "c1"}]) is None
    generate(tmp_path, size="small", seed=5)
    with open_source(tmp_path / "interactions.jsonl") as source:
        chunks = [chunk.rows for chunk in source.chunks(500)]
    as_columns = [parser.interaction_columns(chunk) for chunk in chunks]
    assert None not in as_columns
    assert [r for c in as_columns for r in _expand_interactions(c)] == [  # type: ignore[arg-type]
        r for chunk in chunks for r in parser.parse_many(chunk)
    ]


def _interaction_index() -> LoadIndex:
    """A numbered load's index that has read profiles p0-p4, customer c0, community g0 and
    products d0, d1 (numbers from 10, a file each)."""
    index = LoadIndex(SqliteGraphStore(":memory:"), [])
    index.number_from(10)
    files = [
        (NodeLabel.PROFILE, ["p0", "p1", "p2", "p3", "p4"]),
        (NodeLabel.CUSTOMER, ["c0"]),
        (NodeLabel.COMMUNITY, ["g0"]),
        (NodeLabel.PRODUCT, ["d0", "d1"]),
    ]
    for i, (label, ids) in enumerate(files):
        index.begin_file(i)
        for n, node_id in enumerate(ids):
            assert index.add_node(
                NodeRecord(label, node_id, "{}", [], hash(node_id)), make_loc(i, n + 2)
            )
        index.end_file(len(ids) + 1)
    index.begin_file(4)
    return index


def _interaction(node_id: str, actor: str = "p0", **links: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "post",
        "channel": "x",
        "occurredAt": _T,
        "actor": actor,
        **links,
    }


def _checked_by_rows(
    index: LoadIndex, parser: RowParser, chunk: list[dict[str, Any]], lines: list[int], base: int
) -> tuple[list[Any], list[Any]]:
    """What the row path sends to the writer for ``chunk``: its numbered nodes, and their
    links by type (a stable sort: in the rows' order), as the column path gives them."""
    made, links = [], []
    for at, record in zip(lines, parser.parse_many(chunk), strict=True):
        assert isinstance(record, NodeRecord)
        if index.add_node(record, base | at) and not index.is_pending(record.id):
            assert record.numbered is not None
            made.append(("Interaction", record.id, record.encoded, record.number))
            links += record.numbered
    return made, sorted(links, key=lambda e: e[0])


def test_interactions_checked_as_columns_equal_those_checked_row_by_row() -> None:
    """``LoadIndex.add_interaction_columns`` accepts a chunk only when ``add_node`` would
    accept every row as new with every link numbered, giving the same numbered nodes and
    relationships (per type, in row order) and keeping the same ids; else it changes
    nothing and the chunk goes row by row (duplicates, conflicts, missing ends, replies
    to interactions not read yet)."""
    chunks = [
        [  # all new: every link column, a customer as actor, a reply to a row before it
            _interaction("i0", "p1", **{"in": "g0", "about": ["d0", "d1"], "mentions": "p2|p3"}),
            _interaction("i1", "c0", actorType="customer", about=["d1"]),
            _interaction("i2", "p2", respondsTo="i0"),
        ],
        [_interaction("i3", respondsTo="i1"), _interaction("i4", respondsTo="i4")],  # itself
        [_interaction("i5"), _interaction("i5")],  # the same id twice in the chunk
        [_interaction("i0", "p1", **{"in": "g0", "about": ["d0", "d1"], "mentions": "p2|p3"})],
        [_interaction("i1", "p1")],  # an earlier id with different values
        [_interaction("i6", "p9")],  # an actor that exists nowhere
        [_interaction("i7", about=["d7"])],  # a product that exists nowhere
        [_interaction("i8", respondsTo="i9"), _interaction("i9")],  # a reply before its parent
        [_interaction("i10", respondsTo="i8")],  # a reply to a pending one
        [_interaction("i11", respondsTo="i3"), _interaction("i12", "p4", respondsTo="i11")],
    ]
    parser = RowParser(SPECS["interactions"])
    by_rows, by_columns = _interaction_index(), _interaction_index()
    base = make_loc(4, 0)
    taken, expected, got = [], [], []
    line = 2
    for chunk in chunks:
        lines = list(range(line, line + len(chunk)))
        line += len(chunk)
        expected.append(_checked_by_rows(by_rows, parser, chunk, lines, base))
        columns = parser.interaction_columns(chunk)
        assert columns is not None
        before = {label: dict(ids) for label, ids in by_columns.nodes.items()}
        result = by_columns.add_interaction_columns(columns, lines, base)
        taken.append(result is not None)
        if result is None:
            assert by_columns.nodes == before  # nothing changed
            got.append(_checked_by_rows(by_columns, parser, chunk, lines, base))
        else:
            got.append((result[0], sorted(result[1], key=lambda e: e[0])))
    assert taken == [True, False, False, False, False, False, False, False, False, True]
    assert got == expected
    # numbers: p0-p4 12-16, c0 19, g0 22, d0 25, d1 26, interactions 29 on
    assert expected[0][1][:3] == [
        ("ABOUT", 29, 25, "{}"),
        ("ABOUT", 29, 26, "{}"),
        ("ABOUT", 30, 26, "{}"),
    ]
    assert by_columns.nodes == by_rows.nodes
    assert by_columns.rejected == by_rows.rejected and len(by_rows.rejected) == 3
    assert by_columns.duplicates == by_rows.duplicates == {4: 2}  # i5 again, i0 again
    assert by_columns._pending.keys() == by_rows._pending.keys() == {"i4", "i8", "i10"}
    # a load that does not number its nodes: always row by row
    unnumbered = LoadIndex(SqliteGraphStore(":memory:"), [])
    columns = parser.interaction_columns([_interaction("i0")])
    assert columns is not None
    assert unnumbered.add_interaction_columns(columns, [2], base) is None
