"""The store-backed tree: roots, proofs, costs, persistence and failure behaviour."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from engine.tlog import (
    EMPTY_ROOT,
    LogTree,
    MemoryNodeStore,
    NodeId,
    StoreCorrupt,
    TreeError,
    leaf_hash,
    merkle_root,
    verify_consistency,
    verify_inclusion,
)


class CountingStore:
    """Wraps a store and records every batch call (reads and writes are what cost)."""

    def __init__(self, inner: MemoryNodeStore | None = None) -> None:
        self.inner = inner or MemoryNodeStore()
        self.get_calls: list[int] = []
        self.put_calls: list[int] = []
        self.fail_next_put = False

    def get_many(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        self.get_calls.append(len(ids))
        return self.inner.get_many(ids)

    def put_many(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        if self.fail_next_put:
            self.fail_next_put = False
            raise OSError("disk full")
        self.put_calls.append(len(nodes))
        self.inner.put_many(nodes)


def entries(n: int, start: int = 0) -> list[bytes]:
    return [b"entry-%d" % i for i in range(start, start + n)]


def test_empty_tree() -> None:
    tree = LogTree(MemoryNodeStore())
    assert tree.size == 0
    assert tree.root == EMPTY_ROOT == tree.root_at(0)
    with pytest.raises(TreeError):
        tree.inclusion_proof(0)


def test_roots_and_proofs_match_the_rfc_definition_up_to_70_leaves() -> None:
    data = entries(70)
    hashes = [leaf_hash(d) for d in data]
    tree = LogTree(MemoryNodeStore())
    for n, d in enumerate(data, start=1):
        assert tree.append(d) == n - 1
        assert tree.root == merkle_root(hashes[:n])
    for m in range(0, 71):
        assert tree.root_at(m) == merkle_root(hashes[:m])
    for m in range(1, 71):
        for i in range(m):
            verify_inclusion(hashes[i], i, m, tree.inclusion_proof(i, m), tree.root_at(m))
        for m1 in range(1, m + 1):
            verify_consistency(m1, m, tree.consistency_proof(m1, m),
                               tree.root_at(m1), tree.root_at(m))


def test_append_many_equals_one_by_one_and_returns_indexes() -> None:
    one, batch = LogTree(MemoryNodeStore()), LogTree(MemoryNodeStore())
    for d in entries(37):
        one.append(d)
    assert batch.append_many(entries(20)) == range(0, 20)
    assert batch.append_many(entries(17, 20)) == range(20, 37)
    assert batch.append_many([]) == range(37, 37)
    assert one.root == batch.root


def test_only_complete_subtrees_are_stored() -> None:
    store = MemoryNodeStore()
    tree = LogTree(store)
    tree.append_many(entries(7))
    # 7 leaves: level 0 x7, level 1 x3 (0-1, 2-3, 4-5), level 2 x1 (0-3); nothing for 6 or 4-6.
    assert [store.count(level) for level in range(4)] == [7, 3, 1, 0]
    assert len(store) == 11


def test_reopening_reads_only_the_frontier() -> None:
    counting = CountingStore()
    tree = LogTree(counting)
    tree.append_many(entries(1000))
    counting.get_calls.clear()
    reopened = LogTree(counting, size=1000)
    assert counting.get_calls == [bin(1000).count("1")]
    assert reopened.root == tree.root
    reopened.append(b"next")
    tree.append(b"next")
    assert reopened.root == tree.root


def test_costs_are_logarithmic_and_batched() -> None:
    counting = CountingStore()
    tree = LogTree(counting)
    tree.append_many(entries(5000))
    counting.get_calls.clear()
    counting.put_calls.clear()

    tree.append(b"one more")  # leaf 5000
    assert counting.get_calls == []  # appending never reads
    assert counting.put_calls and counting.put_calls[0] <= (5001).bit_length() + 1

    for call, bound in (
        (lambda: tree.inclusion_proof(1234), 2 * 13),
        (lambda: tree.inclusion_proof(5000), 2 * 13),
        (lambda: tree.consistency_proof(777), 2 * 13),
        (lambda: tree.root_at(4097), 13),
    ):
        counting.get_calls.clear()
        call()
        assert len(counting.get_calls) == 1  # one batch
        assert counting.get_calls[0] <= bound


def test_failed_write_leaves_the_tree_unchanged() -> None:
    counting = CountingStore()
    tree = LogTree(counting)
    tree.append_many(entries(10))
    root = tree.root
    counting.fail_next_put = True
    with pytest.raises(OSError):
        tree.append_many(entries(5, 10))
    assert tree.size == 10 and tree.root == root
    tree.append_many(entries(5, 10))
    assert tree.size == 15


def test_missing_node_is_reported_as_corruption() -> None:
    store = MemoryNodeStore()
    LogTree(store).append_many(entries(6))
    with pytest.raises(StoreCorrupt, match=r"lacks node \(0, 6\)") as info:
        LogTree(store, size=7)
    assert (info.value.level, info.value.index) == (0, 6)


def test_memory_store_refuses_rewrites_and_gaps() -> None:
    store = MemoryNodeStore()
    h = leaf_hash(b"a")
    store.put_many([(NodeId(0, 0), h)])
    store.put_many([(NodeId(0, 0), h)])  # identical rewrite is harmless
    with pytest.raises(StoreCorrupt, match="different hash"):
        store.put_many([(NodeId(0, 0), leaf_hash(b"b"))])
    with pytest.raises(StoreCorrupt, match="written before"):
        store.put_many([(NodeId(0, 5), h)])
    with pytest.raises(StoreCorrupt, match="32"):
        store.put_many([(NodeId(0, 1), b"short")])


def test_node_key_encoding_round_trips_and_sorts() -> None:
    ids = [NodeId(0, 0), NodeId(0, 1), NodeId(0, 2**40), NodeId(1, 0), NodeId(63, 1)]
    keys = [n.to_key() for n in ids]
    assert all(len(k) == 9 for k in keys)
    assert sorted(keys) == keys
    assert [NodeId.from_key(k) for k in keys] == ids
    with pytest.raises(ValueError):
        NodeId.from_key(b"\x40" + bytes(8))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.inclusion_proof(5), "entry 5 is not in a log of 5"),
        (lambda t: t.inclusion_proof(2, 6), "size 6"),
        (lambda t: t.inclusion_proof(-1), "entry -1"),
        (lambda t: t.consistency_proof(0, 3), "older size"),
        (lambda t: t.consistency_proof(4, 3), "older size"),
        (lambda t: t.root_at(6), "size 6"),
        (lambda t: t.leaf_hash(5), "entry 5"),
        (lambda t: t.append_leaf_hashes([b"x" * 31]), "32 bytes"),
    ],
)
def test_out_of_range_requests(call, message: str) -> None:
    tree = LogTree(MemoryNodeStore())
    tree.append_many(entries(5))
    with pytest.raises(TreeError, match=message):
        call(tree)


def test_equal_sizes_give_an_empty_consistency_proof() -> None:
    tree = LogTree(MemoryNodeStore())
    tree.append_many(entries(9))
    assert tree.consistency_proof(9) == ()
    verify_consistency(9, 9, (), tree.root, tree.root)


def test_checkpoint_body_reflects_the_tree() -> None:
    tree = LogTree(MemoryNodeStore())
    tree.append_many(entries(3))
    cp = tree.checkpoint("site.example/log")
    assert (cp.origin, cp.size, cp.root_hash) == ("site.example/log", 3, tree.root)
