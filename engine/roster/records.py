"""Roster records: the body format, how one is signed and how stored bytes are read.

A record is a DSSE v1 envelope (payload type :data:`ROSTER_PAYLOAD_TYPE`) whose
payload is the RFC 8785 canonical JSON body::

    {"v": 1, "seq": N, "prev": "<sha256 hex of record N-1's envelope bytes>",
     "at": "<RFC 3339 UTC>", "by": "<admin name>", "kind": "<kind>", "data": {...}}

Record 0 has ``prev`` = 64 zeros. A record's hash is the SHA-256 of its envelope's
canonical bytes, so the chain covers the signatures as well as the bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.canonical import canonical_bytes, sha256_hex
from engine.clock import parse_rfc3339
from engine.crypto.dsse import Envelope, sign
from engine.crypto.errors import CryptoError
from engine.crypto.keys import Signer
from engine.roster.errors import RULE_FORMAT, RosterError

ROSTER_PAYLOAD_TYPE = "application/vnd.stellaops.roster.v1+json"
ROSTER_VERSION = 1
GENESIS = "0" * 64

# Record kinds and the fields of their ``data``.
SITE_CREATED = "site.created"          # {site, admin: {name, public_key}}; self-signed by admin
USER_ENROLLED = "user.enrolled"        # {name, role, public_key}
USER_ROLE_CHANGED = "user.role-changed"  # {name, role}
USER_REVOKED = "user.revoked"          # {name}: the user and all their keys stop acting
KEY_ENROLLED = "key.enrolled"          # {name, public_key}: another key for a user
KEY_REVOKED = "key.revoked"            # {name, keyid}
EXECUTOR_ENROLLED = "executor.enrolled"  # {public_key}: signs the executor's run events
EXECUTOR_REVOKED = "executor.revoked"  # {keyid}
ENV_SET = "env.set"                    # {name, settings: {approvals_required, workflow, ...}}
TARGET_SET = "target.set"              # {environment, name, driver, options}
TARGET_REMOVED = "target.removed"      # {environment, name}

KINDS = (SITE_CREATED, USER_ENROLLED, USER_ROLE_CHANGED, USER_REVOKED, KEY_ENROLLED,
         KEY_REVOKED, EXECUTOR_ENROLLED, EXECUTOR_REVOKED, ENV_SET, TARGET_SET, TARGET_REMOVED)

ADMIN = "admin"
ROLES = (ADMIN, "operator", "release-manager", "approver", "auditor")

_BODY_FIELDS = frozenset({"v", "seq", "prev", "at", "by", "kind", "data"})


@dataclass(frozen=True)
class RosterRecord:
    """One stored record, parsed (its signature is checked by :func:`verify_roster`)."""

    seq: int
    prev: str
    at: str
    moment: datetime
    by: str
    kind: str
    data: Mapping[str, Any]
    envelope: Envelope
    raw: bytes
    hash: str

    @classmethod
    def from_bytes(cls, raw: bytes, index: int) -> RosterRecord:
        """Parse stored envelope bytes; :class:`RosterError` (rule record-format) otherwise."""
        def bad(detail: str) -> RosterError:
            return RosterError(index, RULE_FORMAT, detail)

        try:
            envelope = Envelope.from_bytes(bytes(raw))
        except CryptoError as exc:
            raise bad(f"not a DSSE envelope ({exc})") from None
        if envelope.to_bytes() != bytes(raw):
            raise bad("envelope bytes are not in canonical form")
        if envelope.payload_type != ROSTER_PAYLOAD_TYPE:
            raise bad(f"payload type {envelope.payload_type!r} is not a roster record")
        try:
            body = json.loads(envelope.payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise bad("payload is not JSON") from None
        if not isinstance(body, dict) or set(body) != _BODY_FIELDS:
            raise bad("payload is not a roster record body")
        if canonical_bytes(body) != envelope.payload:
            raise bad("payload is not canonical JSON")
        if body["v"] != ROSTER_VERSION:
            raise bad(f"unknown record version {body['v']!r}")
        if not isinstance(body["seq"], int) or isinstance(body["seq"], bool):
            raise bad("seq is not an integer")
        for name in ("prev", "at", "by", "kind"):
            if not isinstance(body[name], str):
                raise bad(f"{name} is not a string")
        if body["kind"] not in KINDS:
            raise bad(f"unknown record kind {body['kind']!r}")
        if not isinstance(body["data"], dict):
            raise bad("data is not an object")
        try:
            moment = parse_rfc3339(body["at"])
        except ValueError:
            raise bad(f"time {body['at']!r} is not RFC 3339 UTC") from None
        return cls(seq=body["seq"], prev=body["prev"], at=body["at"], moment=moment,
                   by=body["by"], kind=body["kind"], data=body["data"], envelope=envelope,
                   raw=bytes(raw), hash=sha256_hex(bytes(raw)))


def record_body(seq: int, prev: str, at: str, by: str, kind: str,
                data: Mapping[str, Any]) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown roster record kind {kind!r}")
    return {"v": ROSTER_VERSION, "seq": seq, "prev": prev, "at": at, "by": by,
            "kind": kind, "data": dict(data)}


def sign_record(body: Mapping[str, Any], signer: Signer) -> bytes:
    """The stored form of a record: canonical envelope bytes signed by ``signer``."""
    return sign(ROSTER_PAYLOAD_TYPE, canonical_bytes(dict(body)), [signer]).to_bytes()


def site_created(site: str, admin: str, admin_signer: Signer, public_key_pem: str,
                 at: str) -> bytes:
    """Record #0: the site and its first admin, self-signed by that admin's key."""
    body = record_body(0, GENESIS, at, admin, SITE_CREATED,
                       {"site": site, "admin": {"name": admin, "public_key": public_key_pem}})
    return sign_record(body, admin_signer)
