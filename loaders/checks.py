"""Checks across rows: duplicate ids, duplicate relationships, references to missing nodes.

The :class:`LoadIndex` keeps what a load needs to answer "does this node exist?" and "was this
id given before, with the same values?" in compact form: per label a dict of id → one packed
int (a fingerprint of the row's values and the node's *token*). A token is unique per node:
where its row was first seen, or, when the load numbers its nodes
(:meth:`LoadIndex.number_from`), its number, which the store uses as its row id. Nodes found
in the store get tokens of their own, above both. A relationship's key is its two endpoints'
tokens in one int, exact and small: per relationship type a dict of that key → packed int.
Ids that are not in the load are looked up in the store in batches
(:meth:`LoadIndex.prefetch`) and remembered.

An interaction that responds to an interaction not seen yet is *pending* until the whole file
is read (replies may come before what they answer); :meth:`LoadIndex.settle_pending` then
rejects the ones whose chain leads to a missing interaction.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import add, and_, lshift, or_
from typing import Final

from graph_api.model import NodeLabel, RelType
from graph_api.store.base import GraphStore, NumberedEdge, NumberedNode
from loaders.rows import EdgeColumns, EdgeRecord, InteractionColumns, NodeRecord, RowError

__all__ = ["INLINE_COLUMNS", "LoadIndex", "Loc", "loc_line", "make_loc"]

Loc = int
"""Where a row is: ``file_index << 40 | line``."""

_M48: Final = (1 << 48) - 1
_M64: Final = (1 << 64) - 1
_STORE_TOKENS: Final = 1 << 48
"""Tokens of nodes found in the store start here, above every location in the load."""
_LOOKUP_BATCH: Final = 1_000

INLINE_COLUMNS: Final = {
    RelType.PERFORMED.value: "actor",
    RelType.ABOUT.value: "about",
    RelType.IN.value: "in",
    RelType.MENTIONS.value: "mentions",
    RelType.RESPONDS_TO.value: "respondsTo",
}


_PERFORMED: Final = RelType.PERFORMED.value
_RESPONDS_TO: Final = RelType.RESPONDS_TO.value
_INTERACTION: Final = NodeLabel.INTERACTION.value
_PROFILE: Final = NodeLabel.PROFILE.value

Key = tuple[str, str]
"""A node as (label value, id): plain strings hash fast (NodeRef and enums do not)."""


def make_loc(file_index: int, line: int) -> Loc:
    return file_index << 40 | line


def loc_line(loc: Loc) -> int:
    return loc & ((1 << 40) - 1)


def loc_file(loc: Loc) -> int:
    return loc >> 40


@dataclass(slots=True)
class _Pending:
    parent: str
    locs: list[Loc] = field(default_factory=list)


class LoadIndex:
    """What one load has accepted so far, and what the store is known to hold."""

    def __init__(self, store: GraphStore, labels_in_store: Iterable[NodeLabel]) -> None:
        self._store = store
        self.numbers_from: int | None = None
        """Set (:meth:`number_from`): this load's nodes are numbered, their tokens being
        their numbers (see :meth:`GraphStore.bulk_numbers`); else tokens are locations."""
        self._shift = 0  # token = location + shift, in the node file being read
        self._shifts: dict[int, int] = {}  # per node file read
        self._next = 0  # the next free number
        self._firsts: list[tuple[int, int]] = []  # (first token, file index), in order
        self._lookup_labels = frozenset(label.value for label in labels_in_store)
        self.nodes: dict[str, dict[str, int]] = {label.value: {} for label in NodeLabel}
        self._edges: dict[int, int] = {}
        self._edge_type: str | None = None
        self._in_store: dict[Key, int] = {}
        self._store_nodes = 0  # found in the store so far (their tokens: never reused)
        self._not_in_store: set[Key] = set()
        self._pending: dict[str, _Pending] = {}
        self.rejected: dict[Loc, list[RowError]] = {}
        self.rejected_nodes: dict[Key, Loc] = {}
        """Nodes whose row was rejected, to explain why a relationship to them fails."""
        self.duplicates: dict[int, int] = {}
        """Rows identical to an earlier row of the load, per file index (loaded as unchanged)."""

    # -- numbers -------------------------------------------------------------------------------

    def number_from(self, first: int) -> None:
        """Number this load's nodes from ``first`` up: a node's token is then its number,
        ``first`` plus the lines of the node files before its own, plus its line."""
        self.numbers_from = self._next = first

    def begin_file(self, i: int) -> None:
        """A node file starts: its tokens follow the previous one's."""
        if self.numbers_from is not None:
            self._shift = self._shifts[i] = self._next - make_loc(i, 0)
            self._firsts.append((self._next, i))

    def end_file(self, last_line: int) -> None:
        if self.numbers_from is not None:
            self._next += last_line + 1

    def number(self, loc: Loc) -> int:
        """The number of the node at ``loc`` (a row of a node file read already)."""
        return loc + self._shifts[loc_file(loc)]

    def _line(self, token: int) -> int:
        """The line of the node row whose token this is."""
        if self.numbers_from is None:
            return loc_line(token)
        first, _ = self._firsts[bisect_right(self._firsts, (token, _M64)) - 1]
        return token - first

    def _missing(self, key: Key) -> str:
        label, node_id = key
        text = f"{label} {node_id!r} exists neither in the store nor in this load"
        loc = self.rejected_nodes.get(key)
        if loc is not None:
            text += f" (its row, line {loc_line(loc)} of the {label} file, is rejected)"
        return text

    # -- existence ---------------------------------------------------------------------------

    def _token(self, label: str, node_id: str) -> int | None:
        """The node's token (see the module docstring), or None if it is not known to exist."""
        packed = self.nodes[label].get(node_id)
        if packed is not None:
            if label == _INTERACTION and node_id in self._pending:
                return None
            return packed & _M48
        return self._in_store.get((label, node_id))

    def _known(self, key: Key) -> bool:
        return self._token(*key) is not None

    async def prefetch(self, keys: Iterable[Key]) -> None:
        """Look up in the store, in batches, the nodes this load has not seen yet."""
        if not self._lookup_labels:
            return
        wanted: dict[str, list[str]] = {}
        for key in keys:
            label, node_id = key
            if (
                label in self._lookup_labels
                and node_id not in self.nodes[label]
                and key not in self._in_store
                and key not in self._not_in_store
            ):
                wanted.setdefault(label, []).append(node_id)
        for label, ids in wanted.items():
            unique = list(dict.fromkeys(ids))
            for start in range(0, len(unique), _LOOKUP_BATCH):
                batch = unique[start : start + _LOOKUP_BATCH]
                found = await self._store.get_nodes(NodeLabel(label), batch)
                for node_id in batch:
                    if node_id in found:
                        self._in_store[label, node_id] = _STORE_TOKENS + self._store_nodes
                        self._store_nodes += 1
                    else:
                        self._not_in_store.add((label, node_id))

    # -- rows ----------------------------------------------------------------------------------

    def reject(self, loc: Loc, errors: list[RowError], node: Key | None = None) -> None:
        self.rejected.setdefault(loc, []).extend(errors)
        if node is not None and node not in self.rejected_nodes:
            self.rejected_nodes[node] = loc

    def add_node(self, record: NodeRecord, loc: Loc) -> bool:
        """Check a node row against the load; True when it is new and must be staged."""
        seen = self.nodes[record.label]  # a StrEnum finds its value's key
        packed = seen.get(record.id)
        if packed is not None:
            if packed >> 48 == record.digest & _M64:
                self._count_duplicate(record, loc)
                return False
            first = self._line(packed & _M48)
            self.reject(
                loc,
                [("id", f"{record.id!r} was given before (line {first}) with different values")],
            )
            return False
        errors: list[RowError] = []
        parent: str | None = None
        nodes, pending, in_store = self.nodes, self._pending, self._in_store
        token = loc + self._shift
        numbered: list[NumberedEdge] | None = [] if self.numbers_from is not None else None
        for edge in record.edges:
            rel, src_label, src_id, dst_label, dst_id, _ = edge
            # _known, inlined: interactions have a few links each, millions of them in a load
            if rel == _PERFORMED:
                label, node_id = src_label, src_id
            else:
                label, node_id = dst_label, dst_id
            other = nodes[label].get(node_id)
            if other is not None:
                if label != _INTERACTION or node_id not in pending:
                    if numbered is not None:  # both ends numbered: this row's own, the other
                        other &= _M48
                        if rel == _PERFORMED:
                            numbered.append((rel, other, token, edge[5]))
                        else:
                            numbered.append((rel, token, other, edge[5]))
                    continue
            elif (label, node_id) in in_store:
                numbered = None  # the store's node: this row's links go by id
                continue
            if rel == _RESPONDS_TO:
                parent = dst_id
                continue
            errors.append((INLINE_COLUMNS[rel], self._missing((label, node_id))))
        if errors:
            self.reject(loc, errors, (record.label.value, record.id))
            return False
        seen[record.id] = (record.digest & _M64) << 48 | token  # _pack, inlined
        if parent is not None:
            pending[record.id] = _Pending(parent, [loc])
            return True
        if self.numbers_from is not None:
            record.number = token
            record.numbered = numbered  # None when a link goes by id
        return True

    def _count_duplicate(self, record: NodeRecord, loc: Loc) -> None:
        pending = self._pending.get(record.id) if record.label == _INTERACTION else None
        if pending is not None:
            pending.locs.append(loc)
        self.duplicates[loc_file(loc)] = self.duplicates.get(loc_file(loc), 0) + 1

    def is_pending(self, interaction_id: str) -> bool:
        """Whether this interaction answers one not seen yet (its fate waits for
        :meth:`settle_pending`)."""
        return interaction_id in self._pending

    def settle_pending(self) -> None:
        """Accept pending interactions whose reply chain reaches a known one; reject the rest."""
        changed = True
        while changed and self._pending:
            changed = False
            for node_id in list(self._pending):
                if self._known((_INTERACTION, self._pending[node_id].parent)):
                    del self._pending[node_id]
                    changed = True
        interactions = self.nodes[_INTERACTION]
        for node_id, pending in self._pending.items():
            interactions.pop(node_id, None)
            reason = self._missing((_INTERACTION, pending.parent))
            if pending.parent in self._pending:
                reason = (
                    f"responds to {pending.parent!r}, which is rejected "
                    "(its reply chain leads to a missing interaction)"
                )
            for i, loc in enumerate(pending.locs):
                self.reject(loc, [("respondsTo", reason)], (_INTERACTION, node_id))
                if i > 0:  # identical duplicates were counted as unchanged
                    self.duplicates[loc_file(loc)] -= 1
        self._pending.clear()

    def add_edges(
        self,
        results: Sequence[EdgeRecord | list[RowError]],
        lines: Sequence[int],
        base: Loc,
        columns: tuple[str, str],
        by_id: bool = False,
    ) -> tuple[list[EdgeRecord], list[int], list[NumberedEdge]]:
        """Check a chunk of relationship rows (parsed, or their errors) at ``base | line``;
        returns those that are new and must be written, in order, and their lines; when
        nodes are numbered, those between two numbered nodes come apart, in numbered form
        (unless ``by_id``).

        Refused rows are rejected: a parse error, an end that exists neither in the store nor
        in the load, or a pair given before with different values (given before identically:
        a duplicate, counted as such)."""
        accepted: list[EdgeRecord] = []
        accepted_lines: list[int] = []
        numbered: list[NumberedEdge] = []
        numbering = self.numbers_from is not None and not by_id
        nodes, pending, in_store = self.nodes, self._pending, self._in_store
        edges, duplicates = self._edges, self.duplicates
        for line, record in zip(lines, results, strict=True):
            if isinstance(record, list):
                self.reject(base | line, record)
                continue
            rel, src_label, src_id, dst_label, dst_id, encoded = record
            # _token, inlined for both ends: relationship files have millions of rows
            src = nodes[src_label].get(src_id)
            if src is None:
                src = in_store.get((src_label, src_id))  # a store token, above all load ones
            elif src_label == _INTERACTION and src_id in pending:
                src = None
            else:
                src &= _M48  # its row's token
            dst = nodes[dst_label].get(dst_id)
            if dst is None:
                dst = in_store.get((dst_label, dst_id))  # a store token, above all load ones
            elif dst_label == _INTERACTION and dst_id in pending:
                dst = None
            else:
                dst &= _M48  # its row's token
            if src is None or dst is None:
                errors: list[RowError] = []
                if src is None:
                    errors.append((columns[0], self._missing((src_label, src_id))))
                if dst is None:
                    errors.append((columns[1], self._missing((dst_label, dst_id))))
                self.reject(base | line, errors)
                continue
            if rel != self._edge_type:
                # Keys of different types never meet: keep one type's keys at a time.
                edges.clear()
                self._edge_type = rel
            edge_key = src << 64 | dst
            digest = hash(encoded)
            packed = edges.get(edge_key)
            if packed is None:
                edges[edge_key] = (digest & _M64) << 48 | base | line  # _pack, inlined
                if numbering and src < _STORE_TOKENS and dst < _STORE_TOKENS:
                    numbered.append((rel, src, dst, encoded))
                else:
                    accepted.append(record)
                    accepted_lines.append(line)
            elif packed >> 48 == digest & _M64:
                file = base >> 40
                duplicates[file] = duplicates.get(file, 0) + 1
            else:
                first = loc_line(packed & _M48)
                why = f"{rel} {src_id!r} → {dst_id!r} was given before (line {first})"
                self.reject(base | line, [(columns[1], why + " with different values")])
        return accepted, accepted_lines, numbered

    def add_edge_columns(
        self, chunk: EdgeColumns, lines: Sequence[int], base: Loc
    ) -> list[NumberedEdge] | None:
        """:meth:`add_edges` for a chunk given as columns (:meth:`CellsParser.columns`) whose
        every row it would accept as new and numbered: both ends numbered nodes of this load
        (no interaction still pending), no pair given before in the load, none twice in the
        chunk. Returns the rows in numbered form, having recorded their pairs as that call
        does; None, having changed nothing but which type's pairs are kept, when a row is
        not such a one: the chunk then takes :meth:`add_edges`, which words each reason.

        Its work is done by ``map`` and ``set`` over whole columns, not a Python loop per
        row: a relationship costs about 1.5 µs less (large set: 2.9 million of them)."""
        if self.numbers_from is None or not lines:
            return None
        rel, src_label, src_ids, dst_label, dst_ids, encoded = chunk
        pending = self._pending
        if pending and _INTERACTION in (src_label, dst_label):
            return None
        found_src = list(map(self.nodes[src_label].get, src_ids))
        found_dst = list(map(self.nodes[dst_label].get, dst_ids))
        if None in found_src or None in found_dst:  # a node of the store, or of neither
            return None
        if rel != self._edge_type:  # as add_edges: one type's keys at a time
            self._edges.clear()
            self._edge_type = rel
        srcs: list[int] = list(map(and_, found_src, repeat(_M48)))  # rows' tokens (< 1 << 48)
        dsts: list[int] = list(map(and_, found_dst, repeat(_M48)))
        keys = list(map(or_, map(lshift, srcs, repeat(64)), dsts))  # add_edges's edge_key
        edges = self._edges
        if len(set(keys)) != len(keys) or not edges.keys().isdisjoint(keys):
            return None
        digests = map(and_, map(hash, encoded), repeat(_M64))
        packed = map(or_, map(lshift, digests, repeat(48)), map(or_, repeat(base), lines))
        edges.update(zip(keys, packed, strict=True))
        return list(zip(repeat(rel), srcs, dsts, encoded, strict=False))  # repeat: endless

    def add_interaction_columns(
        self, chunk: InteractionColumns, lines: Sequence[int], base: Loc
    ) -> tuple[list[NumberedNode], list[NumberedEdge]] | None:
        """:meth:`add_node` for a chunk of interactions given as columns
        (:meth:`RowParser.interaction_columns`) whose every row it would accept as new, with
        every link between numbered nodes: no id given before in the load or twice in the
        chunk, every end a node of this load (an interaction answered: one read before, in an
        earlier chunk or earlier in this one, not pending). Returns the rows as numbered
        nodes and their links as numbered relationships (a type at a time, in row order),
        having recorded the ids as that call does; None, having changed nothing, when a row
        is not such a one: the chunk then goes row by row, which words each reason.

        As :meth:`add_edge_columns`, by ``map`` over whole columns rather than a Python call
        per row (large set: 1.5 million interactions, 4.4 million links)."""
        if self.numbers_from is None or not lines:
            return None
        nodes, pending = self.nodes, self._pending
        ids = chunk.ids
        seen = nodes[_INTERACTION]
        if len(set(ids)) != len(ids) or not seen.keys().isdisjoint(ids):
            return None
        tokens: list[int] = list(map(add, lines, repeat(base + self._shift)))  # add_node's
        actors = list(map(nodes[_PROFILE].get, chunk.actors))
        if chunk.actor_labels.count(_PROFILE) != len(ids):
            for k, label in enumerate(chunk.actor_labels):
                if label != _PROFILE:
                    actors[k] = nodes[label].get(chunk.actors[k])
        if None in actors:  # a node of the store, or of neither
            return None
        numbered: list[NumberedEdge] = list(
            zip(repeat(_PERFORMED), map(and_, actors, repeat(_M48)), tokens, repeat("{}"))
        )
        position: dict[str, int] | None = None  # of an id in the chunk
        for rel, target, many, values in chunk.links:
            found = nodes[target]
            for k, value in enumerate(values):
                if value is None:
                    continue
                for other in value if many else (value,):
                    packed = found.get(other)
                    if packed is not None:
                        if target == _INTERACTION and other in pending:
                            return None  # this row would be pending too
                        numbered.append((rel, tokens[k], packed & _M48, "{}"))
                        continue
                    if target != _INTERACTION:
                        return None
                    if position is None:
                        position = dict(zip(ids, range(len(ids)), strict=True))
                    earlier = position.get(other, len(ids))
                    if earlier >= k:  # later in the chunk, or not read: pending or missing
                        return None
                    numbered.append((rel, tokens[k], tokens[earlier], "{}"))
        digests = map(and_, chunk.digests, repeat(_M64))
        seen.update(zip(ids, map(or_, map(lshift, digests, repeat(48)), tokens), strict=True))
        made = list(zip(repeat(_INTERACTION), ids, chunk.encoded, tokens))
        return made, numbered

    def keep_only(self, labels: set[str]) -> None:
        """Forget the ids of nodes of other labels, in the load and found in the store: the
        files left to read cannot name them (large set: the interactions' 1.5 million ids
        once only relationship files that never name an interaction are left)."""
        for label, ids in self.nodes.items():
            if label not in labels and ids:
                self.nodes[label] = {}
        if any(key[0] not in labels for key in self._in_store):
            self._in_store = {k: v for k, v in self._in_store.items() if k[0] in labels}
        self._not_in_store = {k for k in self._not_in_store if k[0] in labels}

    def release(self) -> None:
        """Forget the ids (before the write pass); keeps the rejected rows and duplicates."""
        self.nodes = {label.value: {} for label in NodeLabel}
        self._edges.clear()
        self._in_store.clear()
        self._not_in_store.clear()
