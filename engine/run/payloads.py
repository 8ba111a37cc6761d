"""Typed run-event payloads: one frozen dataclass per event type over ``Event.data``.

Events are signed and hash-chained (:mod:`engine.run.events`), so a payload type must
read what was written and write it back to exactly the same canonical bytes
(RFC 8785). Each class therefore names the keys it models (a field's JSON key is its
name unless ``key()`` says otherwise), keeps every other key in ``extra``, and
remembers in ``absent`` which modelled keys the stored payload did not carry:
``Payload.read(data).to_data() == data`` for every payload ever written, and
``canonical_bytes`` of both are identical (tests/engine/run/test_payloads.py, and the demo
site's stored chains in tests/demo/test_typed_payloads.py). The machinery is in
:mod:`engine.run.payload_base`.

Quirks kept as written, because changing them would break existing chains:

- ``step.criteria`` spells its top-level numbers in snake case (``error_rate``,
  ``p95_ms``) and the nested ``decision`` and ``measurement`` in camel case
  (``errorRate``, ``p95Ms``, ``observedSeconds``): the nested objects are the canary
  analysis's own JSON (:mod:`engine.canary`). Both read into ``error_rate``/``p95_ms``.
- ``step.waiting`` carries its step's waiting detail (``required``, ``requester``,
  ``why``, …) flat beside ``for``, ``summary`` and ``outputs``.
- ``rollback.requested`` defaults its scope to ``full`` when absent; ``rollback.completed``
  is full only when it says so.
- every payload of a signed event carries ``signature`` ({keyid, sig}); it is checked by
  :mod:`engine.roster.signed_events`, never here.

A value of the wrong JSON type under a modelled key raises :class:`PayloadError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.canonical import canonical_bytes
from engine.run import events as ev
from engine.run.payload_base import P as P  # re-exported: readers name them through this module
from engine.run.payload_base import Payload as Payload
from engine.run.payload_base import PayloadError as PayloadError
from engine.run.payload_base import key


@dataclass(frozen=True, kw_only=True)
class EventPayload(Payload):
    """A run event's ``data``: what every event type has in common."""

    TYPES: ClassVar[tuple[str, ...]] = ()
    signature: Any = None  # {keyid, sig}; checked by engine.roster.signed_events


# -- nested objects --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TargetRow(Payload):
    """A deploy stage's row for one target (progress events and the stage's outputs)."""

    name: str = ""
    from_version: str | None = key("from")
    to_version: str | None = key("to")
    from_digest: str | None = None
    to_digest: str | None = None
    status: str = "succeeded"
    detail: str | None = None
    changed: bool = False  # this run moved it (a rollback must return it)
    release: str | None = None


@dataclass(frozen=True, kw_only=True)
class MeasuredTarget(Payload):
    """One target's share of a canary measurement (camel case: engine.canary's JSON)."""

    target: str = ""
    healthy: bool = False
    error_rate: float | None = key("errorRate")
    p95_ms: float | None = key("p95Ms")
    version: str | None = None
    digest: str | None = None
    detail: str | None = None


