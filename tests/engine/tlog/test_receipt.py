"""Receipts: exact DESIGN §6 shape, offline verification, and every way one can be wrong."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from engine.canonical import canonical_bytes
from engine.tlog import (
    LogTree,
    MemoryNodeStore,
    NoteSigner,
    Receipt,
    ReceiptError,
    build_receipt,
    sign_checkpoint,
    verify_receipt,
)

LOG = NoteSigner(name="site.example/log", seed=bytes(range(32)))
OTHER = NoteSigner(name="site.example/log", seed=bytes(range(1, 33)))
ITEMS = [canonical_bytes({"payloadType": "application/vnd.in-toto+json", "n": i})
         for i in range(18)]


@pytest.fixture
def tree() -> LogTree:
    t = LogTree(MemoryNodeStore())
    t.append_many(ITEMS)
    return t


@pytest.fixture
def receipt(tree: LogTree) -> Receipt:
    return build_receipt(tree, 17, sign_checkpoint(tree.checkpoint(LOG.name), LOG))


def _rfc6962_root(leaves: list[bytes]) -> bytes:
    """Independent MTH straight from RFC 6962 §2.1, for cross-checking."""
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _rfc6962_root(leaves[:k]) + _rfc6962_root(leaves[k:])).digest()


def test_receipt_json_is_exactly_the_design_shape(receipt: Receipt) -> None:
    obj = json.loads(receipt.to_bytes())
    assert list(obj) == sorted(
        ["logOrigin", "logIndex", "treeSize", "leafHash", "inclusionProof", "checkpoint"])
    assert obj["logOrigin"] == LOG.name
    assert (obj["logIndex"], obj["treeSize"]) == (17, 18)
    assert base64.b64decode(obj["leafHash"]) == hashlib.sha256(b"\x00" + ITEMS[17]).digest()
    assert all(len(base64.b64decode(p)) == 32 for p in obj["inclusionProof"])
    assert obj["checkpoint"].startswith(f"{LOG.name}\n18\n")
    assert receipt.to_bytes() == canonical_bytes(obj)
    assert Receipt.from_bytes(receipt.to_bytes()) == receipt


def test_every_item_verifies(tree: LogTree) -> None:
    note = sign_checkpoint(tree.checkpoint(LOG.name), LOG)
    for i, item in enumerate(ITEMS):
        got = verify_receipt(item, build_receipt(tree, i, note), LOG.verifier)
        assert got.checkpoint.checkpoint.root_hash == _rfc6962_root(ITEMS)


def test_receipt_under_an_older_checkpoint(tree: LogTree) -> None:
    small = LogTree(MemoryNodeStore())
    small.append_many(ITEMS[:5])
    old_note = sign_checkpoint(small.checkpoint(LOG.name), LOG)
    r = build_receipt(tree, 3, old_note)  # the grown tree still proves against size 5
    assert r.tree_size == 5
    verify_receipt(ITEMS[3], r, LOG.verifier)
    with pytest.raises(ReceiptError, match="entry 7 is not covered by the checkpoint of size 5"):
        build_receipt(tree, 7, old_note)


def test_checkpoint_of_another_log_cannot_make_a_receipt(tree: LogTree) -> None:
    other = LogTree(MemoryNodeStore())
    other.append_many([b"x"] * 18)
    note = sign_checkpoint(other.checkpoint(LOG.name), LOG)
    with pytest.raises(ReceiptError) as info:
        build_receipt(tree, 0, note)
    assert info.value.check == "checkpoint"


def test_changed_item_fails_leaf_hash(receipt: Receipt) -> None:
    with pytest.raises(ReceiptError) as info:
        verify_receipt(ITEMS[17] + b" ", receipt, LOG.verifier)
    assert info.value.check == "leaf-hash"


def test_wrong_log_key_fails_checkpoint(receipt: Receipt) -> None:
    with pytest.raises(ReceiptError, match="checkpoint is not valid") as info:
        verify_receipt(ITEMS[17], receipt, OTHER.verifier)
    assert info.value.check == "checkpoint"


def _edit(receipt: Receipt, **changes) -> dict:
    obj = receipt.to_json()
    obj.update(changes)
    return obj


def test_wrong_index_or_proof_fails_inclusion(tree: LogTree, receipt: Receipt) -> None:
    moved = Receipt.from_json(_edit(receipt, logIndex=16))
    with pytest.raises(ReceiptError) as info:
        verify_receipt(ITEMS[17], moved, LOG.verifier)
    assert info.value.check == "inclusion"

    proof = receipt.to_json()["inclusionProof"]
    flipped = bytearray(base64.b64decode(proof[0]))
    flipped[0] ^= 0x80
    bad = Receipt.from_json(_edit(receipt, inclusionProof=[
        base64.b64encode(bytes(flipped)).decode(), *proof[1:]]))
    with pytest.raises(ReceiptError) as info:
        verify_receipt(ITEMS[17], bad, LOG.verifier)
    assert info.value.check == "inclusion"

    short = Receipt.from_json(_edit(receipt, inclusionProof=proof[:-1]))
    with pytest.raises(ReceiptError, match="too short"):
        verify_receipt(ITEMS[17], short, LOG.verifier)


def test_other_item_with_its_own_leaf_hash_still_fails(tree: LogTree, receipt: Receipt) -> None:
    swapped = Receipt.from_json(_edit(
        receipt, leafHash=base64.b64encode(tree.leaf_hash(3)).decode()))
    with pytest.raises(ReceiptError) as info:
        verify_receipt(ITEMS[3], swapped, LOG.verifier)
    assert info.value.check == "inclusion"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extra": 1}, "exactly the fields"),
        ({"logIndex": "17"}, "non-negative integers"),
        ({"logIndex": True}, "non-negative integers"),
        ({"treeSize": 17}, "not below treeSize"),
        ({"leafHash": "AAAA"}, "3 bytes"),
        ({"leafHash": 5}, "base64 string"),
        ({"inclusionProof": "x"}, "must be a list"),
        ({"inclusionProof": ["not base64!"]}, "inclusionProof\\[0\\]"),
        ({"logOrigin": "other/log"}, "checkpoint is for"),
        ({"checkpoint": "garbage"}, "checkpoint:"),
    ],
)
def test_malformed_receipts(receipt: Receipt, change: dict, message: str) -> None:
    with pytest.raises(ReceiptError, match=message) as info:
        Receipt.from_json(_edit(receipt, **change))
    assert info.value.check == "format"


def test_receipt_bytes_must_be_json(receipt: Receipt) -> None:
    with pytest.raises(ReceiptError, match="not UTF-8 JSON"):
        Receipt.from_bytes(b"\xff")
    with pytest.raises(ReceiptError, match="exactly the fields"):
        Receipt.from_bytes(b"[]")
