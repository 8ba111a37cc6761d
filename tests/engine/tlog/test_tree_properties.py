"""Property tests: every generated proof verifies; any flipped bit makes it fail."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.tlog import (
    ConsistencyProofError,
    InclusionProofError,
    LogTree,
    MemoryNodeStore,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300


@pytest.fixture(scope="module")
def big_tree() -> LogTree:
    tree = LogTree(MemoryNodeStore())
    tree.append_many(b"leaf %d" % i for i in range(MAX_SIZE))
    return tree


def _flip(proof: tuple[bytes, ...], element: int, bit: int) -> list[bytes]:
    out = list(proof)
    b = bytearray(out[element])
    b[bit // 8] ^= 1 << (bit % 8)
    out[element] = bytes(b)
    return out


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_inclusion_proofs_verify_and_bit_flips_fail(big_tree: LogTree, data) -> None:
    size = data.draw(st.integers(1, MAX_SIZE), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    root = big_tree.root_at(size)
    proof = big_tree.inclusion_proof(index, size)
    lh = leaf_hash(b"leaf %d" % index)
    verify_inclusion(lh, index, size, proof, root)

    bit = data.draw(st.integers(0, 255), label="bit")
    if proof:
        element = data.draw(st.integers(0, len(proof) - 1), label="element")
        with pytest.raises(InclusionProofError):
            verify_inclusion(lh, index, size, _flip(proof, element, bit), root)
    with pytest.raises(InclusionProofError):
        verify_inclusion(_flip((lh,), 0, bit)[0], index, size, proof, root)
    with pytest.raises(InclusionProofError):
        verify_inclusion(lh, index, size, proof, _flip((root,), 0, bit)[0])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_consistency_proofs_verify_and_bit_flips_fail(big_tree: LogTree, data) -> None:
    size2 = data.draw(st.integers(1, MAX_SIZE), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    root1, root2 = big_tree.root_at(size1), big_tree.root_at(size2)
    proof = big_tree.consistency_proof(size1, size2)
    verify_consistency(size1, size2, proof, root1, root2)

    bit = data.draw(st.integers(0, 255), label="bit")
    if proof:
        element = data.draw(st.integers(0, len(proof) - 1), label="element")
        with pytest.raises(ConsistencyProofError):
            verify_consistency(size1, size2, _flip(proof, element, bit), root1, root2)
    with pytest.raises(ConsistencyProofError):
        verify_consistency(size1, size2, proof, _flip((root1,), 0, bit)[0], root2)
    with pytest.raises(ConsistencyProofError):
        verify_consistency(size1, size2, proof, root1, _flip((root2,), 0, bit)[0])


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_any_batching_gives_the_same_tree(sizes: list[int]) -> None:
    batched, single = LogTree(MemoryNodeStore()), LogTree(MemoryNodeStore())
    n = 0
    for k in sizes:
        batched.append_many(b"x%d" % i for i in range(n, n + k))
        n += k
    for i in range(n):
        single.append(b"x%d" % i)
    assert batched.size == single.size == n
    assert batched.root == single.root
