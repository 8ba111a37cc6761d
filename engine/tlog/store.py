"""Where the log tree keeps its hashes: a key -> 32-byte mapping with batch access.

Only *complete* subtrees are ever stored (the nodes of perfect subtrees, as
Trillian and compact ranges do). Node ``(level, index)`` is the root of the perfect
subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0 holds
the leaf hashes. A node is written once, when its last leaf is appended, and never
changes: the mapping is append-only and about ``2 n`` entries for ``n`` leaves.
Hashes of the tree's right edge (subtrees that are not yet full) are never stored;
the tree computes them from O(log n) stored nodes.

A SQL implementation needs one table, e.g.::

    CREATE TABLE tlog_node (key BLOB PRIMARY KEY, hash BLOB NOT NULL)

keyed by ``NodeId.to_key()`` (9 bytes: level, then index as 8 bytes big-endian,
so keys sort by level then index). ``get_many`` is one
``SELECT key, hash ... WHERE key IN (...)``; ``put_many`` one ``executemany``
insert, run in the same transaction that records the log entries and the new
tree size. The tree size is not kept in the store: the caller owns it (it is the
number of log entries it has committed).

Use a plain ``INSERT`` in ``put_many``: the tree never rewrites a node of the size
it was opened with, so an existing key means the caller's size and the store
disagree, which must fail rather than be overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

from engine.tlog.errors import StoreCorrupt
from engine.tlog.hashing import HASH_SIZE

MAX_LEVEL = 63


class NodeId(NamedTuple):
    """Address of a complete subtree: ``level`` 0 is a leaf, ``index`` counts from the left."""

    level: int
    index: int  # type: ignore[assignment]  # the field shadows tuple.index on purpose

    def to_key(self) -> bytes:
        """9-byte storage key: ``level`` (1 byte) || ``index`` (8 bytes, big-endian)."""
        return bytes((self.level,)) + self.index.to_bytes(8, "big")

    @classmethod
    def from_key(cls, key: bytes) -> NodeId:
        if len(key) != 9 or key[0] > MAX_LEVEL:
            raise ValueError(f"not a tree node key: {key.hex()}")
        return cls(key[0], int.from_bytes(key[1:], "big"))


class NodeStore(Protocol):
    """Batch access to complete-subtree hashes. Implementations: memory, SQL."""

    def get_many(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        """Hashes of the given nodes; a node that is not stored is absent from the result."""
        ...

    def put_many(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        """Store new nodes. The tree writes each node once, in increasing index per level."""
        ...


class MemoryNodeStore:
    """An in-memory store: one contiguous ``bytearray`` per level (32 bytes a node).

    Because complete nodes appear in index order on every level, a level is just an
    array; 10**6 leaves take about 64 MB. Writing a node out of order, or rewriting
    one with a different hash, raises ``StoreCorrupt``: in an append-only log that
    is always a bug, never something to paper over.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    def count(self, level: int) -> int:
        """How many nodes of ``level`` are stored."""
        if level >= len(self._levels):
            return 0
        return len(self._levels[level]) // HASH_SIZE

    def __len__(self) -> int:
        return sum(len(a) for a in self._levels) // HASH_SIZE

    def get_many(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        found: dict[NodeId, bytes] = {}
        levels = self._levels
        for node in ids:
            level, index = node
            if level < len(levels):
                off = index * HASH_SIZE
                arr = levels[level]
                if 0 <= off < len(arr):
                    found[node] = bytes(arr[off : off + HASH_SIZE])
        return found

    def put_many(self, nodes: Iterable[tuple[NodeId, bytes]]) -> None:
        levels = self._levels
        for (level, index), h in nodes:
            if len(h) != HASH_SIZE:
                raise StoreCorrupt(
                    f"node ({level}, {index}) hash is {len(h)} bytes, expected {HASH_SIZE}",
                    level=level, index=index,
                )
            while level >= len(levels):
                levels.append(bytearray())
            arr = levels[level]
            off = index * HASH_SIZE
            if off == len(arr):
                arr += h
            elif 0 <= off < len(arr):
                if arr[off : off + HASH_SIZE] != h:
                    raise StoreCorrupt(
                        f"node ({level}, {index}) already stored with a different hash",
                        level=level, index=index,
                    )
            else:
                raise StoreCorrupt(
                    f"node ({level}, {index}) written before node ({level}, "
                    f"{len(arr) // HASH_SIZE})",
                    level=level, index=index,
                )
