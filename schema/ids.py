"""Relay global ids: base64 of ``"Label:id"``, and references given in inputs."""

from __future__ import annotations

import base64
import binascii

from graph_api.errors import InvalidInput, Problem
from graph_api.model import NodeLabel
from graph_api.store.base import NodeRef

__all__ = ["decode_global_id", "encode_global_id", "resolve_ref"]


def encode_global_id(label: NodeLabel | str, node_id: str) -> str:
    return base64.b64encode(f"{label}:{node_id}".encode()).decode("ascii")


def _try_decode(value: str) -> NodeRef | None:
    try:
        text = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    label, sep, node_id = text.partition(":")
    if not sep or not node_id:
        return None
    try:
        return NodeRef(NodeLabel(label), node_id)
    except ValueError:
        return None


def decode_global_id(value: str, *, field: str = "id") -> NodeRef:
    """The node a global id names; InvalidInput when it is not one of ours."""
    ref = _try_decode(value)
    if ref is None:
        raise InvalidInput(
            f"{field}: {value!r} is not a global id",
            [Problem("", field, f"{value!r} is not a global id (base64 of 'Label:id')")],
        )
    return ref


def resolve_ref(value: str, allowed: NodeLabel | tuple[NodeLabel, ...], *, field: str) -> NodeRef:
    """A node reference from an input: a global id, or an external id when only one label fits.

    Global ids win: a value that decodes to ``"Label:id"`` with an allowed label is taken as one.
    """
    labels = (allowed,) if isinstance(allowed, NodeLabel) else allowed
    ref = _try_decode(value)
    if ref is not None and ref.label in labels:
        return ref
    if len(labels) == 1 and ref is None:
        return NodeRef(labels[0], value)
    names = " or ".join(str(label) for label in labels)
    reason = (
        f"{value!r} names a {ref.label}, expected {names}"
        if ref is not None
        else f"{value!r}: give the global id of a {names}"
    )
    raise InvalidInput(f"{field}: {reason}", [Problem("", field, reason)])
