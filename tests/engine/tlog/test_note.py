"""Signed-note and key parsing rules, one failure per rule, and signing round trips."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.tlog import (
    BadKey,
    InvalidSignature,
    MalformedNote,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    SignedNote,
    UnverifiedNote,
    open_note,
    sign_note,
)

ALICE = NoteSigner(name="site.example/log", seed=bytes(range(32)))
BOB = NoteSigner(name="witness.example/w1", seed=bytes(range(32, 64)))
TEXT = "hello\nworld\n"


def signed(text: str = TEXT, *signers: NoteSigner) -> str:
    return sign_note(text, list(signers) or [ALICE])


def test_round_trip() -> None:
    note = signed(TEXT, ALICE, BOB)
    parsed = SignedNote.from_text(note)
    assert parsed.text == TEXT
    assert [s.name for s in parsed.signatures] == [ALICE.name, BOB.name]
    assert parsed.to_text() == note
    opened = open_note(note.encode(), [ALICE.verifier, BOB.verifier])
    assert opened.verified_by == (ALICE.verifier, BOB.verifier)
    assert opened.text == TEXT


def test_text_with_inner_blank_lines_is_kept_whole() -> None:
    text = "a\n\nb\n"
    assert open_note(signed(text), [ALICE.verifier]).text == text


def test_signing_is_deterministic() -> None:
    assert signed() == signed()


@pytest.mark.parametrize(
    ("note", "rule"),
    [
        (b"\xff\xfe" + signed().encode(), "utf-8"),
        ("hel\tlo\n" + signed()[len(TEXT):], "control-character"),
        ("hello\n\u2014 x AAAA\n", "no-signature-block"),
        (TEXT + "\n", "no-signatures"),
        (signed()[:-1], "final-newline"),
        (signed() + "trailing\n", "signature-line"),
        (signed().replace("\u2014 ", "- "), "signature-line"),
        (signed().replace(ALICE.name, "bad name"), "signature"),  # the name ends at the space
        (signed().replace(ALICE.name, "a+b"), "key-name"),
        (TEXT + "\n\u2014 k\n", "signature"),
        (TEXT + "\n\u2014 k AAAA\n", "signature"),  # 3 bytes: shorter than key id + 1
        (TEXT + "\n\u2014 k AAAAAAB=\n", "signature"),  # non-canonical padding bits
        (TEXT + "\n\u2014 k AAAA AAAA\n", "signature"),
        (TEXT + "\n" + "\u2014 k AAAAAAAA\n" * 101, "too-many-signatures"),
    ],
)
def test_malformed_notes(note: str | bytes, rule: str) -> None:
    with pytest.raises(MalformedNote) as info:
        SignedNote.from_text(note)
    assert info.value.rule == rule


def test_sixteen_signatures_are_accepted() -> None:
    signers = [NoteSigner(name=f"w{i}", seed=bytes([i]) * 32) for i in range(16)]
    note = signed(TEXT, *signers)
    assert len(open_note(note, [s.verifier for s in signers]).verified_by) == 16


def test_unknown_signatures_are_ignored_but_one_known_is_required() -> None:
    note = signed(TEXT, BOB, ALICE)
    assert open_note(note, [ALICE.verifier]).verified_by == (ALICE.verifier,)
    with pytest.raises(UnverifiedNote, match="no signature by a trusted key"):
        open_note(signed(TEXT, BOB), [ALICE.verifier])


def test_same_name_other_key_is_unknown_not_invalid() -> None:
    impostor = NoteSigner(name=ALICE.name, seed=bytes(32))
    with pytest.raises(UnverifiedNote):
        open_note(signed(TEXT, impostor), [ALICE.verifier])


def test_bad_signature_by_known_key_rejects_the_whole_note() -> None:
    good = SignedNote.from_text(signed(TEXT, ALICE, BOB))
    sig = good.signatures[1]
    forged = NoteSignature(name=sig.name, key_id=sig.key_id,
                           signature=bytes([sig.signature[0] ^ 1]) + sig.signature[1:])
    note = SignedNote(text=TEXT, signatures=(good.signatures[0], forged))
    with pytest.raises(InvalidSignature) as info:
        open_note(note, [ALICE.verifier, BOB.verifier])
    assert info.value.key_name == BOB.name
    # Without BOB's key the bad signature is just unknown.
    assert open_note(note, [ALICE.verifier]).verified_by == (ALICE.verifier,)


def test_tampered_text_fails() -> None:
    with pytest.raises(InvalidSignature):
        open_note(signed().replace("world", "w0rld"), [ALICE.verifier])


def test_ambiguous_trusted_keys_are_refused() -> None:
    a = ALICE.verifier
    twin = NoteVerifier(name=a.name, key_type=a.key_type, public_key=bytes(32))
    object.__setattr__(twin, "key_id", a.key_id)  # a deliberate key-id collision
    with pytest.raises(BadKey) as info:
        open_note(signed(), [a, twin])
    assert info.value.rule == "ambiguous"


def test_sign_refuses_text_that_would_not_round_trip() -> None:
    with pytest.raises(MalformedNote) as info:
        sign_note("no newline", [ALICE])
    assert info.value.rule == "text-newline"
    with pytest.raises(MalformedNote):
        sign_note("bell\a\n", [ALICE])


# -- keys ---------------------------------------------------------------------

def _vkey(name: str, key_id: str, material: bytes) -> str:
    return f"{name}+{key_id}+{base64.b64encode(material).decode()}"


@pytest.mark.parametrize(
    ("vkey", "rule"),
    [
        (_vkey("", "00000000", b"\x01" + bytes(32)), "name"),
        (_vkey("a b", "00000000", b"\x01" + bytes(32)), "name"),
        (_vkey("n", "0000000", b"\x01" + bytes(32)), "key-id-format"),
        (_vkey("n", "ABCDEF01", b"\x01" + bytes(32)), "key-id-format"),
        ("n+00000000+!!!!", "base64"),
        ("n+00000000+", "key-data"),
        (_vkey("n", "00000000", b"\x01" + bytes(31)), "key-data"),
        (_vkey("n", "00000000", b"\x03" + bytes(32)), "algorithm"),
        (_vkey("n", "00000000", b"\x02" + b"not der"), "key-data"),
        (_vkey("n", "00000000", b"\x01" + bytes(32)), "key-id"),
    ],
)
def test_bad_verifier_keys(vkey: str, rule: str) -> None:
    with pytest.raises(BadKey) as info:
        NoteVerifier.from_vkey(vkey)
    assert info.value.rule == rule


def test_key_id_follows_the_spec() -> None:
    import hashlib

    v = ALICE.verifier
    digest = hashlib.sha256(v.name.encode() + b"\n\x01" + v.public_key).digest()
    assert v.key_id == int.from_bytes(digest[:4], "big")
    assert NoteVerifier.from_vkey(v.vkey) == v
    assert NoteVerifier.from_vkey(v.vkey + "\n") == v


@pytest.mark.parametrize(
    ("skey", "rule"),
    [
        ("PUBLIC+KEY+n+00000000+AQ==", "prefix"),
        (ALICE.skey.replace("+AQ", "+Ag"), "algorithm"),
        (ALICE.skey[:-8] + "AAAAAAB=", "base64"),
        (ALICE.skey[:-4], "key-data"),  # a 29-byte seed
        (ALICE.skey.replace(f"+{ALICE.key_id:08x}+", "+00000000+"), "key-id"),
    ],
)
def test_bad_signer_keys(skey: str, rule: str) -> None:
    with pytest.raises(BadKey) as info:
        NoteSigner.from_skey(skey)
    assert info.value.rule == rule


def test_signer_from_existing_ed25519_key() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    signer = NoteSigner.from_private_key(ALICE.name, key)
    assert signer == ALICE
    assert NoteSigner.from_skey(signer.skey) == signer
    assert NoteVerifier.for_ed25519(ALICE.name, key.public_key()) == ALICE.verifier


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",), min_codepoint=0x0A)
               .filter(lambda c: c == "\n" or ord(c) >= 0x20)))
def test_any_valid_text_signs_and_parses_back_unchanged(body: str) -> None:
    text = body + "\n"
    note = sign_note(text, [ALICE])
    assert SignedNote.from_text(note.encode()).text == text
    assert open_note(note, [ALICE.verifier]).text == text
