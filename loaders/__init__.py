"""Ingestion: CSV / JSON Lines readers, row validation, batched idempotent loads, identity
resolution and the synthetic data generator. See ``docs/loaders.md``."""

from __future__ import annotations

from loaders.generate import generate
from loaders.identity import ResolutionReport, resolve_identities
from loaders.load import FileReport, LoadReport, load_path

__all__ = [
    "FileReport",
    "LoadReport",
    "ResolutionReport",
    "generate",
    "load_path",
    "resolve_identities",
]
