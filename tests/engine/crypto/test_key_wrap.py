"""Private keys at rest: scrypt-protected standard PKCS#8, and older PBKDF2 keys
rewrapped on their next successful use."""

from __future__ import annotations

import shutil
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from engine.crypto import key_wrap
from engine.crypto.errors import KeyFormatError, KeyPassphraseError
from engine.crypto.keys import Ed25519Signer, load_private_key, needs_rewrap, save_private_key

SIGNER = Ed25519Signer.from_seed(b"k" * 32)


def test_new_keys_are_written_with_the_standard_scrypt_parameters(tmp_path, monkeypatch):
    monkeypatch.setattr(key_wrap, "DEFAULT_SCRYPT", key_wrap.STANDARD_SCRYPT)
    assert key_wrap.STANDARD_SCRYPT == key_wrap.ScryptParams(n=2**14, r=8, p=8)
    assert key_wrap.STANDARD_SCRYPT.memory == 16 * 1024 * 1024
    path = tmp_path / "user.key"
    save_private_key(SIGNER, path, "correct horse")
    data = path.read_bytes()
    assert key_wrap.protection_of(data) == key_wrap.Protection("scrypt", key_wrap.STANDARD_SCRYPT)
    assert not needs_rewrap(data)
    assert load_private_key(path, "correct horse").keyid == SIGNER.keyid
    with pytest.raises(KeyPassphraseError, match="wrong"):
        load_private_key(path, "wrong horse")


def test_the_envelope_is_standard_pkcs8_any_reader_opens(tmp_path):
    pem = SIGNER.private_pem("correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = serialization.load_pem_private_key(pem, b"correct horse")
    assert key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw) \
        == SIGNER.public_key._key.public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    if shutil.which("openssl"):
        path = tmp_path / "k.pem"
        path.write_bytes(SIGNER.private_pem("correct horse", ))
        out = subprocess.run(["openssl", "pkey", "-in", str(path), "-passin",
                              "pass:correct horse", "-pubout"], capture_output=True, check=True)
        assert out.stdout.decode() == SIGNER.public_key.to_pem()


def test_salt_and_iv_come_from_the_injected_entropy():
    fixed = SIGNER.private_pem("correct horse", entropy=lambda n: b"\x01" * n)
    assert fixed == SIGNER.private_pem("correct horse", entropy=lambda n: b"\x01" * n)
    assert fixed != SIGNER.private_pem("correct horse")


def test_a_pbkdf2_key_still_loads_and_is_rewrapped_on_its_next_use(tmp_path):
    legacy = SIGNER._private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"correct horse"))
    assert key_wrap.protection_of(legacy).kdf == "pbkdf2" and needs_rewrap(legacy)
    path = tmp_path / "old.key"
    path.write_bytes(legacy)
    path.chmod(0o600)
    with pytest.raises(KeyPassphraseError):
        load_private_key(path, "wrong horse")
    assert path.read_bytes() == legacy  # a failed use changes nothing
    assert load_private_key(path, "correct horse").keyid == SIGNER.keyid
    rewrapped = path.read_bytes()
    assert key_wrap.protection_of(rewrapped).kdf == "scrypt" and not needs_rewrap(rewrapped)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_private_key(path, "correct horse").keyid == SIGNER.keyid
    assert [p.name for p in tmp_path.iterdir()] == ["old.key"]


def test_a_lighter_scrypt_key_is_rewrapped_to_the_parameters_in_force(tmp_path, monkeypatch):
    path = tmp_path / "light.key"
    save_private_key(SIGNER, path, "correct horse")  # the suite's light parameters
    monkeypatch.setattr(key_wrap, "DEFAULT_SCRYPT", key_wrap.STANDARD_SCRYPT)
    assert needs_rewrap(path.read_bytes())
    load_private_key(path, "correct horse", rewrap=False)
    assert needs_rewrap(path.read_bytes())
    load_private_key(path, "correct horse")
    assert key_wrap.protection_of(path.read_bytes()).scrypt == key_wrap.STANDARD_SCRYPT


def test_a_key_on_a_read_only_folder_still_loads(tmp_path):
    legacy = SIGNER._private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"correct horse"))
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "k.key").write_bytes(legacy)
    folder.chmod(0o500)
    try:
        assert load_private_key(folder / "k.key", "correct horse").keyid == SIGNER.keyid
    finally:
        folder.chmod(0o700)


def test_garbage_is_not_mistaken_for_a_key():
    with pytest.raises(KeyFormatError):
        key_wrap.protection_of(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
                               b"-----END ENCRYPTED PRIVATE KEY-----\n")
