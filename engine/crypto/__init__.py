"""Keys, DSSE envelopes, in-toto statements and the site trust root (DESIGN §4.1-4.2).

Pure and database-free: bytes in, validated values out. Time and randomness are
passed in by the caller.

- :mod:`engine.crypto.keys` — Ed25519 signing, Ed25519/ECDSA P-256 verification,
  key ids, PEM files.
- :mod:`engine.crypto.dsse` — DSSE v1 envelopes: PAE, strict parsing, signing,
  threshold verification over distinct keys.
- :mod:`engine.crypto.intoto` — in-toto Statement v1.
- :mod:`engine.crypto.trust_root` — the trust root: first install, rotation,
  roles, expiry.
- :mod:`engine.crypto.errors` — :class:`CryptoError` and one subclass per cause.
"""

from __future__ import annotations

from engine.crypto.dsse import (
    Envelope,
    Signature,
    VerifiedPayload,
    pae,
    sign,
    valid_signers,
    verify,
)
from engine.crypto.errors import (
    CryptoError,
    EnvelopeFormatError,
    KeyFormatError,
    KeyPassphraseError,
    PayloadTypeError,
    SignatureThresholdError,
    SigningError,
    StatementFormatError,
    TrustRootError,
    TrustRootExpired,
    TrustRootFormatError,
    TrustRootNotSelfSigned,
    TrustRootRotationNotAuthorised,
    TrustRootVersionError,
    UnknownRoleError,
    UnsupportedKeyError,
)
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE, STATEMENT_TYPE, Statement, Subject
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
from engine.crypto.trust_root import (
    TRUST_ROOT_PAYLOAD_TYPE,
    Role,
    TrustRoot,
    sign_trust_root,
    trust_root_document,
)

__all__ = [
    "INTOTO_PAYLOAD_TYPE",
    "STATEMENT_TYPE",
    "TRUST_ROOT_PAYLOAD_TYPE",
    "CryptoError",
    "Ed25519Signer",
    "Envelope",
    "EnvelopeFormatError",
    "KeyFormatError",
    "KeyPassphraseError",
    "PayloadTypeError",
    "PublicKey",
    "Role",
    "Signature",
    "SignatureThresholdError",
    "Signer",
    "SigningError",
    "Statement",
    "StatementFormatError",
    "Subject",
    "TrustRoot",
    "TrustRootError",
    "TrustRootExpired",
    "TrustRootFormatError",
    "TrustRootNotSelfSigned",
    "TrustRootRotationNotAuthorised",
    "TrustRootVersionError",
    "UnknownRoleError",
    "UnsupportedKeyError",
    "VerifiedPayload",
    "keyid_of",
    "load_private_key",
    "load_public_key",
    "pae",
    "save_private_key",
    "save_public_key",
    "sign",
    "sign_trust_root",
    "trust_root_document",
    "valid_signers",
    "verify",
]
