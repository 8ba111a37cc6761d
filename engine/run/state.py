"""The fold: a run's whole state is a pure function of its events.

``fold(events)`` gives what every screen shows — status per step, current and next
step, timestamps, durations, pending rollback, approvals — and nothing else is kept.

A step that runs again (retry after a failure, an interruption or a rollback) keeps
its earlier attempts in ``attempts``: when, what came of it and why it ended (the
rollback's reason, ticket and who asked; the retry's reason), so the timeline never
forgets that a stage was deployed, measured and rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.clock import parse_rfc3339
from engine.run import events as ev
from engine.run import payloads as pl
from engine.run.stages import APPROVAL, step_title
from engine.run.status import DONE_STATUSES as DONE_STATUSES  # re-exported for older readers
from engine.run.status import TERMINAL_RUN_STATUSES as TERMINAL_RUN_STATUSES
from engine.run.status import RunStatus as RunStatus
from engine.run.status import StepStatus as StepStatus

# The statuses under their historical names (engine/run/status.py defines them).
PENDING = StepStatus.PENDING
RUNNING = StepStatus.RUNNING
WAITING = StepStatus.WAITING
PAUSED = StepStatus.PAUSED
SUCCEEDED = StepStatus.SUCCEEDED
WARNED = StepStatus.WARNED
FAILED = StepStatus.FAILED
ROLLED_BACK = StepStatus.ROLLED_BACK
SKIPPED = StepStatus.SKIPPED
CANCELLED = StepStatus.CANCELLED
INTERRUPTED = StepStatus.INTERRUPTED
RUN_COMPLETED = RunStatus.COMPLETED
RUN_CANCELLED = RunStatus.CANCELLED
RUN_ROLLED_BACK = RunStatus.ROLLED_BACK
RUN_HALTED = RunStatus.HALTED


@dataclass(frozen=True)
class Attempt:
    """An earlier attempt of a step, as it ended."""

    number: int
    status: StepStatus
    started_at: str | None = None
    ended_at: str | None = None
    summary: str = ""
    error: str = ""
    rollback: Mapping[str, Any] = field(default_factory=dict)
    retried_by: str = ""
    retry_reason: str = ""

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at or not self.ended_at:
            return None
        return (parse_rfc3339(self.ended_at) - parse_rfc3339(self.started_at)).total_seconds()


@dataclass(frozen=True)
class StepView:
    name: str
    title: str
    status: StepStatus
    attempt: int = 0
    started_at: str | None = None
    ended_at: str | None = None
    summary: str = ""
    error: str = ""
    waiting_for: str = ""
    waiting_detail: Mapping[str, Any] = field(default_factory=dict)
    criteria_met: bool | None = None
    criteria: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    # how the current attempt was rolled back: reason, ticket, by, at, scope, automatic
    rollback: Mapping[str, Any] = field(default_factory=dict)
    attempts: tuple[Attempt, ...] = ()  # earlier attempts, oldest first

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at or not self.ended_at:
            return None
        delta = parse_rfc3339(self.ended_at) - parse_rfc3339(self.started_at)
        return delta.total_seconds()


@dataclass(frozen=True)
class RunState:
    promotion_id: str
    release: Mapping[str, Any]
    from_env: str | None
    to_env: str
    workflow: str
    requester: str
    approvals_required: int
    steps: tuple[StepView, ...]
    status: RunStatus
    paused: bool
    current_step: str | None
    next_step: str | None
    created_at: str
    ended_at: str | None
    head: str
    event_count: int
    approvals: tuple[str, ...]
    pending_rollback: Mapping[str, Any] | None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES

    def step(self, name: str) -> StepView:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    @property
    def current(self) -> StepView | None:
        return self.step(self.current_step) if self.current_step else None


class FoldError(ValueError):
    """Events that no valid run could have produced (e.g. not starting with run.created)."""


def fold(events: Sequence[ev.Event]) -> RunState:
    if not events or events[0].type != ev.RUN_CREATED:
        raise FoldError("a run must start with a run.created event")
    created = events[0]
    info = _read(pl.RunCreated, created)
    missing = _REQUIRED & info.absent
    if missing:
        raise FoldError(f"event #{created.seq} (run.created) has no {', '.join(sorted(missing))}")
    run = _Folding(list(info.steps))
    for event in events[1:]:
        if event.step and event.step not in run.steps:
            raise FoldError(f"event #{event.seq} names unknown step {event.step!r}")
        apply = _APPLY.get(event.type)
        if apply is not None:  # override.recorded, export.recorded, … change no step
            apply(run, event)
    return run.state(info, created, events)


class _Step:
    """A step's fields while folding; frozen into a :class:`StepView` at the end."""

    def __init__(self, name: str) -> None:
        self.name, self.title, self.attempt = name, step_title(name), 0
        self.attempts: list[Attempt] = []
        self.clear()

    def clear(self) -> None:
        self.status = StepStatus.PENDING
        self.started_at: str | None = None
        self.ended_at: str | None = None
        self.summary, self.error, self.waiting_for = "", "", ""
        self.waiting_detail: Mapping[str, Any] = {}
        self.criteria_met: bool | None = None
        self.criteria: Mapping[str, Any] = {}
        self.outputs: Mapping[str, Any] = {}
        self.rollback: Mapping[str, Any] = {}

    def end(self, status: StepStatus, at: str) -> None:
        self.status, self.ended_at = status, at

    def view(self) -> StepView:
        return StepView(
            name=self.name, title=self.title, status=self.status, attempt=self.attempt,
            started_at=self.started_at, ended_at=self.ended_at, summary=self.summary,
            error=self.error, waiting_for=self.waiting_for, waiting_detail=self.waiting_detail,
            criteria_met=self.criteria_met, criteria=self.criteria, outputs=self.outputs,
            rollback=self.rollback, attempts=tuple(self.attempts))


