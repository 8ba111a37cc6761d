"""Keys (DESIGN §4.1): Ed25519 to sign, Ed25519 or ECDSA P-256 to verify.

A key id is the lowercase hex SHA-256 of the public key's DER
SubjectPublicKeyInfo, so anyone can recompute it from the PEM alone. Private
keys are stored as PKCS#8 PEM, encrypted when a passphrase is given (PBES2 with
scrypt, :mod:`engine.crypto.key_wrap`), written atomically with mode 0600. Randomness is injected: :meth:`Ed25519Signer.generate`
takes an entropy source, :meth:`Ed25519Signer.from_seed` is deterministic.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from engine.crypto import key_wrap
from engine.crypto.atomic import atomic_write_bytes
from engine.crypto.errors import KeyFormatError, KeyPassphraseError, UnsupportedKeyError

SCHEME_ED25519 = "ed25519"
SCHEME_ECDSA_P256 = "ecdsa-sha2-nistp256"
SCHEMES = (SCHEME_ED25519, SCHEME_ECDSA_P256)

PRIVATE_KEY_MODE = 0o600
PUBLIC_KEY_MODE = 0o644


def keyid_of(spki_der: bytes) -> str:
    """Key id: lowercase hex SHA-256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(spki_der).hexdigest()


def _scheme_of(key: Any) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return SCHEME_ED25519
    if isinstance(key, ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return SCHEME_ECDSA_P256
        raise UnsupportedKeyError(
            f"ECDSA keys on curve {key.curve.name} are not accepted; use Ed25519 or P-256"
        )
    raise UnsupportedKeyError(
        f"{type(key).__name__.removeprefix('_')} keys are not accepted; use Ed25519 or ECDSA P-256"
    )


@dataclass(frozen=True)
class PublicKey:
    """A verification key. Build it with :meth:`from_pem` or :meth:`from_crypto`."""

    scheme: str
    spki_der: bytes
    keyid: str
    _key: Any = field(compare=False, repr=False)

    def __post_init__(self) -> None:
        scheme = _scheme_of(self._key)
        der = self._key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if der != self.spki_der or keyid_of(der) != self.keyid or scheme != self.scheme:
            raise KeyFormatError("public key fields are inconsistent")

    @classmethod
    def from_crypto(cls, key: Any) -> PublicKey:
        scheme = _scheme_of(key)
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(scheme=scheme, spki_der=der, keyid=keyid_of(der), _key=key)

    @classmethod
    def from_pem(cls, pem: bytes | str) -> PublicKey:
        data = pem.encode("utf-8", "replace") if isinstance(pem, str) else bytes(pem)
        if b"-----BEGIN PUBLIC KEY-----" not in data:
            raise KeyFormatError("not a PEM public key (expected '-----BEGIN PUBLIC KEY-----')")
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFormatError(f"unreadable PEM public key ({exc})") from None
        return cls.from_crypto(key)

    def to_pem(self) -> str:
        """PEM SPKI text, the form stored in trust roots and ``*.pub.pem`` files."""
        pem: bytes = self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def verify(self, signature: bytes, data: bytes, *, ecdsa_raw_ok: bool = False) -> bool:
        """True when ``signature`` is valid over ``data``; never raises for a bad signature.

        ECDSA signatures are DER by default; ``ecdsa_raw_ok`` also accepts the
        64-byte ``r || s`` form some DSSE producers emit.
        """
        try:
            if self.scheme == SCHEME_ED25519:
                self._key.verify(signature, data)
                return True
            if ecdsa_raw_ok and len(signature) == 64:
                r = int.from_bytes(signature[:32], "big")
                s = int.from_bytes(signature[32:], "big")
                signature = encode_dss_signature(r, s)
            self._key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError, TypeError):
            return False


