"""load_path against the real SQLite store: counts, idempotence, errors, skip_invalid."""

from __future__ import annotations

import csv
import gc
import json
import sys
from pathlib import Path

import pytest
from conftest import FolderFactory
from loader_helpers import EXAMPLES, snapshot

from graph_api.errors import InvalidInput
from graph_api.model import NodeLabel, RelType
from graph_api.store.sqlite import SqliteGraphStore
from loaders.load import LoadReport, load_path
from loaders.staging import StagingFile

GOOD_CUSTOMERS = "id,name,email\nc1,Ann Lee,ann@example.com\nc2,Bob Stone,\n"
GOOD_PROFILES = "id,platform,handle\np1,x,ann\np2,x,bob\n"


def assert_consistent(report: LoadReport) -> None:
    for f in report.files:
        assert f.consistent, f


async def test_example_folder_loads_cleanly_and_a_reload_changes_nothing(
    graph_store: SqliteGraphStore,
) -> None:
    first = await load_path(graph_store, EXAMPLES, progress=False)
    assert_consistent(first)
    assert first.problems == [] and first.unknown_files == []
    assert {f.file: f.inserted for f in first.files} == {f.file: f.read for f in first.files}
    interactions = next(f for f in first.files if f.file == "interactions.jsonl")
    assert interactions.relationships[RelType.RESPONDS_TO].inserted == 2
    assert interactions.relationships[RelType.PERFORMED].inserted == 5
    assert await graph_store.count_nodes(NodeLabel.INTERACTION) == 5
    state = await snapshot(graph_store)
    version = await graph_store.data_version()
    assert first.data_version == version > first.data_version_before == 0

    second = await load_path(graph_store, EXAMPLES, progress=False)
    assert_consistent(second)
    assert all(f.unchanged == f.read and f.inserted == f.updated == 0 for f in second.files)
    again = next(f for f in second.files if f.file == "interactions.jsonl")
    assert again.relationships and all(
        c.unchanged and not (c.inserted or c.updated) for c in again.relationships.values()
    )
    assert second.data_version == second.data_version_before == version
    assert await snapshot(graph_store) == state


async def test_batch_size_does_not_change_the_result(tmp_path: Path) -> None:
    states = []
    for batch_size in (1, 3, 5_000):
        async with SqliteGraphStore(tmp_path / f"g{batch_size}.db") as store:
            await load_path(store, EXAMPLES, progress=False, batch_size=batch_size)
            states.append(await snapshot(store))
    assert states[0] == states[1] == states[2]


BAD_FILES: dict[str, str | bytes] = {
    "customers.csv": (
        "id,name,createdAt\n"
        "zc1,Ann Lee,2024-01-01T00:00:00Z\n"
        ",No Id,\n"  # line 3: missing id
        "zc3,Cy,last tuesday\n"  # line 4: unparseable date
        "zc1,Ann Other,\n"  # line 5: same id, different values
    ),
    "profiles.jsonl": (
        '{"id": "zp1", "platform": "x", "handle": "ann"}\n'
        '{"id": "zp2", "platform": "myspace", "handle": "bob"}\n'  # unknown enum
        '{"id": "zp3", "platform": "x", "handle": "cy", "shoeSize": 42}\n'  # unknown column
        '{"id": "zp4", "platform": "x", "handle": "dee"\n'  # broken JSON
    ),
    "interactions.jsonl": (
        b'{"id": "zi1", "kind": "post", "channel": "x", "sentiment": 1.5, '
        b'"occurredAt": "2024-01-01T00:00:00Z", "actor": "zp1"}\n'  # sentiment out of range
        b'{"id": "zi2", "kind": "post", "channel": "x", "text": "caf\xe9", '
        b'"occurredAt": "2024-01-01T00:00:00Z"}\n'  # not UTF-8
    ),
    "follows.csv": "follower,followed\nzp1,zp9\nzp1,zp2\n",  # zp9 nowhere; zp2 rejected above
    "referrals.csv": "referrer,referred\nzc1,zc3\n",  # zc3 rejected above (a CSV file's row)
}

