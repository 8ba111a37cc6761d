"""DSSE v1 envelopes (https://github.com/secure-systems-lab/dsse, DESIGN §4.1).

Signatures cover ``PAE(payloadType, payload)``. Reading is strict: an envelope
object exists only if every field is present with the right type, base64 is
valid and no unknown field or duplicated JSON key is present. Base64 may be the
standard or the URL-safe alphabet (the DSSE spec allows both); we always write
the standard one. Envelopes are written as RFC 8785 canonical bytes, the exact
bytes that get hashed, stored and logged.

Verification counts **distinct trusted keys**: a key that signs twice counts
once, signatures whose keyid is not trusted are ignored, bad signatures do not
count. A signature without a keyid (the keyid is only an unauthenticated hint
in DSSE) is tried against every trusted key.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.canonical import canonical_bytes
from engine.crypto.errors import (
    EnvelopeFormatError,
    PayloadTypeError,
    SignatureThresholdError,
    SigningError,
)
from engine.crypto.keys import PublicKey, Signer
from engine.crypto.strict_json import StrictJSONError, is_utf8_text, loads_strict

_ENVELOPE_FIELDS = frozenset({"payload", "payloadType", "signatures"})
_SIGNATURE_FIELDS = frozenset({"keyid", "sig"})


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: ``DSSEv1 SP len SP type SP len SP body``."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(type_bytes), type_bytes, len(payload), payload)


def b64encode(data: bytes) -> str:
    return base64.standard_b64encode(data).decode("ascii")


def b64decode(text: str, what: str) -> bytes:
    """Standard base64, or URL-safe base64 as the DSSE spec permits; padding required."""
    if not isinstance(text, str):
        raise EnvelopeFormatError(f"{what} must be a base64 string")
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise EnvelopeFormatError(f"{what} is not base64 (non-ASCII characters)") from None
    try:
        return base64.b64decode(raw, validate=True)
    except binascii.Error:
        pass
    try:
        return base64.b64decode(raw, altchars=b"-_", validate=True)
    except binascii.Error:
        raise EnvelopeFormatError(f"{what} is not valid base64") from None


@dataclass(frozen=True)
class Signature:
    """One DSSE signature; ``keyid`` is ``None`` when the producer gave no hint."""

    keyid: str | None
    sig: bytes

    def to_json(self) -> dict[str, str]:
        out = {"sig": b64encode(self.sig)}
        if self.keyid is not None:
            out["keyid"] = self.keyid
        return out


@dataclass(frozen=True)
class Envelope:
    """A parsed, well-formed DSSE envelope (not yet verified against any key)."""

    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        try:
            obj = loads_strict(data)
        except StrictJSONError as exc:
            raise EnvelopeFormatError(f"envelope is not JSON: {exc}") from None
        return cls.from_json(obj)

    @classmethod
    def from_json(cls, obj: Any) -> Envelope:
        if not isinstance(obj, dict):
            raise EnvelopeFormatError("envelope must be a JSON object")
        missing = _ENVELOPE_FIELDS - obj.keys()
        if missing:
            raise EnvelopeFormatError(f"envelope lacks {', '.join(sorted(missing))}")
        unknown = obj.keys() - _ENVELOPE_FIELDS
        if unknown:
            raise EnvelopeFormatError(f"envelope has unknown fields {', '.join(sorted(unknown))}")
        payload_type = obj["payloadType"]
        if not isinstance(payload_type, str) or not is_utf8_text(payload_type):
            raise EnvelopeFormatError("payloadType must be a text string")
        payload = b64decode(obj["payload"], "payload")
        raw_signatures = obj["signatures"]
        if not isinstance(raw_signatures, list) or not raw_signatures:
            raise EnvelopeFormatError("signatures must be a non-empty list")
        signatures = tuple(_parse_signature(item, i) for i, item in enumerate(raw_signatures))
        return cls(payload_type=payload_type, payload=payload, signatures=signatures)

    def to_json(self) -> dict[str, Any]:
        return {
            "payload": b64encode(self.payload),
            "payloadType": self.payload_type,
            "signatures": [s.to_json() for s in self.signatures],
        }

    def to_bytes(self) -> bytes:
        """RFC 8785 canonical JSON bytes: what is stored, hashed and logged."""
        return canonical_bytes(self.to_json())

    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)


def _parse_signature(item: Any, index: int) -> Signature:
    if not isinstance(item, dict):
        raise EnvelopeFormatError(f"signature {index} must be a JSON object")
    if "sig" not in item:
        raise EnvelopeFormatError(f"signature {index} lacks sig")
    unknown = item.keys() - _SIGNATURE_FIELDS
    if unknown:
        raise EnvelopeFormatError(
            f"signature {index} has unknown fields {', '.join(sorted(unknown))}"
        )
    keyid = item.get("keyid")
    if keyid is not None and (not isinstance(keyid, str) or not is_utf8_text(keyid)):
        raise EnvelopeFormatError(f"signature {index} keyid must be a string")
    return Signature(keyid=keyid, sig=b64decode(item["sig"], f"signature {index} sig"))


def sign(payload_type: str, payload: bytes, signers: Iterable[Signer]) -> Envelope:
    """Sign ``payload`` with every signer, in the order given."""
    signer_list = list(signers)
    if not signer_list:
        raise SigningError("at least one signing key is needed")
    keyids = [s.keyid for s in signer_list]
    if len(set(keyids)) != len(keyids):
        raise SigningError("the same key was given twice; each key signs once")
    message = pae(payload_type, payload)
    signatures = tuple(Signature(keyid=s.keyid, sig=s.sign(message)) for s in signer_list)
    return Envelope(payload_type=payload_type, payload=bytes(payload), signatures=signatures)


def valid_signers(
    envelope: Envelope, trusted: Mapping[str, PublicKey], *, ecdsa_raw_ok: bool = False
) -> frozenset[str]:
    """Ids (keys of ``trusted``) of the distinct trusted keys with a valid signature."""
    message = envelope.pae()
    accepted: set[str] = set()
    for signature in envelope.signatures:
        if signature.keyid:
            candidates = [signature.keyid] if signature.keyid in trusted else []
        else:
            candidates = list(trusted)
        for keyid in candidates:
            if keyid in accepted:
                continue
            if trusted[keyid].verify(signature.sig, message, ecdsa_raw_ok=ecdsa_raw_ok):
                accepted.add(keyid)
                break
    return frozenset(accepted)


@dataclass(frozen=True)
class VerifiedPayload:
    """What a successful verification vouches for."""

    payload_type: str
    payload: bytes
    signer_keyids: frozenset[str]


def verify(
    envelope: Envelope,
    trusted: Mapping[str, PublicKey],
    threshold: int,
    payload_types: str | Collection[str],
    *,
    ecdsa_raw_ok: bool = False,
) -> VerifiedPayload:
    """Check payload type and that ``threshold`` distinct trusted keys signed.

    Raises :class:`PayloadTypeError` or :class:`SignatureThresholdError`.
    """
    if threshold < 1:
        raise ValueError("a signature threshold is at least 1")
    allowed = {payload_types} if isinstance(payload_types, str) else set(payload_types)
    if envelope.payload_type not in allowed:
        raise PayloadTypeError(
            f"payloadType {envelope.payload_type!r} is not accepted here "
            f"(expected {' or '.join(repr(t) for t in sorted(allowed))})"
        )
    keyids = valid_signers(envelope, trusted, ecdsa_raw_ok=ecdsa_raw_ok)
    if len(keyids) < threshold:
        raise SignatureThresholdError(
            f"{len(keyids)} of the required {threshold} trusted signature(s) verified",
            valid_keyids=keyids,
            threshold=threshold,
        )
    return VerifiedPayload(envelope.payload_type, envelope.payload, keyids)
