"""The site trust root (DESIGN §4.2): which keys may sign what, and until when.

Contract, in the order a site lives it (python-tuf's TrustedMetadataSet style):

1. :meth:`TrustRoot.from_envelope` parses the document and requires that it is
   signed by a threshold of **its own** root keys. Nothing else is assumed.
2. :meth:`TrustRoot.first_install` — trust on first use: the above, plus "not
   expired at ``now``". Only an explicit, confirmed operator action may call it.
3. :meth:`TrustRoot.verify_successor` — rotation, as TUF does it: version N+1,
   and only N+1, is accepted only when signed by a threshold of version N's root keys
   **and** a threshold of its own root keys, and is not expired. The *current*
   root may itself have expired: as in TUF, its keys still authorise a
   successor, so a site whose root lapsed can recover.
4. :meth:`TrustRoot.verify` — verifying an envelope for a role. An expired root
   verifies nothing (:class:`TrustRootExpired`).

Each refusal has its own exception class (see :mod:`engine.crypto.errors`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from engine.canonical import canonical_bytes, sha256_digest
from engine.clock import parse_rfc3339, rfc3339
from engine.crypto import dsse
from engine.crypto.errors import (
    CryptoError,
    SignatureThresholdError,
    TrustRootExpired,
    TrustRootFormatError,
    TrustRootNotSelfSigned,
    TrustRootRotationNotAuthorised,
    TrustRootVersionError,
    UnknownRoleError,
)
from engine.crypto.keys import SCHEMES, PublicKey, Signer
from engine.crypto.strict_json import StrictJSONError, loads_strict

TRUST_ROOT_PAYLOAD_TYPE = "application/vnd.stellaops.trust-root+json"
TRUST_ROOT_TYPE = "stellaops.trust-root/v1"
REQUIRED_ROLES = ("root", "release", "feeds", "policy")
_MAX_SAFE_INT = 2**53 - 1


@dataclass(frozen=True)
class Role:
    """A role: the keys that may sign for it and how many must."""

    keyids: tuple[str, ...]
    threshold: int


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise TrustRootFormatError(f"trust root: {message}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_keys(raw: Any) -> dict[str, PublicKey]:
    _require(isinstance(raw, dict) and bool(raw), "keys must be a non-empty object")
    keys: dict[str, PublicKey] = {}
    for keyid, entry in raw.items():
        _require(isinstance(entry, dict), f"key {keyid} must be an object")
        scheme, public = entry.get("scheme"), entry.get("public")
        _require(scheme in SCHEMES, f"key {keyid} scheme must be one of {', '.join(SCHEMES)}")
        _require(isinstance(public, str), f"key {keyid} public must be a PEM string")
        try:
            key = PublicKey.from_pem(public)
        except CryptoError as exc:
            raise TrustRootFormatError(f"trust root: key {keyid}: {exc}") from None
        _require(key.keyid == keyid, f"key id {keyid} is not the SHA-256 of its public key")
        _require(key.scheme == scheme, f"key {keyid} is a {key.scheme} key, not {scheme}")
        keys[keyid] = key
    return keys


def _parse_roles(raw: Any, keys: Mapping[str, PublicKey]) -> dict[str, Role]:
    _require(isinstance(raw, dict), "roles must be an object")
    for name in REQUIRED_ROLES:
        _require(name in raw, f"role {name!r} is missing")
    roles: dict[str, Role] = {}
    for name, entry in raw.items():
        _require(isinstance(entry, dict), f"role {name} must be an object")
        keyids, threshold = entry.get("keyids"), entry.get("threshold")
        _require(
            isinstance(keyids, list) and bool(keyids) and all(isinstance(k, str) for k in keyids),
            f"role {name} keyids must be a non-empty list of key ids",
        )
        _require(len(set(keyids)) == len(keyids), f"role {name} lists a key id twice")
        for keyid in keyids:
            _require(keyid in keys, f"role {name} uses key {keyid}, which is not in keys")
        _require(
            _is_int(threshold) and 1 <= threshold <= len(keyids),
            f"role {name} threshold must be an integer from 1 to {len(keyids)}",
        )
        roles[name] = Role(keyids=tuple(keyids), threshold=threshold)
    return roles


@dataclass(frozen=True)
class TrustRoot:
    """A parsed trust root whose own root threshold is met. Build with the classmethods."""

    version: int
    expires: datetime
    keys: Mapping[str, PublicKey]
    roles: Mapping[str, Role]
    envelope: dsse.Envelope
    root_signers: frozenset[str]

    @classmethod
    def from_envelope(cls, envelope: dsse.Envelope) -> TrustRoot:
        """Parse and validate; require a threshold of the document's own root keys."""
        if envelope.payload_type != TRUST_ROOT_PAYLOAD_TYPE:
            raise TrustRootFormatError(
                f"trust root: payloadType must be {TRUST_ROOT_PAYLOAD_TYPE!r}, "
                f"not {envelope.payload_type!r}"
            )
        try:
            doc = loads_strict(envelope.payload)
        except StrictJSONError as exc:
            raise TrustRootFormatError(f"trust root: payload is not JSON: {exc}") from None
        _require(isinstance(doc, dict), "document must be a JSON object")
        _require(doc.get("_type") == TRUST_ROOT_TYPE, f"_type must be {TRUST_ROOT_TYPE!r}")
        version = doc.get("version")
        _require(
            _is_int(version) and 1 <= version <= _MAX_SAFE_INT, "version must be a positive integer"
        )
        try:
            expires = parse_rfc3339(doc.get("expires"))
        except (ValueError, TypeError, OverflowError):
            raise TrustRootFormatError(
                "trust root: expires must be an RFC 3339 UTC time ending in Z"
            ) from None
        keys = _parse_keys(doc.get("keys"))
        roles = _parse_roles(doc.get("roles"), keys)
        root = roles["root"]
        root_keys = {k: keys[k] for k in root.keyids}
        signers = dsse.valid_signers(envelope, root_keys)
        if len(signers) < root.threshold:
            raise TrustRootNotSelfSigned(
                f"trust root version {version} is signed by {len(signers)} of its own "
                f"root keys; its root threshold is {root.threshold}"
            )
        return cls(
            version=version,
            expires=expires,
            keys=MappingProxyType(keys),
            roles=MappingProxyType(roles),
            envelope=envelope,
            root_signers=signers,
        )

    @classmethod
    def first_install(cls, envelope: dsse.Envelope, now: datetime) -> TrustRoot:
        """Trust on first use: self-signed by its root threshold and not expired."""
        root = cls.from_envelope(envelope)
        root.check_not_expired(now)
        return root

    def verify_successor(self, envelope: dsse.Envelope, now: datetime) -> TrustRoot:
        """Accept a rotation to a newer root, or raise the specific refusal."""
        candidate = TrustRoot.from_envelope(envelope)
        if candidate.version <= self.version:
            raise TrustRootVersionError(
                f"trust root version {candidate.version} is not newer than the current "
                f"version {self.version}; versions never go down"
            )
        if candidate.version != self.version + 1:
            # A skip would let one signing jump to 2^53-1 and freeze rotation for good.
            raise TrustRootVersionError(
                f"trust root version {candidate.version} skips versions: the current "
                f"version is {self.version}, so only version {self.version + 1} can follow it "
                "(a rotation goes from N to N+1, DESIGN §4.2)"
            )
        current_root = self.roles["root"]
        signers = dsse.valid_signers(envelope, self.role_keys("root"))
        if len(signers) < current_root.threshold:
            raise TrustRootRotationNotAuthorised(
                f"trust root version {candidate.version} is signed by {len(signers)} of the "
                f"current (version {self.version}) root keys; {current_root.threshold} needed"
            )
        candidate.check_not_expired(now)
        return candidate

    def verify_chain(self, envelopes: Iterable[dsse.Envelope], now: datetime) -> TrustRoot:
        """Apply several rotations in order (N -> N+1 -> ...); return the last root."""
        current = self
        for envelope in envelopes:
            current = current.verify_successor(envelope, now)
        return current

    # --- use ------------------------------------------------------------------

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires

    def check_not_expired(self, now: datetime) -> None:
        if self.is_expired(now):
            raise TrustRootExpired(
                f"trust root version {self.version} expired at {rfc3339(self.expires)}; "
                "it verifies nothing until a newer root is installed"
            )

    def role(self, name: str) -> Role:
        try:
            return self.roles[name]
        except KeyError:
            raise UnknownRoleError(f"the trust root defines no role {name!r}") from None

    def role_keys(self, name: str) -> dict[str, PublicKey]:
        return {keyid: self.keys[keyid] for keyid in self.role(name).keyids}

    def role_of(self, keyid: str) -> tuple[str, ...]:
        """Names of the roles a key belongs to (for reports: "signed by a release key")."""
        return tuple(sorted(name for name, r in self.roles.items() if keyid in r.keyids))

    def verify(
        self,
        envelope: dsse.Envelope,
        role: str,
        now: datetime,
        payload_types: str | Collection[str],
    ) -> dsse.VerifiedPayload:
        """Verify ``envelope`` for ``role``: not expired, type accepted, threshold met."""
        self.check_not_expired(now)
        spec = self.role(role)
        try:
            return dsse.verify(envelope, self.role_keys(role), spec.threshold, payload_types)
        except SignatureThresholdError as exc:
            raise SignatureThresholdError(
                f"role {role!r}: {exc.message}",
                valid_keyids=exc.valid_keyids,
                threshold=spec.threshold,
            ) from None

    @property
    def digest(self) -> str:
        """``sha256:`` of the canonical envelope bytes (how the site refers to this root)."""
        return sha256_digest(self.envelope.to_bytes())

    def summary(self) -> dict[str, Any]:
        """Plain JSON for ``stella trust show --json`` and the GUI."""
        return {
            "version": self.version,
            "expires": rfc3339(self.expires),
            "digest": self.digest,
            "keys": {k: {"scheme": v.scheme} for k, v in sorted(self.keys.items())},
            "roles": {
                name: {"keyids": list(r.keyids), "threshold": r.threshold}
                for name, r in sorted(self.roles.items())
            },
        }


def trust_root_document(
    *,
    version: int,
    expires: datetime,
    keys: Iterable[PublicKey],
    roles: Mapping[str, tuple[Iterable[str], int]],
    key_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON document of a trust root (authoring side).

    ``key_labels`` adds a ``description`` to key entries, e.g. to mark demo keys.
    """
    labels = key_labels or {}
    key_entries: dict[str, Any] = {}
    for key in keys:
        entry: dict[str, Any] = {"scheme": key.scheme, "public": key.to_pem()}
        if key.keyid in labels:
            entry["description"] = labels[key.keyid]
        key_entries[key.keyid] = entry
    return {
        "_type": TRUST_ROOT_TYPE,
        "version": version,
        "expires": rfc3339(expires),
        "keys": key_entries,
        "roles": {
            name: {"keyids": list(keyids), "threshold": threshold}
            for name, (keyids, threshold) in roles.items()
        },
    }


def sign_trust_root(document: Mapping[str, Any], signers: Iterable[Signer]) -> dsse.Envelope:
    """Sign a trust-root document. A rotation is signed by old and new root keys."""
    return dsse.sign(TRUST_ROOT_PAYLOAD_TYPE, canonical_bytes(dict(document)), signers)
