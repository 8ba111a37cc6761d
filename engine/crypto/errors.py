"""Errors of the crypto package: one base, one subclass per cause.

Every error carries a short, stable ``rule`` name (for logs, JSON output and
tests) and a message written for the person at the console, so the CLI and the
GUI can show ``str(error)`` as is.
"""

from __future__ import annotations

from typing import ClassVar


class CryptoError(Exception):
    """Base of every error raised by :mod:`engine.crypto`."""

    rule: ClassVar[str] = "crypto"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- keys -------------------------------------------------------------------


class KeyFormatError(CryptoError):
    """Bytes that should hold a key are not a readable PEM/DER key."""

    rule = "key-format"


class UnsupportedKeyError(CryptoError):
    """A readable key of a type we do not accept (RSA, other curves...)."""

    rule = "key-unsupported"


class KeyPassphraseError(CryptoError):
    """The passphrase is missing, wrong, or given for an unencrypted key."""

    rule = "key-passphrase"


class SigningError(CryptoError):
    """Signing was asked for with an unusable set of signers."""

    rule = "signing"


# --- DSSE and in-toto -----------------------------------------------------------


class EnvelopeFormatError(CryptoError):
    """The bytes are not a well-formed DSSE v1 envelope."""

    rule = "envelope-format"


class PayloadTypeError(CryptoError):
    """The envelope's payloadType is not one the caller accepts."""

    rule = "payload-type"


class SignatureThresholdError(CryptoError):
    """Fewer distinct trusted keys signed than the threshold requires."""

    rule = "signature-threshold"

    def __init__(self, message: str, *, valid_keyids: frozenset[str], threshold: int) -> None:
        super().__init__(message)
        self.valid_keyids = valid_keyids
        self.threshold = threshold


class StatementFormatError(CryptoError):
    """The payload is not a well-formed in-toto Statement v1."""

    rule = "statement-format"


# --- trust root -------------------------------------------------------------------


class TrustRootError(CryptoError):
    """Base of the trust-root refusals (DESIGN §4.2)."""

    rule = "trust-root"


class TrustRootFormatError(TrustRootError):
    """The trust-root document is malformed."""

    rule = "trust-root-format"


class TrustRootNotSelfSigned(TrustRootError):
    """The document is not signed by a threshold of its own root keys."""

    rule = "trust-root-self-signature"


class TrustRootRotationNotAuthorised(TrustRootError):
    """A new root lacks a threshold of signatures from the current root keys."""

    rule = "trust-root-rotation-unauthorised"


class TrustRootVersionError(TrustRootError):
    """A new root's version is not strictly greater than the current one."""

    rule = "trust-root-version"


class TrustRootExpired(TrustRootError):
    """The trust root has expired: it verifies nothing any more."""

    rule = "trust-root-expired"


class UnknownRoleError(TrustRootError):
    """A role name that the trust root does not define."""

    rule = "trust-root-role"
