"""Checkpoint bodies: strict parsing, building, signing and verification policy."""

from __future__ import annotations

import base64

import pytest

from engine.tlog import (
    Checkpoint,
    CheckpointError,
    InvalidSignature,
    LogTree,
    MemoryNodeStore,
    NoteSigner,
    UnverifiedNote,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
)

LOG = NoteSigner(name="site.example/log", seed=bytes(range(32)))
WITNESS = NoteSigner(name="witness.example/w1", seed=bytes(range(1, 33)))
ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_body_round_trip_with_extensions() -> None:
    cp = Checkpoint(origin=LOG.name, size=18, root_hash=ROOT, extensions=("ext one",))
    body = cp.body()
    assert body == f"{LOG.name}\n18\n{ROOT_B64}\next one\n"
    assert Checkpoint.from_body(body) == cp


def test_empty_tree_checkpoint() -> None:
    tree = LogTree(MemoryNodeStore())
    cp = Checkpoint.from_body(tree.checkpoint(LOG.name).body())
    assert cp.size == 0
    assert cp.body().splitlines()[2] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (f"o\n1\n{ROOT_B64}", "final-newline"),
        ("o\n1\n", "too-few-lines"),
        (f"\n1\n{ROOT_B64}\n", "origin"),
        (f"o\n01\n{ROOT_B64}\n", "tree-size"),
        (f"o\n+1\n{ROOT_B64}\n", "tree-size"),
        (f"o\n1.0\n{ROOT_B64}\n", "tree-size"),
        (f"o\n\u0661\n{ROOT_B64}\n", "tree-size"),  # a non-ASCII digit
        (f"o\n{2**64}\n{ROOT_B64}\n", "tree-size"),
        ("o\n1\nAAAA\n", "root-hash"),
        (f"o\n1\n{ROOT_B64[:-1]}\n", "root-hash"),
        (f"o\n1\n{ROOT_B64}\n\nx\n", "extension-line"),
    ],
)
def test_malformed_bodies(body: str, rule: str) -> None:
    with pytest.raises(CheckpointError) as info:
        Checkpoint.from_body(body)
    assert info.value.rule == rule


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"origin": ""}, "origin"),
        ({"origin": "a\nb"}, "origin"),
        ({"size": -1}, "tree-size"),
        ({"size": True}, "tree-size"),
        ({"root_hash": b"short"}, "root-hash"),
        ({"extensions": ("",)}, "extension-line"),
    ],
)
def test_invalid_checkpoints_cannot_be_built(kwargs: dict, rule: str) -> None:
    fields = {"origin": "o", "size": 1, "root_hash": ROOT, **kwargs}
    with pytest.raises(CheckpointError) as info:
        Checkpoint(**fields)
    assert info.value.rule == rule


def test_sign_and_verify() -> None:
    cp = Checkpoint(origin=LOG.name, size=5, root_hash=ROOT)
    note = sign_checkpoint(cp, LOG)
    got = verify_checkpoint(note, LOG.verifier)
    assert got.checkpoint == cp
    assert got.text == note
    assert got.witnesses == ()


def test_signer_name_must_be_the_origin() -> None:
    with pytest.raises(CheckpointError, match="must match"):
        sign_checkpoint(Checkpoint(origin="other/log", size=1, root_hash=ROOT), LOG)


def test_origin_policy() -> None:
    other = NoteSigner(name="other.example/log", seed=bytes(32))
    note = sign_note(Checkpoint(origin="not-the-key-name", size=1, root_hash=ROOT).body(),
                     [other])
    with pytest.raises(CheckpointError) as info:
        verify_checkpoint(note, other.verifier)
    assert info.value.rule == "origin"
    verify_checkpoint(note, other.verifier, origin="not-the-key-name")
    verify_checkpoint(note, other.verifier, accept_any_origin=True)


def test_witness_signature_alone_is_not_enough() -> None:
    body = Checkpoint(origin=LOG.name, size=1, root_hash=ROOT).body()
    only_witness = sign_note(body, [WITNESS])
    with pytest.raises(CheckpointError) as info:
        verify_checkpoint(only_witness, LOG.verifier, witnesses=[WITNESS.verifier])
    assert info.value.rule == "log-signature"
    with pytest.raises(UnverifiedNote):
        verify_checkpoint(only_witness, LOG.verifier)


def test_witness_threshold() -> None:
    body = Checkpoint(origin=LOG.name, size=1, root_hash=ROOT).body()
    both = sign_note(body, [LOG, WITNESS])
    got = verify_checkpoint(both, LOG.verifier, witnesses=[WITNESS.verifier],
                            witness_threshold=1)
    assert got.witnesses == (WITNESS.verifier,)
    with pytest.raises(CheckpointError) as info:
        verify_checkpoint(sign_note(body, [LOG]), LOG.verifier,
                          witnesses=[WITNESS.verifier], witness_threshold=1)
    assert info.value.rule == "witness-threshold"


def test_tampered_size_fails_the_signature() -> None:
    note = sign_checkpoint(Checkpoint(origin=LOG.name, size=5, root_hash=ROOT), LOG)
    with pytest.raises(InvalidSignature):
        verify_checkpoint(note.replace("\n5\n", "\n6\n", 1), LOG.verifier)


def test_signed_but_malformed_body_is_rejected() -> None:
    note = sign_note(f"{LOG.name}\n05\n{ROOT_B64}\n", [LOG])
    with pytest.raises(CheckpointError) as info:
        verify_checkpoint(note, LOG.verifier)
    assert info.value.rule == "tree-size"