@runtime_checkable
class Signer(Protocol):
    """Anything that can sign: a file key today, a per-user or site key later."""

    @property
    def keyid(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class Ed25519Signer:
    """An Ed25519 private key that signs (deterministically, as Ed25519 does)."""

    __slots__ = ("_private", "public_key")

    def __init__(self, private: ed25519.Ed25519PrivateKey) -> None:
        self._private = private
        self.public_key = PublicKey.from_crypto(private.public_key())

    def __repr__(self) -> str:
        return f"Ed25519Signer(keyid={self.keyid!r})"

    @property
    def keyid(self) -> str:
        return self.public_key.keyid

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519Signer:
        """The key whose RFC 8032 private seed is ``seed`` (32 bytes)."""
        if len(seed) != 32:
            raise KeyFormatError("an Ed25519 seed is exactly 32 bytes")
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    @classmethod
    def generate(cls, entropy: Callable[[int], bytes]) -> Ed25519Signer:
        """A new key from ``entropy`` (e.g. ``secrets.token_bytes``); injected for tests."""
        return cls.from_seed(entropy(32))

    def private_pem(self, passphrase: bytes | str | None = None,
                    entropy: Callable[[int], bytes] = os.urandom) -> bytes:
        """PKCS#8 PEM; with a passphrase, encrypted with scrypt (salt and IV from
        ``entropy``)."""
        if passphrase is None:
            return self._private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())
        secret = _passphrase_bytes(passphrase)
        if not secret:
            raise KeyPassphraseError("an empty passphrase does not protect a key")
        der = self._private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        return key_wrap.wrap(der, secret, entropy)

    @classmethod
    def from_private_pem(
        cls, pem: bytes | str, passphrase: bytes | str | None = None
    ) -> Ed25519Signer:
        data = pem.encode("utf-8", "replace") if isinstance(pem, str) else bytes(pem)
        encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data
        if b"PRIVATE KEY-----" not in data:
            raise KeyFormatError("not a PEM private key")
        if encrypted and passphrase is None:
            raise KeyPassphraseError("this private key is encrypted: a passphrase is needed")
        if not encrypted and passphrase is not None:
            raise KeyPassphraseError("a passphrase was given but this private key is not encrypted")
        try:
            key = serialization.load_pem_private_key(
                data, None if passphrase is None else _passphrase_bytes(passphrase)
            )
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            if encrypted:
                raise KeyPassphraseError(
                    "the passphrase is wrong or the encrypted key is damaged"
                ) from None
            raise KeyFormatError(f"unreadable PEM private key ({exc})") from None
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise UnsupportedKeyError(
                f"only Ed25519 private keys can sign here, not {type(key).__name__.removeprefix('_')}"
            )
        return cls(key)


def _passphrase_bytes(passphrase: bytes | str) -> bytes:
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)


def save_private_key(
    signer: Ed25519Signer, path: str | Path, passphrase: bytes | str | None = None
) -> None:
    """Write the private key as PKCS#8 PEM, mode 0600, atomically."""
    atomic_write_bytes(path, signer.private_pem(passphrase), PRIVATE_KEY_MODE)


def load_private_key(path: str | Path, passphrase: bytes | str | None = None, *,
                     rewrap: bool = True) -> Ed25519Signer:
    """Open a private key file. With ``rewrap``, a key the passphrase opened but that is
    protected more weakly than new keys are (PBKDF2, or lighter scrypt) is rewritten
    with the scrypt parameters in force, atomically and mode 0600; if the file cannot
    be rewritten (read-only medium) the key is still returned."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFormatError(f"cannot read private key {path}: {exc.strerror}") from None
    signer = Ed25519Signer.from_private_pem(data, passphrase)
    if rewrap and passphrase is not None and needs_rewrap(data):
        try:
            save_private_key(signer, path, passphrase)
        except OSError:
            pass  # the key works; hardening it waits for a writable file
    return signer


def needs_rewrap(pem: bytes) -> bool:
    """True for an encrypted key protected more weakly than new keys are."""
    return key_wrap.protection_of(pem).weaker_than(key_wrap.DEFAULT_SCRYPT)


def save_public_key(key: PublicKey, path: str | Path) -> None:
    """Write the public key as PEM SPKI, mode 0644, atomically."""
    atomic_write_bytes(path, key.to_pem().encode("ascii"), PUBLIC_KEY_MODE)


def load_public_key(path: str | Path) -> PublicKey:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFormatError(f"cannot read public key {path}: {exc.strerror}") from None
    return PublicKey.from_pem(data)
