"""Private keys at rest: PKCS#8 encrypted with PBES2 + scrypt (RFC 8018, RFC 7914 §7).

Why this format: it is the standard ``ENCRYPTED PRIVATE KEY`` PEM, so
``openssl pkey -in user.key`` and ``cryptography``'s own loader read it with the
passphrase, and scrypt is memory-hard, so a guess costs memory as well as time
(PBKDF2, which ``BestAvailableEncryption`` picks, cost about 0.4 ms per guess).
The OpenSSH format with bcrypt rounds was the other candidate; it needs the extra
``bcrypt`` package to write and read and is not memory-hard.

Parameters: N = 2^14, r = 8, p = 8. 16 MiB per guess (the OWASP scrypt table pairs
N = 2^14, r = 8 with p >= 5) and about 0.3 s per guess on a 2-core desktop
(``bench/bench_key_kdf.py`` prints it). N stays at 2^14 because OpenSSL refuses to derive scrypt keys
needing more than 32 MiB when it reads a PKCS#8 file, and a user's ``openssl`` must
be able to open their key; p buys the time instead. The cipher is AES-256-CBC,
the scheme every PKCS#8 reader supports.

This module writes and inspects the envelope; decryption is the library's
(:func:`cryptography.hazmat.primitives.serialization.load_pem_private_key`).
"""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from engine.crypto.errors import KeyFormatError

OID_PBES2 = "1.2.840.113549.1.5.13"
OID_PBKDF2 = "1.2.840.113549.1.5.12"
OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"
OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"
SALT_BYTES = 16
KEY_BYTES = 32
PEM_BEGIN = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
PEM_END = b"-----END ENCRYPTED PRIVATE KEY-----"


@dataclass(frozen=True)
class ScryptParams:
    n: int
    r: int
    p: int

    @property
    def memory(self) -> int:
        """Bytes one derivation needs (128 * r * N)."""
        return 128 * self.r * self.n

    def at_least(self, other: ScryptParams) -> bool:
        """As costly per guess as ``other``, in memory and in work."""
        return self.n * self.r >= other.n * other.r \
            and self.n * self.r * self.p >= other.n * other.r * other.p


STANDARD_SCRYPT = ScryptParams(n=2**14, r=8, p=8)
# What new keys are written with. Tests may lower it (tests/conftest.py) so a suite
# that creates hundreds of keys stays fast; a key records its own parameters.
DEFAULT_SCRYPT = STANDARD_SCRYPT


@dataclass(frozen=True)
class Protection:
    """How an encrypted PKCS#8 key is protected: ``kdf`` is ``scrypt``, ``pbkdf2`` or
    another OID; ``scrypt`` holds the parameters when it is scrypt."""

    kdf: str
    scrypt: ScryptParams | None = None

    def weaker_than(self, wanted: ScryptParams) -> bool:
        return self.scrypt is None or not self.scrypt.at_least(wanted)


# --- a minimal DER writer and reader (only what PKCS#8 PBES2 needs) --------------------


def _tlv(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _octets(data: bytes) -> bytes:
    return _tlv(0x04, data)


def _oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _read(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """One TLV at ``at``: (tag, body, offset after it)."""
    try:
        tag, size = data[at], data[at + 1]
        at += 2
        if size & 0x80:
            count = size & 0x7F
            size = int.from_bytes(data[at:at + count], "big")
            at += count
    except IndexError:
        raise KeyFormatError("the encrypted private key is truncated") from None
    if at + size > len(data):
        raise KeyFormatError("the encrypted private key is truncated")
    return tag, data[at:at + size], at + size


def _children(body: bytes) -> list[tuple[int, bytes]]:
    items, at = [], 0
    while at < len(body):
        tag, inner, at = _read(body, at)
        items.append((tag, inner))
    return items


def _oid_text(body: bytes) -> str:
    arcs = [body[0] // 40, body[0] % 40]
    value = 0
    for byte in body[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    return ".".join(str(a) for a in arcs)


# --- wrap and inspect ------------------------------------------------------------------


def wrap(pkcs8_der: bytes, passphrase: bytes, entropy: Callable[[int], bytes],
         params: ScryptParams | None = None) -> bytes:
    """PEM ``ENCRYPTED PRIVATE KEY``: PBES2, scrypt ``params`` (default: in force),
    AES-256-CBC; salt and IV from ``entropy``."""
    chosen = params or DEFAULT_SCRYPT
    salt, iv = entropy(SALT_BYTES), entropy(16)
    key = Scrypt(salt=salt, length=KEY_BYTES, n=chosen.n, r=chosen.r, p=chosen.p) \
        .derive(passphrase)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(pkcs8_der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(plain) + encryptor.finalize()
    kdf = _seq(_oid(OID_SCRYPT), _seq(_octets(salt), _int(chosen.n), _int(chosen.r),
                                       _int(chosen.p), _int(KEY_BYTES)))
    scheme = _seq(_oid(OID_AES256_CBC), _octets(iv))
    der = _seq(_seq(_oid(OID_PBES2), _seq(kdf, scheme)), _octets(sealed))
    lines = textwrap.wrap(base64.b64encode(der).decode("ascii"), 64)
    return PEM_BEGIN + b"\n" + "\n".join(lines).encode("ascii") + b"\n" + PEM_END + b"\n"


def protection_of(pem: bytes) -> Protection:
    """Read the KDF and its parameters from an ``ENCRYPTED PRIVATE KEY`` PEM."""
    try:
        start = pem.index(PEM_BEGIN) + len(PEM_BEGIN)
        der = base64.b64decode(b"".join(pem[start:pem.index(PEM_END)].split()), validate=True)
        _, info, _ = _read(der)
        (_, algorithm), _ = _children(info)
        (_, scheme_oid), *scheme_params = _children(algorithm)
        if _oid_text(scheme_oid) != OID_PBES2:
            return Protection(_oid_text(scheme_oid))
        (_, kdf), _ = _children(scheme_params[0][1])
        (_, kdf_oid), *kdf_params = _children(kdf)
        if _oid_text(kdf_oid) == OID_PBKDF2:
            return Protection("pbkdf2")
        if _oid_text(kdf_oid) != OID_SCRYPT:
            return Protection(_oid_text(kdf_oid))
        fields = _children(kdf_params[0][1])
        n, r, p = (int.from_bytes(body, "big") for _, body in fields[1:4])
        return Protection("scrypt", ScryptParams(n=n, r=r, p=p))
    except (ValueError, IndexError, KeyFormatError):
        raise KeyFormatError("not a PKCS#8 encrypted private key") from None
