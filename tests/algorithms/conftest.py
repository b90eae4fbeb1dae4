"""Fixtures of the algorithms tests: the reference data sets."""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import pytest

# pytest puts tests/ on sys.path (for tests/conftest.py), and this folder is tests/algorithms:
# with the package installed in editable mode (a meta-path finder, not a sys.path entry),
# `import algorithms` would then find this folder as a namespace package instead of the real
# package. With the repository on sys.path the real, regular package always wins.
# (`pythonpath = ["."]` in the pytest settings would do the same for every test folder.)
_REPOSITORY = Path(__file__).resolve().parents[2]
if str(_REPOSITORY) not in sys.path:
    sys.path.insert(0, str(_REPOSITORY))
if getattr(sys.modules.get("algorithms"), "__file__", "") is None:
    del sys.modules["algorithms"]  # the namespace stand-in, imported before this file ran

# The repository is /work/main, the shared data /work/shared/data: next to the repository.
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _shared_file(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.fail(
            f"reference data {path} is missing: the algorithms tests need the SNAP email-Eu-core "
            f"files in {SHARED_DATA} (they are always present in CI)"
        )
    return path


def _pairs(path: Path) -> list[tuple[int, int]]:
    # The files use CRLF and a few stray CRs, so blank lines are skipped.
    rows = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if fields:
            rows.append((int(fields[0]), int(fields[1])))
    return rows


@pytest.fixture(scope="session")
def email_digraph() -> nx.DiGraph:
    """The email-Eu-core network: 1,005 people, 25,571 directed e-mail edges."""
    G = nx.DiGraph()
    G.add_edges_from(_pairs(_shared_file("email-Eu-core.txt")))
    G.add_nodes_from(
        person for person, _ in _pairs(_shared_file("email-Eu-core-department-labels.txt"))
    )
    return G


@pytest.fixture(scope="session")
def email_departments() -> dict[int, int]:
    """Person -> department (42 departments): the ground truth of email-Eu-core."""
    return dict(_pairs(_shared_file("email-Eu-core-department-labels.txt")))
