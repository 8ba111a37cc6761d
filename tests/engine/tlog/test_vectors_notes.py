"""Signed notes and checkpoints against the C2SP, Go sumdb and production vectors."""

from __future__ import annotations

import pytest

from engine.tlog import (
    BadKey,
    CheckpointError,
    NoteError,
    NoteSigner,
    NoteVerifier,
    open_note,
    sign_note,
    verify_checkpoint,
)

from ._vectors import NOTES, load

CASES = load("checkpoint_vectors.json")["vectors"]

# golang.org/x/mod/sumdb/note package documentation: this signer key signs the
# "PeterNeumann" text into exactly the note of the go-peter vector.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")


def check_case(case: dict) -> None:
    """Apply a vector's policy; raises on rejection (the shape an auditor tool would use)."""
    log_key = NoteVerifier.from_vkey(case["vkey"])
    witnesses = [NoteVerifier.from_vkey(w) for w in case.get("witnesses", [])]
    threshold = case.get("witness_threshold", 0)
    if case.get("note_only"):
        opened = open_note(case["note"], [log_key, *witnesses])
        if log_key not in opened.verified_by:
            raise NoteError("not signed by the log key")
        if sum(w in opened.verified_by for w in witnesses) < threshold:
            raise NoteError("too few witnesses")
        return
    verify_checkpoint(case["note"], log_key, origin=case.get("origin"),
                      accept_any_origin=case.get("any_origin", False),
                      witnesses=witnesses, witness_threshold=threshold)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_checkpoint_vector(case: dict) -> None:
    if case["expect"] == "accept":
        check_case(case)
    elif case["expect"] == "bad_vkey":
        with pytest.raises(BadKey):
            NoteVerifier.from_vkey(case["vkey"])
    else:
        assert case["expect"] == "reject"
        with pytest.raises((NoteError, CheckpointError)):
            check_case(case)


def test_vectors_cover_every_outcome() -> None:
    outcomes = {c["expect"] for c in CASES}
    assert outcomes == {"accept", "reject", "bad_vkey"}


@pytest.mark.parametrize(
    ("note", "accept", "kwargs"),
    [
        ("c2sp_example.note", True, {"note_only": True}),
        ("sumdb.checkpoint", True, {"origin": "go.sum database tree"}),
        ("sumdb_tampered.checkpoint", False, {"origin": "go.sum database tree"}),
        ("rekor_v2_staging.checkpoint", True, {}),
        ("rekor_v1_staging.checkpoint", True, {"accept_any_origin": True}),
    ],
)
def test_note_files(note: str, accept: bool, kwargs: dict) -> None:
    text = (NOTES / note).read_bytes()
    vkey = (NOTES / f"{note}.vkey").read_text(encoding="utf-8")
    key = NoteVerifier.from_vkey(vkey)
    note_only = kwargs.pop("note_only", False)

    def run() -> None:
        if note_only:
            open_note(text, [key])
        else:
            verify_checkpoint(text, key, **kwargs)

    if accept:
        run()
    else:
        with pytest.raises(NoteError):
            run()


def test_real_sumdb_checkpoint_fields() -> None:
    key = NoteVerifier.from_vkey((NOTES / "sumdb.checkpoint.vkey").read_text())
    got = verify_checkpoint((NOTES / "sumdb.checkpoint").read_bytes(), key,
                            origin="go.sum database tree")
    assert got.checkpoint.size == 6476701
    assert got.checkpoint.root_hash.hex().startswith("99bf102d")
    assert got.text == (NOTES / "sumdb.checkpoint").read_text()


def test_rekor_v2_witnesses_are_counted() -> None:
    case = next(c for c in CASES if c["id"] == "rekor-v2-staging-checkpoint-3-witnesses")
    witnesses = [NoteVerifier.from_vkey(w) for w in case["witnesses"]]
    got = verify_checkpoint(case["note"], NoteVerifier.from_vkey(case["vkey"]),
                            witnesses=witnesses, witness_threshold=3)
    assert len(got.witnesses) == 3
    with pytest.raises(CheckpointError, match="3 valid witness signatures; 4 are required") as e:
        verify_checkpoint(case["note"], NoteVerifier.from_vkey(case["vkey"]),
                          witnesses=witnesses, witness_threshold=4)
    assert e.value.rule == "witness-threshold"


def test_go_signer_key_reproduces_the_go_note_byte_for_byte() -> None:
    signer = NoteSigner.from_skey(GO_SKEY)
    go_peter = next(c for c in CASES if c["id"] == "go-peter")
    assert signer.skey == GO_SKEY
    assert signer.verifier.vkey == go_peter["vkey"]
    assert sign_note(GO_TEXT, [signer]) == go_peter["note"]
    assert "AYEKFALV" not in repr(signer)
