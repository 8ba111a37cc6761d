"""Proof verification, independent of any tree store (RFC 9162 §2.1.3.2, §2.1.4.2).

These are the functions an auditor runs: they take only hashes, sizes and proofs
and follow the RFC's bit-walking algorithms literally, so they share no code path
with the proof *generation* in ``tree.py`` (which recurses over ranges). A bug in
one is therefore caught by the other.

Semantics match the transparency-dev/merkle reference: a consistency proof from
the empty tree proves nothing and is refused; equal sizes need an empty proof and
equal roots.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from engine.tlog.errors import ConsistencyProofError, InclusionProofError
from engine.tlog.hashing import HASH_SIZE

_NODE_PREFIX = b"\x01"


def _h(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _check_hashes(proof: Sequence[bytes], error: type[Exception]) -> None:
    for i, p in enumerate(proof):
        if not isinstance(p, bytes | bytearray) or len(p) != HASH_SIZE:
            raise error(f"proof element {i} is not a {HASH_SIZE}-byte hash")


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` in a tree of ``size``."""
    if size <= 0 or index < 0 or index >= size:
        raise InclusionProofError(
            f"leaf index {index} is outside a tree of {size} entries"
        )
    if len(leaf_hash) != HASH_SIZE:
        raise InclusionProofError(f"leaf hash is {len(leaf_hash)} bytes, expected {HASH_SIZE}")
    _check_hashes(proof, InclusionProofError)
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise InclusionProofError(
                f"inclusion proof is too long for leaf {index} of {size} ({len(proof)} hashes)"
            )
        if fn & 1 or fn == sn:
            r = _h(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _h(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InclusionProofError(
            f"inclusion proof is too short for leaf {index} of {size} ({len(proof)} hashes)"
        )
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ``InclusionProofError`` unless ``proof`` shows the leaf is in the tree with ``root``."""
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if not hmac.compare_digest(computed, bytes(root)):
        raise InclusionProofError(
            f"inclusion proof for leaf {index} does not lead to the root of the "
            f"{size}-entry tree"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise ``ConsistencyProofError`` unless the tree of ``size2`` extends that of ``size1``."""
    if size1 < 0 or size2 < size1:
        raise ConsistencyProofError(
            f"a tree of {size2} entries cannot extend one of {size1}: logs only grow"
        )
    if size1 == 0:
        raise ConsistencyProofError(
            "consistency with the empty tree proves nothing; compare non-empty checkpoints"
        )
    if size1 == size2:
        if proof:
            raise ConsistencyProofError(
                "the sizes are equal, so the consistency proof must be empty"
            )
        if not hmac.compare_digest(bytes(root1), bytes(root2)):
            raise ConsistencyProofError(
                f"two checkpoints of the same size {size1} have different roots: the log forked"
            )
        return
    if not proof:
        raise ConsistencyProofError(f"empty consistency proof from {size1} to {size2}")
    _check_hashes(proof, ConsistencyProofError)

    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root seeds the walk
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ConsistencyProofError(
                f"consistency proof from {size1} to {size2} is too long"
            )
        if fn & 1 or fn == sn:
            fr = _h(c, fr)
            sr = _h(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _h(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ConsistencyProofError(f"consistency proof from {size1} to {size2} is too short")
    if not hmac.compare_digest(fr, bytes(root1)):
        raise ConsistencyProofError(
            f"consistency proof does not reproduce the root of the {size1}-entry tree"
        )
    if not hmac.compare_digest(sr, bytes(root2)):
        raise ConsistencyProofError(
            f"consistency proof does not reproduce the root of the {size2}-entry tree"
        )
