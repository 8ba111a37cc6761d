"""The bounded-memory envelope reader gives what the ordinary parser gives, or refuses."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from engine.canonical import canonical_bytes
from engine.crypto import dsse
from engine.crypto.errors import EnvelopeFormatError
from engine.crypto.keys import Ed25519Signer
from engine.crypto.large_envelope import parse_large_envelope

KEY = Ed25519Signer.from_seed(hashlib.sha256(b"large envelope").digest())
TYPE = "application/vnd.in-toto+json"


def _envelope(payload: bytes) -> bytes:
    return dsse.sign(TYPE, payload, [KEY]).to_bytes()


@pytest.mark.parametrize("size", [1, 2, 3, 100, 3 * (4 << 20) // 4 + 5])
def test_same_payload_signatures_and_pae_as_the_ordinary_parser(size):
    payload = canonical_bytes({"data": "x" * size})
    raw = _envelope(payload)
    ordinary = dsse.Envelope.from_bytes(raw)
    large = parse_large_envelope(bytearray(raw), max_rest=4096)
    assert bytes(large.payload) == ordinary.payload == payload
    assert large.signatures == ordinary.signatures
    assert bytes(large.pae()) == ordinary.pae()
    assert dsse.valid_signers(large, {KEY.keyid: KEY.public_key}) == {KEY.keyid}


def test_url_safe_base64_and_key_order_and_spacing():
    payload = bytes(range(256)) * 3
    document = {"signatures": [{"keyid": KEY.keyid, "sig": base64.b64encode(
        KEY.sign(dsse.pae(TYPE, payload))).decode()}], "payloadType": TYPE,
        "payload": base64.urlsafe_b64encode(payload).decode()}
    raw = json.dumps(document, indent=3).encode()
    large = parse_large_envelope(bytearray(raw), max_rest=4096)
    assert bytes(large.payload) == payload


@pytest.mark.parametrize(("raw", "says"), [
    (b'{"payloadType": "t", "signatures": []}', "lacks payload"),
    (b'{"payload": "YWJj', "not closed"),
    (b'{"payload": "YWJjZA", "payloadType": "t", "signatures": [{"sig": ""}]}', "base64"),
    (b'{"payload": "YW\\/j", "payloadType": "t", "signatures": [{"sig": ""}]}', "base64"),
    (b'{"payload": "YWJj", "payload": "YWJj", "payloadType": "t", "signatures": [{"sig": ""}]}',
     "duplicate|plain base64"),
    (b'{"signatures": [{"payload": "YWJj", "sig": ""}], "payloadType": "t", "payload": "YWJj"}',
     "plain base64"),
    (b'{"payload": "YWJj", "payloadType": "t", "signatures": [{"sig": ""}], "x": 1}',
     "unknown fields"),
    (b'{"payload": "", "payloadType": "t", "signatures": [{"sig": ""}]}', "empty"),
])
def test_malformed_envelopes_are_refused(raw, says):
    with pytest.raises(EnvelopeFormatError, match=says):
        parse_large_envelope(bytearray(raw), max_rest=4096)


def test_fields_besides_the_payload_are_capped():
    payload = b"abc" * 100
    document = json.loads(_envelope(payload))
    document["signatures"] = document["signatures"] * 200
    with pytest.raises(EnvelopeFormatError, match="besides its payload take more than 4096"):
        parse_large_envelope(bytearray(json.dumps(document).encode()), max_rest=4096)
