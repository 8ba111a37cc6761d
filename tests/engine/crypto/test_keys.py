from __future__ import annotations

import hashlib
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from engine.crypto.errors import KeyFormatError, KeyPassphraseError, UnsupportedKeyError
from engine.crypto.keys import (
    Ed25519Signer,
    PublicKey,
    Signer,
    keyid_of,
    load_private_key,
    load_public_key,
    save_private_key,
    save_public_key,
)

# RFC 8032 §7.1 TEST 1
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
SIGNATURE_OF_EMPTY = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_rfc8032_test1_signature_and_keyid() -> None:
    signer = Ed25519Signer.from_seed(SEED)
    assert signer.sign(b"") == SIGNATURE_OF_EMPTY
    assert signer.public_key.spki_der.endswith(PUBLIC)
    assert signer.keyid == hashlib.sha256(signer.public_key.spki_der).hexdigest()
    assert signer.keyid == keyid_of(signer.public_key.spki_der)
    assert signer.keyid == signer.keyid.lower() and len(signer.keyid) == 64
    assert isinstance(signer, Signer)


def test_generate_uses_injected_entropy() -> None:
    calls: list[int] = []

    def entropy(n: int) -> bytes:
        calls.append(n)
        return SEED

    assert Ed25519Signer.generate(entropy).keyid == Ed25519Signer.from_seed(SEED).keyid
    assert calls == [32]
    assert Ed25519Signer.generate(os.urandom).keyid != Ed25519Signer.generate(os.urandom).keyid


def test_public_key_pem_round_trip_and_verify() -> None:
    signer = Ed25519Signer.from_seed(SEED)
    pem = signer.public_key.to_pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = PublicKey.from_pem(pem)
    assert key == signer.public_key
    assert key.verify(signer.sign(b"data"), b"data")
    assert not key.verify(signer.sign(b"data"), b"other")
    assert not key.verify(b"short", b"data")


def test_private_key_file_unencrypted(tmp_path) -> None:
    signer = Ed25519Signer.from_seed(SEED)
    path = tmp_path / "k.key"
    save_private_key(signer, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert load_private_key(path).keyid == signer.keyid
    with pytest.raises(KeyPassphraseError, match="not encrypted"):
        load_private_key(path, "secret")
    assert [p.name for p in tmp_path.iterdir()] == ["k.key"]


def test_private_key_file_encrypted(tmp_path) -> None:
    signer = Ed25519Signer.from_seed(SEED)
    path = tmp_path / "k.key"
    save_private_key(signer, path, "correct horse")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    # Standard PKCS#8: readable by any tool with the passphrase.
    serialization.load_pem_private_key(data, b"correct horse")
    assert load_private_key(path, b"correct horse").keyid == signer.keyid
    with pytest.raises(KeyPassphraseError, match="needed"):
        load_private_key(path)
    with pytest.raises(KeyPassphraseError, match="wrong"):
        load_private_key(path, "wrong horse")
    with pytest.raises(KeyPassphraseError):
        signer.private_pem("")


def test_save_overwrites_atomically(tmp_path) -> None:
    path = tmp_path / "k.pub.pem"
    save_public_key(Ed25519Signer.from_seed(SEED).public_key, path)
    other = Ed25519Signer.from_seed(bytes(32))
    save_public_key(other.public_key, path)
    assert load_public_key(path) == other.public_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert len(list(tmp_path.iterdir())) == 1


def test_ecdsa_p256_verify_der_and_raw() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    key = PublicKey.from_crypto(private.public_key())
    assert key.scheme == "ecdsa-sha2-nistp256"
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    der = private.sign(b"m", ec.ECDSA(hashes.SHA256()))
    assert key.verify(der, b"m")
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert not key.verify(raw, b"m")
    assert key.verify(raw, b"m", ecdsa_raw_ok=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda: rsa.generate_private_key(65537, 2048).public_key(),
        lambda: ec.generate_private_key(ec.SECP384R1()).public_key(),
    ],
    ids=["rsa", "p384"],
)
def test_other_key_types_are_refused(make) -> None:
    pem = make().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(UnsupportedKeyError):
        PublicKey.from_pem(pem)


def test_ecdsa_private_key_cannot_sign() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(UnsupportedKeyError, match="only Ed25519"):
        Ed25519Signer.from_private_pem(pem)


@pytest.mark.parametrize(
    "data", [b"", b"hello", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_garbage_public_keys(data: bytes) -> None:
    with pytest.raises(KeyFormatError):
        PublicKey.from_pem(data)


def test_inconsistent_public_key_cannot_be_built() -> None:
    key = Ed25519Signer.from_seed(SEED).public_key
    other = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    with pytest.raises(KeyFormatError):
        PublicKey(scheme=key.scheme, spki_der=key.spki_der, keyid=key.keyid, _key=other)


def test_bad_seed_length() -> None:
    with pytest.raises(KeyFormatError):
        Ed25519Signer.from_seed(b"short")
