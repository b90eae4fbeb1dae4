"""Fixtures for the loader tests: data folders written from text; a store per write strategy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from loader_helpers import BatchWritingStore

import loaders.load
from graph_api.store.sqlite import SqliteGraphStore
from loaders.generate import generate

FolderFactory = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_folder(tmp_path: Path) -> FolderFactory:
    """``make_folder({"customers.csv": "id,name\\nc1,Ann\\n"})`` → a new data folder."""
    counter = iter(range(1_000))

    def make(files: dict[str, str | bytes]) -> Path:
        folder = tmp_path / f"data{next(counter)}"
        folder.mkdir()
        for name, text in files.items():
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            (folder / name).write_bytes(data)
        return folder

    return make


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated small data set (seed 3), made once for the loader tests that use it."""
    data = tmp_path_factory.mktemp("small")
    generate(data, size="small", seed=3)
    return data


@pytest.fixture(params=["bulk-session", "bulk-session-two-processes", "batch-transactions"])
async def graph_store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SqliteGraphStore]:
    """A real SQLite store, once with its atomic bulk session (loads validate and write at
    once), once with it and validation in a second process (which loads choose from 16 MiB
    of data on; here from the first byte), and once without (validate everything, then
    write batch transactions)."""
    kind = BatchWritingStore if request.param == "batch-transactions" else SqliteGraphStore
    if request.param == "bulk-session-two-processes":
        monkeypatch.setattr(loaders.load, "_PARALLEL_FROM", 0)
    async with kind(tmp_path / "graph.db") as store:
        yield store
