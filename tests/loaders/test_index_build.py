"""When a pipelined load has the store build the indexes it put off (``bulk_indexes_now``):
after the first relationship file that leaves at most an eighth of the load's bytes, and the
store it leaves is the same as one whose indexes were built at the commit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import FolderFactory
from loader_helpers import outcome, snapshot

from graph_api.store.sqlite import _DEFERRABLE, SqliteGraphStore
from loaders.load import _index_point, _plan, load_path


def _names(folder: Path) -> tuple[list[str], str | None]:
    files, _, _ = _plan(folder)
    point = _index_point(files)
    return [f.name for f in files], None if point is None else files[point].name


def test_the_point_is_the_first_relationship_file_leaving_an_eighth(
    make_folder: FolderFactory,
) -> None:
    customers = "id,name\n" + "".join(f"c{k},Name {k}\n" for k in range(100))
    follows = "src,dst\n" + "".join(f"p{k},p{k + 1}\n" for k in range(100))
    profiles = "id,platform,handle\n" + "".join(f"p{k},x,h{k}\n" for k in range(101))
    small = "src,dst\np1,p2\n"  # 14 bytes: well under an eighth
    folder = make_folder(
        {"customers.csv": customers, "profiles.csv": profiles, "follows.csv": follows}
        | {"member_of.csv": "customer,community\n", "communities.csv": "id,name\n"}
    )
    # member_of.csv (19 bytes) is left after follows.csv: build then
    assert _names(folder)[1] == "follows.csv"
    # the last file is large: nothing to overlap, the commit builds them
    folder = make_folder({"customers.csv": customers, "profiles.csv": profiles})
    (folder / "follows.csv").write_text(follows)
    assert _names(folder) == (["customers.csv", "profiles.csv", "follows.csv"], None)
    # a relationship file leaving more than an eighth is too early
    folder = make_folder(
        {"customers.csv": customers, "profiles.csv": profiles, "follows.csv": small}
        | {"referrals.csv": "referrer,referred\n" + "c1,c2\n" * 200}
    )
    assert _names(folder)[1] is None
    # nodes only: never (the node indexes come back with bulk_nodes_written)
    assert _names(make_folder({"customers.csv": customers, "profiles.csv": profiles}))[1] is None


def test_on_the_generated_set_after_follows(small_set: Path) -> None:
    names, point = _names(small_set)
    assert point == "follows.csv"
    assert names[names.index("follows.csv") + 1 :] == [
        "member_of.csv",
        "purchases.csv",
        "referrals.csv",
    ]


class _Watching(SqliteGraphStore):
    """The real store, noting the relationships it holds when told to build its indexes."""

    seen: list[dict[str, int]]

    async def bulk_indexes_now(self) -> None:
        def count(conn: sqlite3.Connection) -> dict[str, int]:
            rows = conn.execute("SELECT type, count(*) FROM edges GROUP BY type").fetchall()
            return dict(rows)

        self.seen = [*getattr(self, "seen", []), await self._read(count)]
        await super().bulk_indexes_now()


@pytest.mark.parametrize("parallel", [False, True], ids=["one-process", "two-processes"])
async def test_indexes_built_before_the_last_files_hold_every_row(
    tmp_path: Path, small_set: Path, parallel: bool
) -> None:
    def indexes(conn: sqlite3.Connection) -> set[str]:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
        return {name for (name,) in rows} & set(_DEFERRABLE)

    def in_and_all(conn: sqlite3.Connection) -> tuple[int, int]:
        indexed = "SELECT count(*) FROM edges INDEXED BY edges_in WHERE dst > 0"
        return (
            conn.execute(indexed).fetchone()[0],
            conn.execute("SELECT count(*) FROM edges").fetchone()[0],
        )

    results = []
    # dropped after 1,000 rows: the build on the hint has work to do; the default store
    # builds them at its commit (the small set is under its threshold: kept up all along)
    for kind, after in ((_Watching, 1_000), (SqliteGraphStore, None)):
        args = {} if after is None else {"defer_indexes_after": after}
        async with kind(tmp_path / f"{kind.__name__}.db", **args) as store:
            report = await load_path(store, small_set, progress=False, parallel=parallel)
            assert not report.rejected
            if isinstance(store, _Watching):
                [held] = store.seen  # once, after follows.csv, before member_of.csv
                [follows] = [f for f in report.files if f.file == "follows.csv"]
                assert held["FOLLOWS"] == follows.inserted > 0
                assert "MEMBER_OF" not in held and "PURCHASED" not in held
            assert await store._read(indexes) == set(_DEFERRABLE)
            indexed, edges = await store._read(in_and_all)
            assert indexed == edges > 0
            check = await store._read(lambda c: c.execute("PRAGMA integrity_check").fetchall())
            assert check == [("ok",)]
            results.append((outcome(report), report.resolution, await snapshot(store)))
    assert results[0] == results[1]