EXPECTED_PROBLEMS = [
    ("customers.csv:3", "id", "missing"),
    ("customers.csv:4", "createdAt", "unparseable date 'last tuesday'"),
    ("customers.csv:5", "id", "given before (line 2) with different values"),
    ("profiles.jsonl:2", "platform", "unknown value 'myspace'"),
    ("profiles.jsonl:3", "shoeSize", "unknown column"),
    ("profiles.jsonl:4", "", "broken JSON"),
    ("interactions.jsonl:1", "sentiment", "outside [-1, 1]"),
    ("interactions.jsonl:2", "", "not UTF-8"),
    ("follows.csv:2", "followed", "Profile 'zp9' exists neither in the store nor in this load"),
    ("follows.csv:3", "followed", "its row, line 2 of the Profile file, is rejected"),
    ("referrals.csv:2", "referred", "its row, line 4 of the Customer file, is rejected"),
]


async def test_every_kind_of_bad_row_is_reported_and_nothing_is_written(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    await load_path(graph_store, EXAMPLES, progress=False)
    before = await snapshot(graph_store)
    version = await graph_store.data_version()
    with pytest.raises(InvalidInput) as caught:
        await load_path(graph_store, make_folder(BAD_FILES), progress=False)
    problems = caught.value.problems
    assert len(problems) == len(EXPECTED_PROBLEMS)
    for problem, (where, field, words) in zip(problems, EXPECTED_PROBLEMS, strict=True):
        assert (problem.where, problem.field) == (where, field)
        assert words in problem.reason, problem
        assert str(problem).startswith(f"{where}: {field + ': ' if field else ''}")
    assert "nothing was written" in caught.value.message
    assert await graph_store.data_version() == version
    assert await snapshot(graph_store) == before


async def test_skip_invalid_loads_the_rest_and_writes_rejects_files(
    graph_store: SqliteGraphStore, make_folder: FolderFactory, tmp_path: Path
) -> None:
    folder = make_folder(BAD_FILES)
    rejects = tmp_path / "rejects"
    report = await load_path(
        graph_store, folder, skip_invalid=True, rejects_dir=rejects, progress=False
    )
    assert_consistent(report)
    by_file = {f.file: f for f in report.files}
    assert (by_file["customers.csv"].inserted, by_file["customers.csv"].rejected) == (1, 3)
    assert (by_file["profiles.jsonl"].inserted, by_file["profiles.jsonl"].rejected) == (1, 3)
    assert by_file["interactions.jsonl"].rejected == 2
    assert by_file["follows.csv"].rejected == 2
    assert len(report.problems) == len(EXPECTED_PROBLEMS)
    assert set(await graph_store.get_nodes(NodeLabel.CUSTOMER, ["zc1", "zc3"])) == {"zc1"}

    with (rejects / "customers.rejects.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["_line"] for r in rows] == ["3", "4", "5"]
    assert rows[1]["createdAt"] == "last tuesday" and "unparseable date" in rows[1]["_reason"]
    lines = (rejects / "profiles.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["_line"] for r in records] == [2, 3, 4]
    assert records[2]["_raw"].startswith('{"id": "zp4"') and "broken JSON" in records[2]["_reason"]
    assert by_file["follows.csv"].rejects_file == rejects / "follows.rejects.csv"
    assert not (folder / "customers.rejects.csv").exists()


async def test_a_corrected_rejects_file_loads_as_it_is(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    folder = make_folder({"customers.csv": "id,name,createdAt\nc1,Ann,2024-01-01\nc2,Bob,soon\n"})
    await load_path(graph_store, folder, skip_invalid=True, progress=False)
    fixed = (folder / "customers.rejects.csv").read_text(encoding="utf-8").replace("soon", "")
    again = make_folder({"customers.csv": fixed})
    report = await load_path(graph_store, again, progress=False)
    assert report.files[0].inserted == 1
    assert set(await graph_store.get_nodes(NodeLabel.CUSTOMER, ["c1", "c2"])) == {"c1", "c2"}


async def test_unknown_column_in_a_csv_header_rejects_the_file_once(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    folder = make_folder({"customers.csv": "id,name,shoeSize\nc1,Ann,42\nc2,Bob,\n"})
    with pytest.raises(InvalidInput) as caught:
        await load_path(graph_store, folder, progress=False)
    [problem] = caught.value.problems
    assert (problem.where, problem.field) == ("customers.csv:1", "shoeSize")
    assert "unknown column" in problem.reason and "all 2 rows" in problem.reason


async def test_identical_repeats_count_as_unchanged(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    folder = make_folder(
        {
            "customers.csv": "id,name\nc1,Ann\nc1, Ann \nc2,Bob\n",
            "profiles.csv": GOOD_PROFILES,
            "follows.csv": "follower,followed,since\np1,p2,2024-01-01\np1,p2,2024-01-01\n",
        }
    )
    report = await load_path(graph_store, folder, progress=False)
    assert_consistent(report)
    customers, _, follows = report.files
    assert (customers.read, customers.inserted, customers.unchanged) == (3, 2, 1)
    assert (follows.read, follows.inserted, follows.unchanged) == (2, 1, 1)


async def test_conflicting_relationship_rows_are_rejected(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    folder = make_folder(
        {
            "profiles.csv": GOOD_PROFILES,
            "follows.csv": "follower,followed,since\np1,p2,2024-01-01\np1,p2,2024-02-01\n",
        }
    )
    with pytest.raises(InvalidInput) as caught:
        await load_path(graph_store, folder, progress=False)
    [problem] = caught.value.problems
    assert problem.where == "follows.csv:3" and "given before (line 2)" in problem.reason


async def test_relationships_may_point_at_nodes_already_in_the_store(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    await load_path(graph_store, make_folder({"profiles.csv": GOOD_PROFILES}), progress=False)
    delta = make_folder(
        {
            "follows.csv": "follower,followed\np2,p1\n",
            "interactions.jsonl": '{"id": "i1", "kind": "post", "channel": "x", '
            '"occurredAt": "2024-01-01T00:00:00Z", "actor": "p2", "mentions": "p1"}\n',
        }
    )
    report = await load_path(graph_store, delta, progress=False)
    assert_consistent(report)
    assert await graph_store.count_edges(RelType.FOLLOWS) == 1
    assert await graph_store.count_edges(RelType.MENTIONS) == 1


async def test_replies_may_come_before_what_they_answer_but_chains_must_end_somewhere(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    head = '{"kind": "reply", "channel": "x", "occurredAt": "2024-01-01T00:00:00Z", '
    lines = [
        head + '"id": "i3", "respondsTo": "i2"}',  # forward reference: fine
        head + '"id": "i2", "respondsTo": "i1"}',
        head + '"id": "i1"}',
        head + '"id": "x2", "respondsTo": "x1"}',  # x1 responds to a missing interaction
        head + '"id": "x1", "respondsTo": "gone"}',
        head + '"id": "x3", "respondsTo": "x2"}',
    ]
    folder = make_folder({"interactions.jsonl": "\n".join(lines) + "\n"})
    with pytest.raises(InvalidInput) as caught:
        await load_path(graph_store, folder, progress=False)
    problems = {p.where: p.reason for p in caught.value.problems}
    assert set(problems) == {"interactions.jsonl:4", "interactions.jsonl:5", "interactions.jsonl:6"}
    assert "'gone' exists neither" in problems["interactions.jsonl:5"]
    assert "responds to 'x1', which is rejected" in problems["interactions.jsonl:4"]

    report = await load_path(graph_store, folder, skip_invalid=True, progress=False)
    assert (report.files[0].inserted, report.files[0].rejected) == (3, 3)
    assert await graph_store.count_edges(RelType.RESPONDS_TO) == 2


async def test_unknown_files_are_reported_and_side_files_ignored(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    folder = make_folder(
        {
            "customers.csv": GOOD_CUSTOMERS,
            "customer.csv": "id,name\n",
            "orders.xlsx": "",
            "truth.json": "{}",
            "customers.rejects.csv": "",
        }
    )
    report = await load_path(graph_store, folder, progress=False)
    assert report.unknown_files == ["customer.csv", "orders.xlsx"]
    assert any("customer.csv: unknown file" in line for line in report.lines())


async def test_a_single_file_and_an_empty_folder(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    folder = make_folder({"customers.csv": GOOD_CUSTOMERS})
    report = await load_path(graph_store, folder / "customers.csv", progress=False)
    assert report.files[0].inserted == 2
    with pytest.raises(InvalidInput, match="no data files"):
        await load_path(graph_store, make_folder({"notes.txt": "hi"}), progress=False)
    with pytest.raises(InvalidInput, match="no such file"):
        await load_path(graph_store, folder / "missing", progress=False)


async def test_problems_come_in_load_order(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    folder = make_folder(
        {
            "follows.csv": "follower,followed,weight\np1,p2,3\n",
            "profiles.csv": "id,platform,handle,colour\np1,x,a,red\n",
            "customers.csv": "id,name\n,Ann\nc2,Bob\n,Cy\n",
        }
    )
    with pytest.raises(InvalidInput) as caught:
        await load_path(graph_store, folder, progress=False)
    assert [(p.where, p.field) for p in caught.value.problems] == [
        ("customers.csv:2", "id"),
        ("customers.csv:4", "id"),
        ("profiles.csv:1", "colour"),
        ("follows.csv:1", "weight"),
    ]


async def test_interaction_relationships_may_come_in_their_own_files(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    head = '{"kind": "post", "channel": "x", "occurredAt": "2024-01-01T00:00:00Z", '
    folder = make_folder(
        {
            "customers.csv": GOOD_CUSTOMERS,
            "profiles.csv": GOOD_PROFILES,
            "communities.csv": "id,name\ng1,Runners\n",
            "products.csv": "id,name\nd1,Shoe\n",
            "interactions.jsonl": head + '"id": "i1", "actor": "p1"}\n' + head + '"id": "i2"}\n',
            "performed.csv": "actor,actorType,interaction\np1,,i1\nc2,customer,i2\n",
            "about.csv": "interaction,product\ni1,d1\n",
            "posted_in.csv": "interaction,community\ni1,g1\n",
            "mentions.jsonl": '{"interaction": "i2", "profile": "p2"}\n',
            "responds_to.csv": "interaction,respondsTo\ni2,i1\n",
        }
    )
    report = await load_path(graph_store, folder, progress=False, resolve=False)
    assert_consistent(report)
    performed = next(f for f in report.files if f.file == "performed.csv")
    assert (performed.inserted, performed.unchanged) == (1, 1)  # p1 → i1 also came inline
    for rel in (RelType.ABOUT, RelType.IN, RelType.MENTIONS, RelType.RESPONDS_TO):
        assert await graph_store.count_edges(rel) == 1
    assert await graph_store.count_edges(RelType.PERFORMED) == 2


async def test_a_load_gives_back_the_interpreter_settings_it_tunes(
    graph_store: SqliteGraphStore, make_folder: FolderFactory
) -> None:
    """A load pauses the cyclic collector and shortens the GIL switch interval (see
    loaders.load); both come back as they were, after a good load and after a refused one."""
    gc.enable()
    before = sys.getswitchinterval()
    await load_path(graph_store, EXAMPLES, progress=False)
    assert gc.isenabled() and sys.getswitchinterval() == before
    bad = make_folder({"customers.csv": "id,name\nc1,\n"})
    with pytest.raises(InvalidInput):
        await load_path(graph_store, bad, progress=False)
    assert gc.isenabled() and sys.getswitchinterval() == before


def test_staging_files_exist_only_when_something_is_staged(tmp_path: Path) -> None:
    empty = StagingFile(tmp_path / "0.staged")
    empty.seal()
    assert not empty.path.exists() and list(empty.chunks()) == []
    staged = StagingFile(tmp_path / "1.staged")
    records = [(n, f"i{n}", "{}", []) for n in range(12_001)]
    for record in records:
        staged.append(record)
    assert [r for chunk in staged.chunks() for r in chunk] == records
    with pytest.raises(RuntimeError, match="sealed"):
        staged.append(records[0])
