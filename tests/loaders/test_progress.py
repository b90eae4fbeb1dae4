from __future__ import annotations

import asyncio
import contextlib
import io
import re

from loader_helpers import EXAMPLES

from graph_api.store.sqlite import SqliteGraphStore
from loaders.load import _tick, load_path
from loaders.progress import BarProgress, LineProgress, NoProgress, make_progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_a_pipe_gets_lines() -> None:
    assert isinstance(make_progress(True, _Terminal()), BarProgress)
    assert isinstance(make_progress(True, io.StringIO()), LineProgress)
    assert isinstance(make_progress(False), NoProgress)
    mine = LineProgress(io.StringIO())
    assert make_progress(mine) is mine


def test_bar_shows_rows_rate_and_share() -> None:
    out = _Terminal()
    bar = BarProgress(out)
    bar.start("validate customers.csv", total_bytes=1_000)
    bar.update(1_500, 500)
    bar.finish("done")
    text = out.getvalue()
    assert "\r" in text and "validate customers.csv" in text
    assert "100%" in text and "1,500 rows" in text and "rows/s" in text
    assert text.endswith("; done\n")


async def test_a_load_prints_one_line_per_file_and_phase(graph_store: SqliteGraphStore) -> None:
    out = io.StringIO()
    await load_path(graph_store, EXAMPLES, progress=LineProgress(out), resolve=False)
    lines = out.getvalue().splitlines()
    assert "validate customers.csv: 6 rows" in lines[0] and "rows/s" in lines[0]
    assert sum(line.startswith("validate ") for line in lines) == 10
    writes = [line for line in lines if line.startswith("write ")]
    if graph_store.atomic_bulk() is None:  # two passes: interaction links on their own line
        assert len(writes) == 11
        assert any(w.startswith("write interactions.jsonl relationships: 14 rows") for w in writes)
    else:  # pipelined: an interaction's links are written with it
        assert len(writes) == 10
        assert any(w.startswith("write interactions.jsonl: 19 rows") for w in writes)


async def test_the_end_of_a_bulk_session_is_a_step_of_its_own(
    graph_store: SqliteGraphStore,
) -> None:
    out = _Terminal()
    await load_path(graph_store, EXAMPLES, progress=BarProgress(out), resolve=False)
    text = out.getvalue()
    if graph_store.atomic_bulk() is None:  # two passes: each batch commits on its own
        assert "commit" not in text
    else:  # a step of its own, with its time and no row count
        assert re.search(r"\r\x1b\[Kcommit \(indexes, disk\) \d+\.\ds", text), text
        assert "commit (indexes, disk) 0 rows" not in text


async def test_a_step_without_rows_keeps_showing_its_time_until_it_ends() -> None:
    seen: list[int] = []

    class Recorder(NoProgress):
        def update(self, rows: int, done_bytes: int | None = None) -> None:
            seen.append(rows)

    ticker = asyncio.create_task(_tick(Recorder(), every=0.01))
    await asyncio.sleep(0.1)
    ticker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ticker
    assert len(seen) >= 3 and set(seen) == {0}
    count = len(seen)
    await asyncio.sleep(0.05)
    assert len(seen) == count  # cancelled: it says nothing more
