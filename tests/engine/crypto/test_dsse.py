from __future__ import annotations

import base64
import json

import pytest
import rfc8785

from engine.crypto import dsse
from engine.crypto.errors import (
    EnvelopeFormatError,
    PayloadTypeError,
    SignatureThresholdError,
    SigningError,
    StatementFormatError,
)
from engine.crypto.intoto import Statement
from engine.crypto.keys import Ed25519Signer

A, B, C = (Ed25519Signer.from_seed(bytes([i]) * 32) for i in (1, 2, 3))
TYPE = "application/vnd.in-toto+json"


def keys(*signers: Ed25519Signer) -> dict:
    return {s.keyid: s.public_key for s in signers}


def test_pae_matches_the_spec_example() -> None:
    # DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    # Lengths are in bytes of UTF-8, not characters.
    assert dsse.pae("é", b"") == b"DSSEv1 2 \xc3\xa9 0 "


def test_sign_verify_round_trip_and_canonical_bytes() -> None:
    env = dsse.sign(TYPE, b'{"x":1}', [A, B])
    data = env.to_bytes()
    assert data == rfc8785.dumps(json.loads(data))
    again = dsse.Envelope.from_bytes(data)
    assert again == env
    verified = dsse.verify(again, keys(A, B), 2, TYPE)
    assert verified.signer_keyids == {A.keyid, B.keyid}
    assert verified.payload == b'{"x":1}'


def test_same_key_twice_counts_once() -> None:
    env = dsse.sign(TYPE, b"p", [A])
    doubled = dsse.Envelope(env.payload_type, env.payload, env.signatures * 2)
    with pytest.raises(SignatureThresholdError) as info:
        dsse.verify(doubled, keys(A, B), 2, TYPE)
    assert info.value.valid_keyids == {A.keyid}


def test_unknown_keyids_are_ignored_and_bad_signatures_do_not_count() -> None:
    env = dsse.sign(TYPE, b"p", [A, C])
    assert dsse.valid_signers(env, keys(A, B)) == {A.keyid}
    bad = dsse.Signature(keyid=B.keyid, sig=bytes(64))
    tampered = dsse.Envelope(env.payload_type, env.payload, (*env.signatures, bad))
    assert dsse.valid_signers(tampered, keys(A, B)) == {A.keyid}


def test_keyid_hint_cannot_borrow_another_keys_signature() -> None:
    # B's signature labelled with A's keyid: it is tried with A's key only, and fails.
    env = dsse.sign(TYPE, b"p", [B])
    relabelled = dsse.Envelope(TYPE, b"p", (dsse.Signature(A.keyid, env.signatures[0].sig),))
    assert dsse.valid_signers(relabelled, keys(A, B)) == frozenset()


def test_signature_without_keyid_is_tried_against_every_trusted_key() -> None:
    env = dsse.sign(TYPE, b"p", [B])
    anonymous = dsse.Envelope(TYPE, b"p", (dsse.Signature(None, env.signatures[0].sig),))
    assert dsse.valid_signers(anonymous, keys(A, B)) == {B.keyid}
    assert "keyid" not in anonymous.to_json()["signatures"][0]


def test_signature_over_a_different_payload_fails() -> None:
    good = dsse.sign(TYPE, b"original", [A])
    swapped = dsse.Envelope(TYPE, b"forged", good.signatures)
    with pytest.raises(SignatureThresholdError):
        dsse.verify(swapped, keys(A), 1, TYPE)


def test_payload_type_is_checked_and_signed() -> None:
    env = dsse.sign(TYPE, b"p", [A])
    with pytest.raises(PayloadTypeError):
        dsse.verify(env, keys(A), 1, "application/other")
    retyped = dsse.Envelope("application/other", b"p", env.signatures)
    with pytest.raises(SignatureThresholdError):
        dsse.verify(retyped, keys(A), 1, ["application/other"])


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        dsse.verify(dsse.sign(TYPE, b"p", [A]), keys(A), 0, TYPE)


def test_signing_refuses_no_signers_and_duplicates() -> None:
    with pytest.raises(SigningError):
        dsse.sign(TYPE, b"p", [])
    with pytest.raises(SigningError):
        dsse.sign(TYPE, b"p", [A, A])


def test_url_safe_base64_is_read_and_standard_is_written() -> None:
    payload = b"\xfb\xff\xbf>?"
    env = dsse.sign(TYPE, payload, [A])
    obj = env.to_json()
    assert obj["payload"] == "+/+/Pj8="
    obj["payload"] = base64.urlsafe_b64encode(payload).decode()
    assert dsse.Envelope.from_json(obj).payload == payload