@dataclass(frozen=True, kw_only=True)
class Measurement(Payload):
    phase: str = ""
    error_rate: float | None = key("errorRate")
    p95_ms: float | None = key("p95Ms")
    notes: tuple[str, ...] = ()
    targets: tuple[MeasuredTarget, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Decision(Payload):
    """The canary analysis's decision after a measurement (engine.canary, camel case)."""

    status: str = ""
    reason: str = ""
    progress: float | None = None
    measurements: int | None = None
    required_measurements: int | None = key("requiredMeasurements")
    observed_seconds: float | None = key("observedSeconds")
    window_seconds: float | None = key("windowSeconds")
    consecutive_errors: int | None = key("consecutiveErrors")
    consecutive_error_limit: int | None = key("consecutiveErrorLimit")


@dataclass(frozen=True, kw_only=True)
class Provider(Payload):
    """Who answered a metrics provider's measurement."""

    name: str = ""
    address: str = ""
    answered: bool = False


@dataclass(frozen=True, kw_only=True)
class ReturnedTarget(Payload):
    """A target a rollback handled: where it went back to, and how that went."""

    target: str = ""
    status: str = ""
    step: str | None = None
    from_version: str | None = key("from")
    to_version: str | None = key("to")
    to_digest: str | None = None
    detail: str | None = None
    observed: Mapping[str, Any] | None = None


# -- event payloads --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RunCreated(EventPayload):
    TYPES = (ev.RUN_CREATED,)
    promotion_id: str = ""
    release: Mapping[str, Any] = field(default_factory=dict)
    from_env: str | None = None
    to_env: str = ""
    baseline: str | None = None
    workflow: str = ""
    steps: tuple[str, ...] = ()
    approvals_required: int = 0
    requester: str = ""


@dataclass(frozen=True, kw_only=True)
class StepStarted(EventPayload):
    TYPES = (ev.STEP_STARTED,)
    attempt: int | None = None


@dataclass(frozen=True, kw_only=True)
class StepSucceeded(EventPayload):
    TYPES = (ev.STEP_SUCCEEDED,)
    summary: str = ""
    outputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class StepWarned(StepSucceeded):
    TYPES = (ev.STEP_WARNED,)


@dataclass(frozen=True, kw_only=True)
class StepSkipped(StepSucceeded):
    TYPES = (ev.STEP_SKIPPED,)


@dataclass(frozen=True, kw_only=True)
class StepWaiting(EventPayload):
    """A step waits for someone; its waiting detail sits flat beside ``for``."""

    TYPES = (ev.STEP_WAITING,)
    waiting_for: str = key("for", "")
    summary: str = ""  # when absent the step keeps the summary it had
    outputs: Mapping[str, Any] = field(default_factory=dict)
    required: int | None = None
    requester: str | None = None


@dataclass(frozen=True, kw_only=True)
class StepCriteria(EventPayload):
    """A deploy stage's measurement (or, with ``status`` deploying, its progress)."""

    TYPES = (ev.STEP_CRITERIA,)
    met: bool = False
    summary: str = ""
    status: str = ""
    reason: str = ""
    policy: str = ""
    provider: Provider | None = None
    healthy: int | None = None
    total: int | None = None
    environment_targets: int | None = None
    error_rate: float | None = None  # snake case here, camel case in ``measurement``
    p95_ms: float | None = None
    requests: float | None = None
    phase: str = ""
    progress: float | None = None
    auto_rollback: str = ""
    decision: Decision | None = None
    measurement: Measurement | None = None
    targets: tuple[TargetRow, ...] = ()  # progress rows of a deploying stage
    # a metrics provider's queries: name -> {"success": condition, "failure": condition}
    conditions: Mapping[str, Any] | None = None

    @property
    def measured(self) -> bool:
        return "measurement" not in self.absent


@dataclass(frozen=True, kw_only=True)
class StepFailed(EventPayload):
    TYPES = (ev.STEP_FAILED,)
    error: str = ""
    summary: str = ""
    outputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class StepInterrupted(EventPayload):
    TYPES = (ev.STEP_INTERRUPTED,)
    error: str = "the process running this step stopped"


@dataclass(frozen=True, kw_only=True)
class OperatorAction(EventPayload):
    """Pause, resume, cancel, retry, mark-failed, continue, reject: the reason is on the
    event; the payload holds only what the caller added (e.g. a ticket)."""

    TYPES = (ev.RUN_PAUSED, ev.RUN_RESUMED, ev.RUN_CANCELLED, ev.ACTION_RETRY,
             ev.ACTION_MARK_FAILED, ev.ACTION_CONTINUE, ev.APPROVAL_REJECTED)
    ticket: str | None = None


@dataclass(frozen=True, kw_only=True)
class ApprovalGranted(EventPayload):
    TYPES = (ev.APPROVAL_GRANTED,)
    evidence: str | None = None
    keyid: str | None = None
    log_index: int | None = None
    ticket: str | None = None


@dataclass(frozen=True, kw_only=True)
class RollbackRequested(EventPayload):
    TYPES = (ev.ROLLBACK_REQUESTED,)
    scope: str = "full"
    steps: tuple[str, ...] = ()
    ticket: str | None = None
    automatic: bool = False
    stage: str | None = None
    preview: Any = None  # the rollback preview shown when it was asked for


@dataclass(frozen=True, kw_only=True)
class RollbackCompleted(EventPayload):
    TYPES = (ev.ROLLBACK_COMPLETED,)
    scope: str | None = None
    steps: tuple[str, ...] = ()
    summary: str = ""
    targets: tuple[ReturnedTarget, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RollbackFailed(EventPayload):
    TYPES = (ev.ROLLBACK_FAILED,)
    scope: str | None = None
    error: str = "rollback failed"


@dataclass(frozen=True, kw_only=True)
class OverrideRecorded(EventPayload):
    TYPES = (ev.OVERRIDE_RECORDED,)
    kind: str = ""
    rule: str = ""
    verdict_id: str = ""
    feeds: tuple[str, ...] = ()  # the feed snapshots it accepts
    evidence: str | None = None  # the approver's signed statement
    keyid: str = ""
    log_index: int | None = None


@dataclass(frozen=True, kw_only=True)
class ExportRecorded(EventPayload):
    """An export's custody record; its body is the export receipt (app/services/exports.py)."""

    TYPES = (ev.EXPORT_RECORDED,)


@dataclass(frozen=True, kw_only=True)
class RunRequested(EventPayload):
    """Someone asked for the run to start now; from a schedule it names the slot."""

    TYPES = (ev.RUN_REQUESTED,)
    schedule: str | None = None
    instead_of: str | None = None
    until: str | None = None


@dataclass(frozen=True, kw_only=True)
class TargetDeployStarted(EventPayload):
    """The intent written before a driver deploys to one target (DESIGN §8)."""

    TYPES = (ev.TARGET_DEPLOY_STARTED,)
    target: str = ""
    driver: str = ""
    release: str | None = None
    version: str | None = None
    digest: str | None = None
    from_version: str | None = None
    from_digest: str | None = None
    observed: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class TargetObserved(EventPayload):
    """What a target was seen to run, and why it was asked."""

    TYPES = (ev.TARGET_OBSERVED,)
    target: str = ""
    driver: str | None = None
    purpose: str | None = None
    observed: bool = False
    release: str | None = None
    version: str | None = None
    digest: str | None = None
    error: str | None = None


PAYLOAD_TYPES: tuple[type[EventPayload], ...] = (
    RunCreated, StepStarted, StepSucceeded, StepWarned, StepSkipped, StepWaiting, StepCriteria,
    StepFailed, StepInterrupted, OperatorAction, ApprovalGranted, RollbackRequested,
    RollbackCompleted, RollbackFailed, OverrideRecorded, ExportRecorded, RunRequested,
    TargetDeployStarted, TargetObserved,
)
BY_TYPE: dict[str, type[EventPayload]] = {kind: cls for cls in PAYLOAD_TYPES for kind in cls.TYPES}
assert set(BY_TYPE) == ev.EVENT_TYPES, "every event type has one payload type"


def payload_of(event: ev.Event) -> EventPayload:
    """``event``'s typed payload (raises :class:`PayloadError` on a wrongly typed value)."""
    return BY_TYPE[event.type].read(event.data, f"event #{event.seq} ({event.type}) data")


def check_new(new: ev.NewEvent) -> EventPayload:
    """``new``'s payload as its type reads it; raises :class:`PayloadError` for one the fold
    could not read back (appended, it would leave the run unreadable for good)."""
    return BY_TYPE[new.type].read(new.data, f"a new {new.type} event's data")


def read_as(cls: type[P], event: ev.Event) -> P:
    """``event``'s payload as ``cls``, which must be the payload type of its event type."""
    if BY_TYPE.get(event.type) is not cls:
        raise PayloadError(f"event #{event.seq} is {event.type}, not a {cls.__name__} payload")
    return cls.read(event.data, f"event #{event.seq} ({event.type}) data")


def event_bytes(event: ev.Event, payload: EventPayload) -> bytes:
    """``event``'s canonical bytes with its data written from ``payload``."""
    return canonical_bytes({
        "v": ev.EVENT_VERSION, "seq": event.seq, "type": event.type, "actor": event.actor,
        "at": event.at, "step": event.step, "reason": event.reason,
        "data": payload.to_data(), "prev": event.prev,
    })