class _Folding:
    """The run while its events are applied in order."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.steps = {name: _Step(name) for name in order}
        self.paused = self.cancelled = self.rolled_back = False
        self.ended_at: str | None = None
        self.approvals: list[str] = []
        self.pending_rollback: dict[str, Any] | None = None
        self.rollback_request: dict[str, Any] = {}

    def step(self, event: ev.Event) -> _Step:
        if not event.step:
            raise FoldError(f"event #{event.seq} ({event.type}) names no step")
        return self.steps[event.step]

    def reset(self, name: str, retry: ev.Event | None = None) -> None:
        """Make ``name`` pending again, keeping the attempt it ends in ``attempts``."""
        item = self.steps[name]
        if name == APPROVAL:  # approvals count for one attempt (engine/evidence/approval_rule.py)
            self.approvals.clear()
        if item.attempt > 0 and item.status != StepStatus.PENDING:
            item.attempts.append(Attempt(
                number=item.attempt, status=item.status, started_at=item.started_at,
                ended_at=item.ended_at, summary=item.summary, error=item.error,
                rollback=item.rollback, retried_by=retry.actor if retry else "",
                retry_reason=(retry.reason or "") if retry else ""))
        item.clear()

    def state(self, info: pl.RunCreated, created: ev.Event, events: Sequence[ev.Event]) -> RunState:
        views = tuple(self.steps[name].view() for name in self.order)
        current = next((s for s in views if s.status not in DONE_STATUSES), None)
        status = _run_status(current, self.paused, self.cancelled, self.rolled_back)
        ended_at = self.ended_at
        if status == RunStatus.COMPLETED and ended_at is None:
            ended_at = views[-1].ended_at
        next_step = None
        if current is not None and status not in TERMINAL_RUN_STATUSES:
            # the next step to run after the current one: after a rollback the later stages
            # are rolled back, not pending, yet a retry runs them again
            index = self.order.index(current.name)
            next_step = next((n for n in self.order[index + 1:]
                              if self.steps[n].status not in DONE_STATUSES), None)
        return RunState(
            promotion_id=info.promotion_id, release=info.release, from_env=info.from_env,
            to_env=info.to_env, workflow=info.workflow, requester=info.requester,
            approvals_required=info.approvals_required, steps=views, status=status,
            paused=self.paused,
            current_step=None if status in TERMINAL_RUN_STATUSES else (current.name if current else None),
            next_step=next_step, created_at=created.at, ended_at=ended_at, head=events[-1].hash,
            event_count=len(events), approvals=tuple(dict.fromkeys(self.approvals)),
            pending_rollback=self.pending_rollback,
        )


def _read(cls: type[pl.P], event: ev.Event) -> pl.P:
    try:
        return pl.read_as(cls, event)
    except pl.PayloadError as exc:
        raise FoldError(str(exc)) from None


_REQUIRED = frozenset({"promotion_id", "release", "to_env", "workflow", "steps", "requester"})


# -- one small function per event type ----------------------------------------------------


def _step_started(run: _Folding, event: ev.Event) -> None:
    _read(pl.StepStarted, event)
    step = run.step(event)
    run.reset(step.name)
    step.status, step.started_at, step.attempt = StepStatus.RUNNING, event.at, step.attempt + 1


def _step_succeeded(run: _Folding, event: ev.Event) -> None:
    cls = pl.StepSucceeded if event.type == ev.STEP_SUCCEEDED else pl.StepWarned
    data = _read(cls, event)
    step = run.step(event)
    step.end(StepStatus.SUCCEEDED if event.type == ev.STEP_SUCCEEDED else StepStatus.WARNED, event.at)
    step.summary, step.outputs, step.waiting_for = data.summary, data.outputs, ""
    if step.started_at is None:
        step.started_at = event.at


def _step_waiting(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.StepWaiting, event)
    step = run.step(event)
    step.status, step.waiting_for = StepStatus.WAITING, data.waiting_for
    step.waiting_detail = dict(event.data)  # the payload as written: to_data() of ``data``
    if "summary" not in data.absent:
        step.summary = data.summary
    if data.outputs:
        step.outputs = data.outputs


def _step_criteria(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.StepCriteria, event)
    step = run.step(event)
    step.criteria_met, step.criteria = data.met, event.data  # as written: to_data() of ``data``
    if data.summary:
        step.summary = data.summary


def _step_failed(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.StepFailed, event)
    step = run.step(event)
    step.end(StepStatus.FAILED, event.at)
    step.error = data.error
    if data.outputs:  # what a failed stage changed (rollback preview)
        step.outputs = data.outputs


def _step_skipped(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.StepSkipped, event)
    step = run.step(event)
    step.started_at = step.started_at or event.at
    step.end(StepStatus.SKIPPED, event.at)
    step.summary = data.summary


def _step_interrupted(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.StepInterrupted, event)
    step = run.step(event)
    step.status, step.error = StepStatus.INTERRUPTED, data.error


def _run_paused(run: _Folding, event: ev.Event) -> None:
    _read(pl.OperatorAction, event)
    run.paused = True


def _run_resumed(run: _Folding, event: ev.Event) -> None:
    _read(pl.OperatorAction, event)
    run.paused = False


def _run_cancelled(run: _Folding, event: ev.Event) -> None:
    _read(pl.OperatorAction, event)
    run.cancelled, run.ended_at = True, event.at
    for item in run.steps.values():
        if item.status not in DONE_STATUSES | {StepStatus.FAILED, StepStatus.ROLLED_BACK}:
            item.status = StepStatus.CANCELLED


def _action_retry(run: _Folding, event: ev.Event) -> None:
    _read(pl.OperatorAction, event)
    index = run.order.index(run.step(event).name)
    for name in run.order[index:]:
        if run.steps[name].status != StepStatus.PENDING:
            run.reset(name, event)


def _action_mark_failed(run: _Folding, event: ev.Event) -> None:
    _read(pl.OperatorAction, event)
    step = run.step(event)
    step.end(StepStatus.FAILED, event.at)
    step.error = f"marked failed: {event.reason}"


def _action_continue(run: _Folding, event: ev.Event) -> None:
    _read(pl.OperatorAction, event)
    step = run.step(event)
    step.end(StepStatus.SUCCEEDED, event.at)
    step.waiting_for = ""


def _rollback_requested(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.RollbackRequested, event)
    run.pending_rollback = dict(event.data)  # as written: to_data() of ``data``
    run.rollback_request = {"reason": event.reason or "", "ticket": data.ticket or "",
                            "by": event.actor, "requested_at": event.at, "scope": data.scope,
                            "automatic": data.automatic}


def _rollback_completed(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.RollbackCompleted, event)
    run.pending_rollback = None
    done = {**run.rollback_request, "at": event.at, "summary": data.summary}
    for name in data.steps:
        step = run.steps[name]
        step.end(StepStatus.ROLLED_BACK, event.at)
        step.waiting_for, step.rollback = "", done
    if data.scope != "full":
        return
    run.rolled_back, run.ended_at = True, event.at
    for item in run.steps.values():
        if item.status == StepStatus.PENDING:
            item.status = StepStatus.SKIPPED
        elif item.status in (StepStatus.RUNNING, StepStatus.WAITING, StepStatus.INTERRUPTED,
                             StepStatus.FAILED):
            item.status, item.rollback = StepStatus.ROLLED_BACK, done


def _rollback_failed(run: _Folding, event: ev.Event) -> None:
    data = _read(pl.RollbackFailed, event)
    run.pending_rollback = None
    if event.step:
        step = run.step(event)
        step.status, step.error = StepStatus.FAILED, data.error


def _approval_granted(run: _Folding, event: ev.Event) -> None:
    _read(pl.ApprovalGranted, event)
    run.approvals.append(event.actor)


def _approval_rejected(run: _Folding, event: ev.Event) -> None:
    _read(pl.OperatorAction, event)
    step = run.step(event)
    step.end(StepStatus.FAILED, event.at)
    step.error = f"rejected by {event.actor}: {event.reason}"


_APPLY: dict[str, Callable[[_Folding, ev.Event], None]] = {
    ev.STEP_STARTED: _step_started,
    ev.STEP_SUCCEEDED: _step_succeeded,
    ev.STEP_WARNED: _step_succeeded,
    ev.STEP_WAITING: _step_waiting,
    ev.STEP_CRITERIA: _step_criteria,
    ev.STEP_FAILED: _step_failed,
    ev.STEP_SKIPPED: _step_skipped,
    ev.STEP_INTERRUPTED: _step_interrupted,
    ev.RUN_PAUSED: _run_paused,
    ev.RUN_RESUMED: _run_resumed,
    ev.RUN_CANCELLED: _run_cancelled,
    ev.ACTION_RETRY: _action_retry,
    ev.ACTION_MARK_FAILED: _action_mark_failed,
    ev.ACTION_CONTINUE: _action_continue,
    ev.ROLLBACK_REQUESTED: _rollback_requested,
    ev.ROLLBACK_COMPLETED: _rollback_completed,
    ev.ROLLBACK_FAILED: _rollback_failed,
    ev.APPROVAL_GRANTED: _approval_granted,
    ev.APPROVAL_REJECTED: _approval_rejected,
}


def _run_status(current: StepView | None, paused: bool, cancelled: bool,
                rolled_back: bool) -> RunStatus:
    if cancelled:
        return RunStatus.CANCELLED
    if rolled_back:
        return RunStatus.ROLLED_BACK
    if current is None:
        return RunStatus.COMPLETED
    if paused:
        return RunStatus.PAUSED
    if current.status == StepStatus.ROLLED_BACK:
        return RunStatus.HALTED  # a step or stage was rolled back; an operator decides next
    return RunStatus(current.status)


def display_status(state: RunState, step: StepView) -> StepStatus:
    """What a screen shows for a step: the current step of a paused run reads ``paused``."""
    if state.paused and step.name == state.current_step and step.status in (PENDING, RUNNING, WAITING):
        return StepStatus.PAUSED
    return step.status
