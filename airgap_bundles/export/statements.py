"""The two statements an export signs besides its index: the part manifest of a
split export and the chain-of-custody receipt.

Both are in-toto Statement v1 in DSSE envelopes signed by the site key, like the
evidence itself, so any DSSE / in-toto tool reads them.

- ``urn:stellaops:export-part:v1`` — one per part: its position, the part's and
  the whole archive's SHA-256, so parts are reassembled in order and checked.
- ``urn:stellaops:chain-of-custody:v1`` — who exported which promotion, when,
  to which medium and path, with the digests of every file written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.canonical import canonical_bytes
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE, Statement
from engine.crypto.keys import PublicKey, Signer
from engine.evidence import statements

PART_PREDICATE = "urn:stellaops:export-part:v1"
CUSTODY_PREDICATE = statements.CUSTODY

_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")


class StatementError(ValueError):
    """A part manifest or custody receipt is malformed or not signed by the expected key."""


@dataclass(frozen=True)
class FileDigest:
    name: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_json(cls, obj: Any, what: str) -> FileDigest:
        if not (
            isinstance(obj, dict)
            and isinstance(obj.get("name"), str)
            and isinstance(obj.get("sha256"), str)
            and _HEX64.match(obj["sha256"])
            and isinstance(obj.get("size"), int)
            and not isinstance(obj.get("size"), bool)
            and obj["size"] >= 0
        ):
            raise StatementError(f"{what} must have name, sha256 (64 hex) and size")
        return cls(obj["name"], obj["sha256"], obj["size"])


def _sign(
    predicate_type: str,
    subjects: Sequence[FileDigest],
    predicate: Mapping[str, Any],
    signer: Signer,
) -> bytes:
    body = statements.statement(
        [{"name": s.name, "digest": {"sha256": s.sha256}} for s in subjects],
        predicate_type,
        predicate,
    )
    return dsse.sign(INTOTO_PAYLOAD_TYPE, canonical_bytes(body), [signer]).to_bytes()


def _open(
    data: bytes | Mapping[str, Any], predicate_type: str, key: PublicKey | None, what: str
) -> tuple[dsse.Envelope, Statement]:
    try:
        envelope = (
            dsse.Envelope.from_json(dict(data))
            if isinstance(data, Mapping)
            else dsse.Envelope.from_bytes(data)
        )
        if key is not None:
            dsse.verify(envelope, {key.keyid: key}, 1, INTOTO_PAYLOAD_TYPE)
        statement = Statement.from_bytes(envelope.payload)
    except CryptoError as exc:
        raise StatementError(f"{what}: {exc}") from None
    if statement.predicate_type != predicate_type:
        raise StatementError(
            f"{what}: predicateType is {statement.predicate_type!r}, expected {predicate_type!r}"
        )
    return envelope, statement


@dataclass(frozen=True)
class PartManifest:
    """Part ``index`` (1-based) of ``count`` parts of ``archive``."""

    promotion: str
    bundle: str
    archive: FileDigest
    part: FileDigest
    index: int
    count: int
    offset: int

    def predicate(self) -> dict[str, Any]:
        return {
            "promotion": self.promotion,
            "bundle": self.bundle,
            "archive": self.archive.to_json(),
            "part": {
                **self.part.to_json(),
                "index": self.index,
                "count": self.count,
                "offset": self.offset,
            },
        }

    def sign(self, signer: Signer) -> bytes:
        return _sign(PART_PREDICATE, [self.part], self.predicate(), signer)

    @classmethod
    def open(cls, data: bytes, key: PublicKey | None = None) -> PartManifest:
        """Parse a part manifest; with ``key``, also require that key's signature."""
        _, statement = _open(data, PART_PREDICATE, key, "part manifest")
        p = statement.predicate
        part = p.get("part")
        if not isinstance(part, dict):
            raise StatementError("part manifest: predicate.part must be an object")
        index, count, offset = part.get("index"), part.get("count"), part.get("offset")
        if (not (isinstance(index, int) and isinstance(count, int) and isinstance(offset, int))
                or any(isinstance(n, bool) for n in (index, count, offset))):
            raise StatementError("part manifest: index, count and offset must be integers")
        if not 1 <= index <= count or offset < 0:
            raise StatementError(f"part manifest: part {index} of {count} is impossible")
        if not isinstance(p.get("promotion"), str) or not isinstance(p.get("bundle"), str):
            raise StatementError("part manifest: promotion and bundle must be strings")
        manifest = cls(
            promotion=p["promotion"],
            bundle=p["bundle"],
            archive=FileDigest.from_json(p.get("archive"), "part manifest archive"),
            part=FileDigest.from_json(part, "part manifest part"),
            index=index,
            count=count,
            offset=offset,
        )
        subject = statement.subjects[0]
        if (
            subject.digest.get("sha256") != manifest.part.sha256
            or subject.name != manifest.part.name
        ):
            raise StatementError("part manifest: subject and predicate name different parts")
        return manifest


@dataclass(frozen=True)
class CustodyReceipt:
    """Who exported what, when and where, with the digests of every file written."""

    promotion: str
    bundle: str
    release: Mapping[str, str]
    exported_by: str
    exported_at: str
    destination: str
    medium: Mapping[str, Any] | None
    archive: FileDigest
    parts: tuple[FileDigest, ...]
    index_sha256: str
    partial: bool
    event_head: str
    event_count: int

    def predicate(self) -> dict[str, Any]:
        return {
            "promotion": self.promotion,
            "bundle": self.bundle,
            "release": dict(self.release),
            "exportedBy": self.exported_by,
            "exportedAt": self.exported_at,
            "destination": {
                "path": self.destination,
                "medium": dict(self.medium) if self.medium else None,
            },
            "archive": self.archive.to_json(),
            "parts": [p.to_json() for p in self.parts],
            "index": {"sha256": self.index_sha256},
            "partial": self.partial,
            "eventChain": {"head": self.event_head, "events": self.event_count},
        }

    def sign(self, signer: Signer) -> bytes:
        return _sign(CUSTODY_PREDICATE, [self.archive, *self.parts], self.predicate(), signer)


@dataclass(frozen=True)
class OpenedCustody:
    """A custody receipt whose signature verified; ``predicate`` is read-only."""

    envelope: dsse.Envelope
    subjects: tuple[FileDigest, ...]
    predicate: Mapping[str, Any]

    @property
    def promotion(self) -> Any:
        return self.predicate.get("promotion")

    @property
    def exported_by(self) -> Any:
        return self.predicate.get("exportedBy")


def open_custody(data: bytes | Mapping[str, Any], key: PublicKey) -> OpenedCustody:
    """Verify a custody receipt against ``key`` and return what it says."""
    envelope, statement = _open(data, CUSTODY_PREDICATE, key, "custody receipt")
    subjects = tuple(
        FileDigest(s.name or "", s.digest.get("sha256", ""), 0) for s in statement.subjects
    )
    return OpenedCustody(envelope=envelope, subjects=subjects, predicate=statement.predicate)
