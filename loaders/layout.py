"""The folder layout of a load: which file holds which node label or relationship type.

A data folder holds at most one file per *stem* below, each either ``<stem>.csv`` or
``<stem>.jsonl``; every file is optional. Node files are written before relationship files, in
the order of :data:`FILE_SPECS`, so a relationship never waits for a node of a later batch.
``docs/loaders.md`` is the user-facing reference of every column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from graph_api.model import EDGE_MODELS, NODE_MODELS, NodeLabel, RelType

__all__ = [
    "EXTENSIONS",
    "FILE_SPECS",
    "IGNORED_FILES",
    "INTERACTION_LINK_COLUMNS",
    "DataFile",
    "Endpoint",
    "FileSpec",
    "discover",
    "model_columns",
]

EXTENSIONS: Final = (".csv", ".jsonl")

IGNORED_FILES: Final = frozenset({"truth.json", "README", "README.md", "README.txt"})
"""Files a data folder may hold beside the data without being reported as unknown."""

INTERACTION_LINK_COLUMNS: Final = (
    "actor",
    "actorType",
    "about",
    "in",
    "mentions",
    "respondsTo",
)
"""Extra columns of ``interactions`` that carry the interaction's relationships inline."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a relationship row: the column holding the id and the label(s) it may name.

    With two possible labels, ``type_column`` says which (``customer`` or ``profile``) and
    ``default`` applies when that column is empty.
    """

    column: str
    labels: tuple[NodeLabel, ...]
    type_column: str | None = None

    @property
    def default(self) -> NodeLabel:
        return self.labels[0]


@dataclass(frozen=True, slots=True)
class FileSpec:
    """What one stem of the layout holds: a node label, or a relationship type and its ends."""

    stem: str
    label: NodeLabel | None = None
    rel: RelType | None = None
    src: Endpoint | None = None
    dst: Endpoint | None = None

    @property
    def is_node(self) -> bool:
        return self.label is not None

    @property
    def kind(self) -> str:
        return str(self.label if self.label is not None else self.rel)

    @property
    def columns(self) -> frozenset[str]:
        """Every column this file accepts (camelCase property names and endpoint columns)."""
        if self.label is not None:
            cols = set(model_columns(NODE_MODELS[self.label]))
            if self.label is NodeLabel.INTERACTION:
                cols.update(INTERACTION_LINK_COLUMNS)
            return frozenset(cols)
        assert self.rel is not None and self.src is not None and self.dst is not None
        cols = set(model_columns(EDGE_MODELS[self.rel]))
        for end in (self.src, self.dst):
            cols.add(end.column)
            if end.type_column:
                cols.add(end.type_column)
        return frozenset(cols)


def model_columns(model: type[object]) -> list[str]:
    """The camelCase column names of a pydantic record (its aliases)."""
    fields = getattr(model, "model_fields", {})
    return [f.alias or name for name, f in fields.items()]


_C, _P, _G, _D, _I = (
    NodeLabel.CUSTOMER,
    NodeLabel.PROFILE,
    NodeLabel.COMMUNITY,
    NodeLabel.PRODUCT,
    NodeLabel.INTERACTION,
)

FILE_SPECS: Final[tuple[FileSpec, ...]] = (
    FileSpec("customers", label=_C),
    FileSpec("profiles", label=_P),
    FileSpec("communities", label=_G),
    FileSpec("products", label=_D),
    FileSpec("interactions", label=_I),
    FileSpec(
        "has_profile",
        rel=RelType.HAS_PROFILE,
        src=Endpoint("customer", (_C,)),
        dst=Endpoint("profile", (_P,)),
    ),
    FileSpec(
        "follows",
        rel=RelType.FOLLOWS,
        src=Endpoint("follower", (_P,)),
        dst=Endpoint("followed", (_P,)),
    ),
    FileSpec(
        "member_of",
        rel=RelType.MEMBER_OF,
        src=Endpoint("member", (_P, _C), type_column="memberType"),
        dst=Endpoint("community", (_G,)),
    ),
    FileSpec(
        "purchases",
        rel=RelType.PURCHASED,
        src=Endpoint("customer", (_C,)),
        dst=Endpoint("product", (_D,)),
    ),
    FileSpec(
        "referrals",
        rel=RelType.REFERRED,
        src=Endpoint("referrer", (_C,)),
        dst=Endpoint("referred", (_C,)),
    ),
    FileSpec(
        "performed",
        rel=RelType.PERFORMED,
        src=Endpoint("actor", (_P, _C), type_column="actorType"),
        dst=Endpoint("interaction", (_I,)),
    ),
    FileSpec(
        "about",
        rel=RelType.ABOUT,
        src=Endpoint("interaction", (_I,)),
        dst=Endpoint("product", (_D,)),
    ),
    FileSpec(
        "posted_in",
        rel=RelType.IN,
        src=Endpoint("interaction", (_I,)),
        dst=Endpoint("community", (_G,)),
    ),
    FileSpec(
        "mentions",
        rel=RelType.MENTIONS,
        src=Endpoint("interaction", (_I,)),
        dst=Endpoint("profile", (_P,)),
    ),
    FileSpec(
        "responds_to",
        rel=RelType.RESPONDS_TO,
        src=Endpoint("interaction", (_I,)),
        dst=Endpoint("respondsTo", (_I,)),
    ),
)
"""Every stem of the layout, in load order (nodes first)."""

_BY_STEM: Final = {spec.stem: spec for spec in FILE_SPECS}


@dataclass(frozen=True, slots=True)
class DataFile:
    """A file of the folder that the loader will read."""

    path: Path
    spec: FileSpec

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".")


def _is_side_file(path: Path) -> bool:
    """Files the loader itself writes or that document the data: never data, never unknown."""
    name = path.name
    return name.startswith(".") or name in IGNORED_FILES or ".rejects." in name or path.is_dir()


def discover(folder: Path) -> tuple[list[DataFile], list[str]]:
    """The data files of ``folder`` in load order, and the names of files it does not know.

    A single file may be given instead of a folder; its stem must be one of the layout's.
    """
    candidates = [folder] if folder.is_file() else sorted(folder.iterdir())
    found: list[DataFile] = []
    unknown: list[str] = []
    for path in candidates:
        if _is_side_file(path):
            continue
        spec = _BY_STEM.get(path.stem)
        if spec is None or path.suffix not in EXTENSIONS:
            unknown.append(path.name)
            continue
        found.append(DataFile(path, spec))
    order = {spec.stem: i for i, spec in enumerate(FILE_SPECS)}
    found.sort(key=lambda f: (order[f.spec.stem], f.path.suffix))
    return found, unknown
