"""RFC 6962 hashing and proofs against the transparency-dev/merkle and Sigstore vectors."""

from __future__ import annotations

import pytest

from engine.tlog import (
    EMPTY_ROOT,
    ConsistencyProofError,
    InclusionProofError,
    LogTree,
    MemoryNodeStore,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

from ._vectors import b64, load

MERKLE = load("merkle_vectors.json")
REF_LEAVES = [bytes.fromhex(x) for x in MERKLE["reference_tree"]["leaf_inputs_hex"]]
REF_ROOTS = [bytes.fromhex(x) for x in MERKLE["reference_tree"]["root_hashes_hex_by_size"]]


def _id(case: dict) -> str:
    return f"{case['file']}"


@pytest.fixture(scope="module")
def reference_tree() -> LogTree:
    tree = LogTree(MemoryNodeStore())
    tree.append_many(REF_LEAVES)
    return tree


def test_hasher_vectors() -> None:
    hv = MERKLE["hasher_vectors"]
    assert EMPTY_ROOT.hex() == hv["empty_tree_root_hex"]
    for case in hv["leaf"]:
        assert leaf_hash(case["data_utf8"].encode()).hex() == case["hash_hex"]
    for case in hv["node"]:
        got = node_hash(case["left_utf8"].encode(), case["right_utf8"].encode())
        assert got.hex() == case["hash_hex"]


def test_reference_roots_at_every_size(reference_tree: LogTree) -> None:
    assert len(REF_ROOTS) == len(REF_LEAVES) + 1
    hashes = [leaf_hash(x) for x in REF_LEAVES]
    for size, want in enumerate(REF_ROOTS):
        assert merkle_root(hashes[:size]) == want
        assert reference_tree.root_at(size) == want
        grown = LogTree(MemoryNodeStore())
        grown.append_many(REF_LEAVES[:size])
        assert grown.root == want


@pytest.mark.parametrize("case", MERKLE["inclusion"], ids=_id)
def test_inclusion_probe(case: dict) -> None:
    args = (b64(case["leafHash"]), case["leafIdx"], case["treeSize"],
            [b64(p) for p in case["proof"]], b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(InclusionProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("case", MERKLE["consistency"], ids=_id)
def test_consistency_probe(case: dict) -> None:
    args = (case["size1"], case["size2"], [b64(p) for p in case["proof"]],
            b64(case["root1"]), b64(case["root2"]))
    if case["wantErr"]:
        with pytest.raises(ConsistencyProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_negative_probes_are_most_of_the_vectors() -> None:
    # Guards against a vector file that silently lost its corruption cases.
    bad_incl = sum(c["wantErr"] for c in MERKLE["inclusion"])
    bad_cons = sum(c["wantErr"] for c in MERKLE["consistency"])
    assert bad_incl >= 80 and bad_cons >= 80


def _happy_reference(kind: str) -> list[dict]:
    return [c for c in MERKLE[kind] if not c["wantErr"] and c["file"].split("/")[2].isdigit()]


@pytest.mark.parametrize("case", _happy_reference("inclusion"), ids=_id)
def test_generated_inclusion_proof_equals_published(reference_tree: LogTree, case: dict) -> None:
    proof = reference_tree.inclusion_proof(case["leafIdx"], case["treeSize"])
    assert [p for p in proof] == [b64(p) for p in case["proof"]]
    assert reference_tree.leaf_hash(case["leafIdx"]) == b64(case["leafHash"])
    assert reference_tree.root_at(case["treeSize"]) == b64(case["root"])


@pytest.mark.parametrize("case", _happy_reference("consistency"), ids=_id)
def test_generated_consistency_proof_equals_published(
    reference_tree: LogTree, case: dict
) -> None:
    proof = reference_tree.consistency_proof(case["size1"], case["size2"])
    assert list(proof) == [b64(p) for p in case["proof"]]
    assert reference_tree.root_at(case["size1"]) == b64(case["root1"])
    assert reference_tree.root_at(case["size2"]) == b64(case["root2"])


@pytest.mark.parametrize("case", MERKLE["real_world"], ids=lambda c: c["desc"][:60])
def test_real_world_rekor_proofs(case: dict) -> None:
    lh = leaf_hash(b64(case["leaf_data_b64"]))
    args = (lh, case["index"], case["tree_size"], [b64(p) for p in case["proof"]],
            b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(InclusionProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)
