"""Published DSSE vectors (tests/data/dsse, see SOURCES.md) against our implementation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import Statement
from engine.crypto.keys import PublicKey

DATA = Path(__file__).resolve().parents[2] / "data" / "dsse"
VECTORS = json.loads((DATA / "dsse_vectors.json").read_text(encoding="utf-8"))
KEYS = {label: PublicKey.from_pem(k["pem"]) for label, k in VECTORS["keys"].items()}


def _ids(vector: dict) -> str:
    return vector["id"]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=_ids)
def test_vector(vector: dict) -> None:
    envelope = dsse.Envelope.from_json(vector["envelope"])
    trusted = {label: KEYS[label] for label in vector["trustedKeys"]}
    if "pae" in vector:
        # "pae" is what the signature covers: ours when the vector is good, and
        # genuinely signed in every vector (so a bad one fails for its stated reason).
        covered = bytes.fromhex(vector["pae"])
        if vector["expect"] == "accept":
            assert envelope.pae() == covered
        raw_ok = vector.get("ecdsa_raw_ok", False)
        first = envelope.signatures[0]
        assert any(k.verify(first.sig, covered, ecdsa_raw_ok=raw_ok) for k in trusted.values())

    def run() -> dsse.VerifiedPayload:
        return dsse.verify(
            envelope,
            trusted,
            vector["threshold"],
            vector["supportedPayloadTypes"],
            ecdsa_raw_ok=vector.get("ecdsa_raw_ok", False),
        )

    if vector["expect"] == "accept":
        verified = run()
        assert len(verified.signer_keyids) >= vector["threshold"]
        if vector.get("statement_check"):
            statement = Statement.from_bytes(verified.payload)
            assert statement.predicate_type == "https://slsa.dev/provenance/v1"
            assert statement.subjects[0].name == "a.txt"
    else:
        with pytest.raises(CryptoError):
            run()


def test_rfc8032_keys_match_the_published_raw_public_keys() -> None:
    for label in ("A", "B"):
        raw = KEYS[label].spki_der[-32:]
        assert raw.hex() == VECTORS["keys"][label]["public_hex"]
        pem = (DATA / "cli" / f"rfc8032_test{1 if label == 'A' else 2}_ed25519.pem").read_bytes()
        assert PublicKey.from_pem(pem) == KEYS[label]


@pytest.mark.parametrize(
    ("envelope_file", "key_file", "ecdsa_raw_ok", "expect"),
    [
        ("dsse_spec_example_envelope.json", "dsse_spec_p256.pem", True, True),
        ("dsse_spec_example_envelope.json", "dsse_spec_p256.pem", False, False),
        ("sigstore_dsse_envelope.json", "sigstore_leaf_p256.pem", False, True),
        ("sigstore_dsse_envelope_tampered.json", "sigstore_leaf_p256.pem", False, False),
        ("ssl_vector_single_signature_envelope.json", "rfc8032_test1_ed25519.pem", False, True),
        ("ssl_vector_single_signature_envelope.json", "rfc8032_test2_ed25519.pem", False, False),
        ("ssl_vector_nonascii_type_envelope.json", "rfc8032_test1_ed25519.pem", False, True),
    ],
)
def test_cli_fixtures(envelope_file: str, key_file: str, ecdsa_raw_ok: bool, expect: bool) -> None:
    envelope = dsse.Envelope.from_bytes((DATA / "cli" / envelope_file).read_bytes())
    key = PublicKey.from_pem((DATA / "cli" / key_file).read_bytes())
    # The fixtures label keys "A" or carry no keyid: trust the key under that label.
    label = envelope.signatures[0].keyid or key.keyid
    signers = dsse.valid_signers(envelope, {label: key}, ecdsa_raw_ok=ecdsa_raw_ok)
    assert (signers == {label}) is expect


def test_p256_keyid_is_sha256_of_spki() -> None:
    import hashlib

    key = PublicKey.from_pem((DATA / "cli" / "dsse_spec_p256.pem").read_bytes())
    assert key.scheme == "ecdsa-sha2-nistp256"
    assert key.keyid == hashlib.sha256(key.spki_der).hexdigest()
