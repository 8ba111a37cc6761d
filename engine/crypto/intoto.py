"""in-toto Statement v1 (https://github.com/in-toto/attestation, DESIGN §4.1).

The DSSE payload type for statements is ``application/vnd.in-toto+json``.
Parsing validates the statement layer only; each predicate type is validated by
its own owner (bundle manifests, evidence, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from engine.canonical import canonical_bytes
from engine.crypto.errors import StatementFormatError
from engine.crypto.strict_json import StrictJSONError, loads_strict

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"

_HEX = re.compile(r"\A[0-9a-f]+\Z")
# Hex digests whose length we know; other algorithms only need lowercase hex.
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128, "sha1": 40}


@dataclass(frozen=True)
class Subject:
    """One subject (ResourceDescriptor); ``digest`` maps algorithm to lowercase hex."""

    name: str | None
    digest: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"digest": dict(self.digest)}
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True)
class Statement:
    """A validated in-toto Statement v1. Treat ``predicate`` as read-only."""

    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Mapping[str, Any]

    @classmethod
    def from_bytes(cls, payload: bytes) -> Statement:
        try:
            obj = loads_strict(payload)
        except StrictJSONError as exc:
            raise StatementFormatError(f"statement is not JSON: {exc}") from None
        return cls.from_json(obj)

    @classmethod
    def from_json(cls, obj: Any) -> Statement:
        subjects, predicate_type, predicate = statement_parts(obj, parse_subject)
        return cls(subjects=tuple(subjects), predicate_type=predicate_type, predicate=predicate)

    def to_json(self) -> dict[str, Any]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [s.to_json() for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": dict(self.predicate),
        }

    def to_bytes(self) -> bytes:
        """RFC 8785 canonical bytes, the DSSE payload."""
        return canonical_bytes(self.to_json())


_S = TypeVar("_S")


def statement_parts(
    obj: Any, subject: Callable[[Any, int], _S]
) -> tuple[list[_S], str, dict[str, Any]]:
    """Check the statement layer of parsed JSON ``obj``; each subject goes through
    ``subject(item, index)`` (normally :func:`parse_subject`; a reader of large
    statements may pass items it already validated in a leaner form)."""
    if not isinstance(obj, dict):
        raise StatementFormatError("statement must be a JSON object")
    if obj.get("_type") != STATEMENT_TYPE:
        raise StatementFormatError(f"statement _type must be {STATEMENT_TYPE!r}")
    raw_subjects = obj.get("subject")
    if not isinstance(raw_subjects, list) or not raw_subjects:
        raise StatementFormatError("statement subject must be a non-empty list")
    subjects = [subject(item, i) for i, item in enumerate(raw_subjects)]
    predicate_type = obj.get("predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        raise StatementFormatError("statement predicateType must be a non-empty string")
    predicate = obj.get("predicate", {})
    if not isinstance(predicate, dict):
        raise StatementFormatError("statement predicate must be a JSON object")
    return subjects, predicate_type, predicate


def parse_subject(item: Any, index: int) -> Subject:
    if not isinstance(item, dict):
        raise StatementFormatError(f"subject {index} must be a JSON object")
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise StatementFormatError(f"subject {index} name must be a string")
    digest = item.get("digest")
    if not isinstance(digest, dict) or not digest:
        raise StatementFormatError(f"subject {index} needs a non-empty digest object")
    for algorithm, value in digest.items():
        if not isinstance(value, str) or not _HEX.match(value):
            raise StatementFormatError(
                f"subject {index} digest {algorithm!r} must be lowercase hex"
            )
        expected = _DIGEST_LENGTHS.get(algorithm)
        if expected is not None and len(value) != expected:
            raise StatementFormatError(
                f"subject {index} digest {algorithm!r} must have {expected} hex digits"
            )
    return Subject(name=name, digest=digest)
