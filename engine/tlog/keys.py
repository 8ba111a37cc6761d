"""Note signer and verifier keys (c2sp.org/signed-note, golang.org/x/mod/sumdb/note).

A verifier key ("vkey") is ``<name>+<key id, 8 lowercase hex>+<base64(type || key)>``;
a signer key is ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte seed)>``.
The key id is the first four bytes of SHA-256(name || "\\n" || type || key), except
for ECDSA, where it is the first four bytes of SHA-256 of the DER SubjectPublicKeyInfo.

Verification supports the types met in practice: Ed25519 (0x01, what this log
signs with), ECDSA P-256 (0x02, e.g. Rekor v1 checkpoints) and Ed25519 witness
cosignatures (0x04, c2sp.org/tlog-cosignature). Signing is Ed25519 only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from engine.tlog.errors import BadKey

ED25519 = 0x01
ECDSA = 0x02
COSIGNATURE_ED25519 = 0x04
_TYPE_NAMES = {ED25519: "Ed25519", ECDSA: "ECDSA", COSIGNATURE_ED25519: "Ed25519 cosignature"}
_SIGNER_PREFIX = "PRIVATE+KEY+"


def is_valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode space, no '+', no control character (signed-note §Format)."""
    return bool(name) and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)


def strict_b64decode(text: str) -> bytes:
    """Standard base64 with padding, canonical only (one encoding per byte string).

    Raises ``ValueError``; refusing non-canonical encodings keeps notes unmalleable.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not standard base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return raw


def key_id_for(name: str, key_type: int, key: bytes) -> int:
    """The 32-bit key id of ``key`` for ``name`` and signature ``key_type``."""
    if key_type == ECDSA:
        digest = hashlib.sha256(key).digest()
    else:
        digest = hashlib.sha256(name.encode() + b"\n" + bytes((key_type,)) + key).digest()
    return int.from_bytes(digest[:4], "big")


def _split_key_string(text: str, what: str) -> tuple[str, int, bytes]:
    name, _, rest = text.partition("+")
    hex_id, _, b64 = rest.partition("+")
    if not is_valid_key_name(name):
        raise BadKey(f"{what} key name {name!r} is empty or contains a space or '+'",
                     rule="name")
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise BadKey(f"{what} key for {name} needs an 8-digit lowercase hex key id",
                     rule="key-id-format")
    try:
        material = strict_b64decode(b64)
    except ValueError as exc:
        raise BadKey(f"{what} key for {name}: key data is {exc}", rule="base64") from exc
    if not material:
        raise BadKey(f"{what} key for {name} has no key data", rule="key-data")
    return name, int(hex_id, 16), material


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted public key that can check note signatures made under ``name``."""

    name: str
    key_type: int
    public_key: bytes = field(repr=False)  # key material after the type byte (DER SPKI for ECDSA)
    key_id: int = field(init=False)
    _key: object = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise BadKey(f"key name {self.name!r} is empty or contains a space or '+'",
                         rule="name")
        key: object
        if self.key_type in (ED25519, COSIGNATURE_ED25519):
            if len(self.public_key) != 32:
                raise BadKey(f"Ed25519 key for {self.name} must be 32 bytes", rule="key-data")
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
        elif self.key_type == ECDSA:
            try:
                key = serialization.load_der_public_key(self.public_key)
            except ValueError as exc:
                raise BadKey(f"ECDSA key for {self.name} is not a DER public key",
                             rule="key-data") from exc
            if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
                key.curve, ec.SECP256R1
            ):
                raise BadKey(f"ECDSA key for {self.name} must be on NIST P-256",
                             rule="key-data")
        else:
            raise BadKey(f"key for {self.name} has unsupported signature type "
                         f"0x{self.key_type:02x}", rule="algorithm")
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "key_id", key_id_for(self.name, self.key_type, self.public_key))

    def __repr__(self) -> str:
        return f"NoteVerifier({self.name}+{self.key_id:08x}, {self.type_name})"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key id>+<base64 key>``; the key id must match the key."""
        name, claimed, material = _split_key_string(vkey.removesuffix("\n"), "verifier")
        verifier = cls(name=name, key_type=material[0], public_key=material[1:])
        if verifier.key_id != claimed:
            raise BadKey(f"verifier key for {name}: key id {claimed:08x} does not match "
                         f"the key (expected {verifier.key_id:08x})", rule="key-id")
        return verifier

    @classmethod
    def for_ed25519(cls, name: str, public_key: Ed25519PublicKey | bytes) -> NoteVerifier:
        raw = public_key if isinstance(public_key, bytes) else public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return cls(name=name, key_type=ED25519, public_key=raw)

    @property
    def vkey(self) -> str:
        data = base64.b64encode(bytes((self.key_type,)) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{data}"

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES[self.key_type]

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether ``signature`` (without its 4-byte key id) signs the note ``text``."""
        key = self._key
        try:
            if self.key_type == ED25519:
                if len(signature) != 64:
                    return False
                key.verify(signature, text)  # type: ignore[attr-defined]
            elif self.key_type == COSIGNATURE_ED25519:
                if len(signature) != 72:
                    return False
                (timestamp,) = struct.unpack(">Q", signature[:8])
                if timestamp >= 1 << 63:
                    return False
                message = b"cosignature/v1\ntime %d\n" % timestamp + text
                key.verify(signature[8:], message)  # type: ignore[attr-defined]
            else:
                key.verify(signature, text, ec.ECDSA(hashes.SHA256()))  # type: ignore[attr-defined]
        except _CryptoInvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 note signing key. ``repr`` never shows the private seed."""

    name: str
    seed: bytes = field(repr=False)
    _key: Ed25519PrivateKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise BadKey(f"key name {self.name!r} is empty or contains a space or '+'",
                         rule="name")
        if len(self.seed) != 32:
            raise BadKey(f"signer key for {self.name} needs a 32-byte Ed25519 seed",
                         rule="key-data")
        object.__setattr__(self, "_key", Ed25519PrivateKey.from_private_bytes(self.seed))

    @classmethod
    def from_skey(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>``."""
        skey = skey.removesuffix("\n")
        if not skey.startswith(_SIGNER_PREFIX):
            raise BadKey("signer key must start with PRIVATE+KEY+", rule="prefix")
        name, claimed, material = _split_key_string(skey[len(_SIGNER_PREFIX):], "signer")
        if material[0] != ED25519:
            raise BadKey(f"signer key for {name}: only Ed25519 (type 0x01) can sign",
                         rule="algorithm")
        signer = cls(name=name, seed=material[1:])
        if signer.key_id != claimed:
            raise BadKey(f"signer key for {name}: key id {claimed:08x} does not match the key",
                         rule="key-id")
        return signer

    @classmethod
    def from_private_key(cls, name: str, key: Ed25519PrivateKey) -> NoteSigner:
        """Use an existing Ed25519 key (e.g. the site log key loaded from PKCS#8)."""
        seed = key.private_bytes(serialization.Encoding.Raw,
                                 serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
        return cls(name=name, seed=seed)

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier.for_ed25519(self.name, self._key.public_key())

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @property
    def skey(self) -> str:
        data = base64.b64encode(bytes((ED25519,)) + self.seed).decode("ascii")
        return f"{_SIGNER_PREFIX}{self.name}+{self.key_id:08x}+{data}"

    def sign(self, text: bytes) -> bytes:
        """Ed25519 signature of the note text (deterministic, RFC 8032)."""
        return self._key.sign(text)
