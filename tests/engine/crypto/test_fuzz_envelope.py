"""Fuzz the envelope, statement and trust-root readers: only CryptoError may escape."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import Statement
from engine.crypto.keys import Ed25519Signer
from engine.crypto.trust_root import TRUST_ROOT_PAYLOAD_TYPE, TrustRoot

SIGNER = Ed25519Signer.from_seed(b"f" * 32)
VALID = dsse.sign("application/vnd.in-toto+json", b'{"a":1}', [SIGNER]).to_bytes()
FUZZ = settings(
    max_examples=int(os.environ.get("STELLA_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["payload", "payloadType", "signatures", "keyid", "sig", "x"])
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def _read(data: bytes) -> None:
    try:
        env = dsse.Envelope.from_bytes(data)
    except CryptoError:
        return
    env.to_bytes()
    dsse.valid_signers(env, {SIGNER.keyid: SIGNER.public_key})
    for reader in (
        Statement.from_bytes,
        lambda p: TrustRoot.from_envelope(
            dsse.Envelope(TRUST_ROOT_PAYLOAD_TYPE, p, env.signatures)
        ),
    ):
        try:
            reader(env.payload)
        except CryptoError:
            pass


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes(data: bytes) -> None:
    _read(data)


@FUZZ
@given(json_values)
def test_random_json_documents(value) -> None:
    _read(json.dumps(value).encode())


@FUZZ
@given(st.data())
def test_mutated_valid_envelope(data) -> None:
    raw = bytearray(VALID)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    _read(bytes(raw))


@FUZZ
@given(json_values)
def test_random_payloads_for_statement_and_trust_root(value) -> None:
    payload = json.dumps(value).encode()
    _read(dsse.sign("t", payload, [SIGNER]).to_bytes())
