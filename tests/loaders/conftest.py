"""Fixtures for the loader tests: data folders written from text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
