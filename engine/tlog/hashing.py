"""RFC 6962 §2.1 hashing: the only place leaf and interior hashes are made.

Domain separation (0x00 for leaves, 0x01 for interior nodes) stops a leaf from
being passed off as an interior node, which is what makes proofs sound.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string: the root of a tree with no leaves."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range given as its perfect subtrees, largest (leftmost) first.

    A range [start, end) whose start is aligned to a power of two at least as large
    as the range splits, per RFC 6962, into perfect subtrees of decreasing size;
    its hash is node(s0, node(s1, ... node(s_{k-1}, s_k))).
    """
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = hashlib.sha256(_NODE_PREFIX + h + acc).digest()
    return acc


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962 §2.1: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves, straight from the RFC 6962 definition.

    O(n); meant for auditors with a handful of leaves and as an independent
    reference in tests. The log itself never recomputes a root this way.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = largest_power_of_two_below(n)
    return node_hash(merkle_root(leaf_hashes[:k]), merkle_root(leaf_hashes[k:]))