GOOD = {"payload": "cA==", "payloadType": TYPE, "signatures": [{"keyid": "k", "sig": "AA=="}]}


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda e: e.pop("payload"), "lacks payload"),
        (lambda e: e.pop("signatures"), "lacks signatures"),
        (lambda e: e.update(extra=1), "unknown fields"),
        (lambda e: e.update(payloadType=7), "payloadType"),
        (lambda e: e.update(payloadType="\ud800"), "payloadType"),
        (lambda e: e.update(payload="not base64!"), "base64"),
        (lambda e: e.update(payload="cA"), "base64"),
        (lambda e: e.update(payload="c A=="), "base64"),
        (lambda e: e.update(payload=["cA=="]), "base64"),
        (lambda e: e.update(signatures=[]), "non-empty"),
        (lambda e: e.update(signatures={"sig": "AA=="}), "non-empty list"),
        (lambda e: e.update(signatures=["AA=="]), "object"),
        (lambda e: e.update(signatures=[{"keyid": "k"}]), "lacks sig"),
        (lambda e: e.update(signatures=[{"sig": "AA==", "cert": "x"}]), "unknown"),
        (lambda e: e.update(signatures=[{"sig": "AA==", "keyid": 5}]), "keyid"),
        (lambda e: e.update(signatures=[{"sig": "%%"}]), "base64"),
    ],
)
def test_strict_envelope_parsing(mutation, message: str) -> None:
    obj = json.loads(json.dumps(GOOD))
    mutation(obj)
    with pytest.raises(EnvelopeFormatError, match=message):
        dsse.Envelope.from_json(obj)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"[]",
        b"\xff\xfe",
        b'{"payload": "cA==", "payload": "cQ==", "payloadType": "t", "signatures": [{"sig": ""}]}',
        b'{"payload": "cA==", "payloadType": NaN, "signatures": [{"sig": ""}]}',
        b"[" * 100000,
        b'{"payload": 1' + b"0" * 5000 + b"}",
    ],
    ids=["empty", "array", "not-utf8", "duplicate-key", "nan", "deep", "huge-int"],
)
def test_envelope_bytes_that_are_not_strict_json(data: bytes) -> None:
    with pytest.raises(EnvelopeFormatError):
        dsse.Envelope.from_bytes(data)


def test_securesystemslib_verifies_what_we_sign_and_vice_versa() -> None:
    from securesystemslib.dsse import Envelope as SslEnvelope
    from securesystemslib.signer import CryptoSigner, SSlibKey

    private = A._private  # the cryptography key object behind our signer
    ssl_key = SSlibKey.from_crypto(private.public_key(), keyid=A.keyid)

    ours = dsse.sign(TYPE, b'{"hello":"world"}', [A])
    theirs = SslEnvelope.from_dict(json.loads(ours.to_bytes()))
    assert theirs.pae() == ours.pae()
    assert set(theirs.verify([ssl_key], 1)) == {A.keyid}

    ssl_env = SslEnvelope(b'{"from":"sslib"}', TYPE, {})
    ssl_env.sign(CryptoSigner(private, ssl_key))
    parsed = dsse.Envelope.from_json(ssl_env.to_dict())
    assert dsse.verify(parsed, keys(A), 1, TYPE).signer_keyids == {A.keyid}

    # And a payload tampered after signing fails on both sides.
    forged = dsse.Envelope(TYPE, b'{"hello":"mars"}', ours.signatures)
    from securesystemslib.exceptions import VerificationError

    with pytest.raises(VerificationError):
        SslEnvelope.from_dict(forged.to_json()).verify([ssl_key], 1)
    assert dsse.valid_signers(forged, keys(A)) == frozenset()


STATEMENT = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "a", "digest": {"sha256": "0" * 64}}],
    "predicateType": "urn:x",
    "predicate": {"k": 1},
}


def test_statement_round_trip() -> None:
    statement = Statement.from_json(STATEMENT)
    assert Statement.from_bytes(statement.to_bytes()) == statement
    assert statement.to_bytes() == rfc8785.dumps(STATEMENT)


@pytest.mark.parametrize(
    "change",
    [
        {"_type": "https://in-toto.io/Statement/v0.1"},
        {"subject": []},
        {"subject": [{"name": "a"}]},
        {"subject": [{"name": "a", "digest": {"sha256": "ABC"}}]},
        {"subject": [{"name": "a", "digest": {"sha256": "ab"}}]},
        {"subject": [{"name": 3, "digest": {"sha256": "0" * 64}}]},
        {"predicateType": ""},
        {"predicate": [1]},
    ],
)
def test_statement_validation(change: dict) -> None:
    with pytest.raises(StatementFormatError):
        Statement.from_json({**STATEMENT, **change})
