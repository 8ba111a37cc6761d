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

import importlib
from typing import Any

# Names resolve on first use (PEP 562): a command that only needs the errors or a
# statement's shape, say listing promotions through the roster's types, must not load
# the cryptography library (~0.1 s) with the key and envelope modules.
_WHERE = {
    "Envelope": "dsse",
    "Signature": "dsse",
    "VerifiedPayload": "dsse",
    "pae": "dsse",
    "sign": "dsse",
    "valid_signers": "dsse",
    "verify": "dsse",
    "CryptoError": "errors",
    "EnvelopeFormatError": "errors",
    "KeyFormatError": "errors",
    "KeyPassphraseError": "errors",
    "PayloadTypeError": "errors",
    "SignatureThresholdError": "errors",
    "SigningError": "errors",
    "StatementFormatError": "errors",
    "TrustRootError": "errors",
    "TrustRootExpired": "errors",
    "TrustRootFormatError": "errors",
    "TrustRootNotSelfSigned": "errors",
    "TrustRootRotationNotAuthorised": "errors",
    "TrustRootVersionError": "errors",
    "UnknownRoleError": "errors",
    "UnsupportedKeyError": "errors",
    "INTOTO_PAYLOAD_TYPE": "intoto",
    "STATEMENT_TYPE": "intoto",
    "Statement": "intoto",
    "Subject": "intoto",
    "Ed25519Signer": "keys",
    "PublicKey": "keys",
    "Signer": "keys",
    "keyid_of": "keys",
    "load_private_key": "keys",
    "load_public_key": "keys",
    "save_private_key": "keys",
    "save_public_key": "keys",
    "TRUST_ROOT_PAYLOAD_TYPE": "trust_root",
    "Role": "trust_root",
    "TrustRoot": "trust_root",
    "sign_trust_root": "trust_root",
    "trust_root_document": "trust_root",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine.crypto' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"engine.crypto.{module}"), name)
    globals()[name] = value
    return value


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
