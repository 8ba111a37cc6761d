"""Run events: the append-only, hash-chained narrative of a promotion (DESIGN §3).

Each event's canonical bytes (RFC 8785) include the SHA-256 of the previous event's
canonical bytes, so changing, removing or reordering any stored event breaks the
chain. The bytes are what is stored and what is hashed; they are never re-made
from a parsed copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.canonical import canonical_bytes, sha256_hex

GENESIS = "0" * 64
EVENT_VERSION = 1

# Event types. Steps move by step.*; operators act by action.* and run.*.
RUN_CREATED = "run.created"
STEP_STARTED = "step.started"
STEP_SUCCEEDED = "step.succeeded"
STEP_WARNED = "step.warned"
STEP_WAITING = "step.waiting"
STEP_CRITERIA = "step.criteria"
STEP_FAILED = "step.failed"
STEP_SKIPPED = "step.skipped"
STEP_INTERRUPTED = "step.interrupted"
RUN_PAUSED = "run.paused"
RUN_RESUMED = "run.resumed"
RUN_CANCELLED = "run.cancelled"
ACTION_RETRY = "action.retry"
ACTION_MARK_FAILED = "action.mark-failed"
ACTION_CONTINUE = "action.continue"
ROLLBACK_REQUESTED = "rollback.requested"
ROLLBACK_COMPLETED = "rollback.completed"
ROLLBACK_FAILED = "rollback.failed"
APPROVAL_GRANTED = "approval.granted"
APPROVAL_REJECTED = "approval.rejected"
OVERRIDE_RECORDED = "override.recorded"
EXPORT_RECORDED = "export.recorded"

EVENT_TYPES = frozenset(
    {
        RUN_CREATED, STEP_STARTED, STEP_SUCCEEDED, STEP_WARNED, STEP_WAITING, STEP_CRITERIA,
        STEP_FAILED, STEP_SKIPPED, STEP_INTERRUPTED, RUN_PAUSED, RUN_RESUMED, RUN_CANCELLED,
        ACTION_RETRY, ACTION_MARK_FAILED, ACTION_CONTINUE, ROLLBACK_REQUESTED,
        ROLLBACK_COMPLETED, ROLLBACK_FAILED, APPROVAL_GRANTED, APPROVAL_REJECTED,
        OVERRIDE_RECORDED, EXPORT_RECORDED,
    }
)

# Reconciliation (DESIGN §8): an intent before every driver call, and what a target was
# seen to run, so a crash between the two never hides a move from a rollback.
TARGET_DEPLOY_STARTED = "target.deploy.started"
TARGET_OBSERVED = "target.observed"
EVENT_TYPES = EVENT_TYPES | {TARGET_DEPLOY_STARTED, TARGET_OBSERVED}

# The site agent (DESIGN §10): someone asked for a run to start now, e.g. a scheduled
# promotion run at once instead of at its slot (data: schedule, slot); the fold ignores it.
RUN_REQUESTED = "run.requested"
EVENT_TYPES = EVENT_TYPES | {RUN_REQUESTED}


class ChainError(Exception):
    """The stored event chain does not verify; ``seq`` names the first bad event."""

    def __init__(self, seq: int, message: str) -> None:
        super().__init__(f"event #{seq}: {message}")
        self.seq = seq


@dataclass(frozen=True)
class NewEvent:
    """An event about to be appended: everything but its position in the chain."""

    type: str
    actor: str
    at: str
    step: str | None = None
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")


@dataclass(frozen=True)
class Event:
    seq: int
    type: str
    actor: str
    at: str
    step: str | None
    reason: str | None
    data: Mapping[str, Any]
    prev: str
    raw: bytes
    hash: str

    @classmethod
    def seal(cls, new: NewEvent, seq: int, prev: str) -> Event:
        """Give ``new`` its place after ``prev`` and compute its canonical bytes."""
        body = {
            "v": EVENT_VERSION,
            "seq": seq,
            "type": new.type,
            "actor": new.actor,
            "at": new.at,
            "step": new.step,
            "reason": new.reason,
            "data": dict(new.data),
            "prev": prev,
        }
        raw = canonical_bytes(body)
        # read back as stored bytes are read, less the canonical-form check: these
        # bytes are canonical_bytes' own output, and re-encoding them would cost an
        # append a second canonicalisation of every event
        return cls._of_body(json.loads(raw), raw)

    @classmethod
    def from_raw(cls, raw: bytes) -> Event:
        """Parse stored canonical bytes; raise ``ValueError`` on anything malformed."""
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from None
        if not isinstance(body, dict) or body.get("v") != EVENT_VERSION:
            raise ValueError("not a run event of a known version")
        if canonical_bytes(body) != raw:
            raise ValueError("bytes are not in canonical form")
        return cls._of_body(body, raw)

    @classmethod
    def _of_body(cls, body: dict[str, Any], raw: bytes) -> Event:
        try:
            event = cls(
                seq=int(body["seq"]),
                type=str(body["type"]),
                actor=str(body["actor"]),
                at=str(body["at"]),
                step=body["step"],
                reason=body["reason"],
                data=body["data"],
                prev=str(body["prev"]),
                raw=raw,
                hash=sha256_hex(raw),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"missing or wrong field: {exc}") from None
        if event.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event.type!r}")
        return event

    def as_json(self) -> dict[str, Any]:
        return {**json.loads(self.raw), "hash": self.hash}


def verify_chain(raws: Iterable[tuple[bytes, str]]) -> list[Event]:
    """Verify stored (bytes, stored hash) pairs in order; return the parsed events.

    Raises :class:`ChainError` naming the first event whose bytes, hash, position or
    back-link is wrong.
    """
    events: list[Event] = []
    prev = GENESIS
    for index, (raw, stored_hash) in enumerate(raws):
        try:
            event = Event.from_raw(raw)
        except ValueError as exc:
            raise ChainError(index, f"unreadable ({exc})") from None
        if event.hash != stored_hash:
            raise ChainError(index, "stored hash does not match the event bytes")
        if event.seq != index:
            raise ChainError(index, f"sequence number {event.seq} out of place")
        if event.prev != prev:
            raise ChainError(index, "back-link does not match the previous event's hash")
        events.append(event)
        prev = event.hash
    return events
