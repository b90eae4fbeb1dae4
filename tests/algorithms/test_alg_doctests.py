"""The examples in the algorithms' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "algorithms.advocacy",
    "algorithms.cascades",
    "algorithms.communities",
    "algorithms.indexed_paths",
    "algorithms.influence",
    "algorithms.paths",
    "algorithms.seeds",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_package_exports_what_modules_declare() -> None:
    package = importlib.import_module("algorithms")
    for name in MODULES:
        for symbol in importlib.import_module(name).__all__:
            assert getattr(package, symbol) is getattr(importlib.import_module(name), symbol)
            assert symbol in package.__all__
