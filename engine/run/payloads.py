"""Typed run-event payloads: one frozen dataclass per event type over ``Event.data``.

Events are signed and hash-chained (:mod:`engine.run.events`), so a payload type must
read what was written and write it back to exactly the same canonical bytes
(RFC 8785). Each class therefore names the keys it models (a field's JSON key is its
name unless ``key()`` says otherwise), keeps every other key in ``extra``, and
remembers in ``absent`` which modelled keys the stored payload did not carry:
``Payload.read(data).to_data() == data`` for every payload ever written, and
``canonical_bytes`` of both are identical (tests/engine/test_payloads.py, and the demo
site's stored chains in tests/demo/test_typed_payloads.py).

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

import types
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin, get_type_hints

from engine.canonical import canonical_bytes
from engine.run import events as ev

P = TypeVar("P", bound="Payload")
_Convert = Callable[[Any, str, str], Any]  # (value, where, key): where.key names it
_BOOKKEEPING = ("extra", "absent")


class PayloadError(ValueError):
    """A stored payload whose modelled key holds a value of the wrong type."""


def key(name: str, default: Any = None) -> Any:
    """A field stored under JSON key ``name`` (for keys that are not Python names)."""
    return field(default=default, metadata={"key": name})


@dataclass(frozen=True, kw_only=True)
class Payload:
    """Base of every payload and nested payload object."""

    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this type does not model
    absent: frozenset[str] = frozenset()  # modelled keys the stored payload did not carry

    @classmethod
    def read(cls: type[P], data: Mapping[str, Any], where: str = "data") -> P:
        """The typed payload of ``data``; raises :class:`PayloadError` on a wrongly typed value."""
        reader = _reader(cls)
        values: dict[str, Any] = {}
        missing: list[str] = []
        for name, json_key, plain, convert, default, factory in reader.fields:
            if json_key in data:
                value = data[json_key]
                # the common case (a value of a plain expected type) needs no call
                values[name] = value if type(value) in plain else convert(value, where, json_key)
            else:
                missing.append(json_key)
                values[name] = default if factory is None else factory()
        values["extra"] = {k: v for k, v in data.items() if k not in reader.modelled}
        values["absent"] = frozenset(missing)
        # every field is set above, from the data or its default: __init__ would repeat it
        payload = object.__new__(cls)
        payload.__dict__.update(values)
        return payload

    def to_data(self) -> dict[str, Any]:
        """The payload as stored: modelled keys that were present, then everything else."""
        out = dict(self.extra)
        for name, json_key, *_ in _reader(type(self)).fields:
            if json_key not in self.absent:
                out[json_key] = _write(getattr(self, name))
        return out

    def canonical(self) -> bytes:
        return canonical_bytes(self.to_data())


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


# -- reading and writing by annotation -------------------------------------------------


@dataclass(frozen=True)
class _Reader:
    # (attribute, JSON key, plain types taken as they are, converter, default, factory)
    fields: tuple[tuple[str, str, frozenset[type], _Convert, Any, Callable[[], Any] | None], ...]
    modelled: frozenset[str]


_READERS: dict[type[Payload], _Reader] = {}


def _reader(cls: type[Payload]) -> _Reader:
    """How to read and write ``cls``: its modelled fields, from their annotations."""
    known = _READERS.get(cls)
    if known is None:
        known = _READERS[cls] = _make_reader(cls)
    return known


def _make_reader(cls: type[Payload]) -> _Reader:
    hints = get_type_hints(cls)
    rows = []
    for f in fields(cls):
        if f.name in _BOOKKEEPING:
            continue
        factory = None if f.default_factory is MISSING else f.default_factory
        default = None if f.default is MISSING else f.default
        rows.append((f.name, str(f.metadata.get("key", f.name)), _plain(hints[f.name]),
                     _converter(hints[f.name]), default, factory))
    return _Reader(tuple(rows), frozenset(row[1] for row in rows))


_ANY_JSON: frozenset[type] = frozenset({str, int, float, bool, dict, list, type(None)})


def _plain(hint: Any) -> frozenset[type]:
    """The JSON value types a field of type ``hint`` takes as they are, with no conversion."""
    if hint is Any:
        return _ANY_JSON
    if get_origin(hint) in (Union, types.UnionType):
        return frozenset[type]().union(*(_plain(a) for a in get_args(hint)))
    simple: dict[Any, frozenset[type]] = {
        str: frozenset({str}), bool: frozenset({bool}), int: frozenset({int}),
        float: frozenset({int, float}), type(None): frozenset({type(None)})}
    if hint in simple:
        return simple[hint]
    if hint is Mapping or get_origin(hint) is Mapping:
        return frozenset({dict})
    return frozenset()  # lists and nested objects are always converted


def _converter(hint: Any) -> _Convert:
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return lambda value, where, name: value
    if origin in (Union, types.UnionType):
        inner = _converter(next(a for a in args if a is not type(None)))
        return lambda value, where, name: None if value is None else inner(value, where, name)
    if origin is tuple:
        item = _converter(args[0])
        return lambda value, where, name: tuple(
            item(v, f"{where}.{name}", f"[{i}]")
            for i, v in enumerate(_checked(value, list, where, name)))
    if origin is Mapping or hint is Mapping:
        return lambda value, where, name: _checked(value, dict, where, name)
    if isinstance(hint, type) and issubclass(hint, Payload):
        nested = hint
        return lambda value, where, name: nested.read(_checked(value, dict, where, name),
                                                      f"{where}.{name}")
    if hint is bool:
        return lambda value, where, name: _checked(value, bool, where, name)
    if hint is str:
        return lambda value, where, name: _checked(value, str, where, name)
    if hint is int:
        return _number((int,))
    if hint is float:
        return _number((int, float))
    raise TypeError(f"no reader for payload field type {hint!r}")


def _number(kinds: tuple[type, ...]) -> _Convert:
    def convert(value: Any, where: str, name: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise PayloadError(f"{where}.{name} should be a number, not {_json_type(value)}")
        return value  # kept as read: an int stays an int, so the bytes do not change
    return convert


def _checked(value: Any, kind: type, where: str, name: str) -> Any:
    if type(value) is not kind and not isinstance(value, kind):
        raise PayloadError(f"{where}.{name} should be {_json_name(kind)}, not {_json_type(value)}")
    return value


def _json_name(kind: type) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false"}.get(
        kind, kind.__name__)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return _json_name(type(value)) if type(value) in (dict, list, str, bool) else "a number" \
        if isinstance(value, int | float) else type(value).__name__


def _write(value: Any) -> Any:
    if isinstance(value, Payload):
        return value.to_data()
    if isinstance(value, tuple):
        return [_write(item) for item in value]
    return value
