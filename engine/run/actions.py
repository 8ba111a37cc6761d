"""Operator actions: who may do what, when, and the events each one appends.

The contract, checked against the folded state before anything is written:

- every action except ``continue`` needs a non-empty reason;
- ``pause`` only while the run is active (pending, running or waiting);
- ``resume`` only while paused;
- ``retry`` re-runs the current step (and resets every later step) when it is
  failed, interrupted, rolled back or waiting; never on a paused or ended run;
- ``mark-failed`` when the current step is running, waiting or interrupted;
- ``continue`` when the current step is a canary stage waiting for the operator
  and its health criteria are met;
- ``rollback`` (scope step, stage or full) once the deploy phase has begun and
  until the run has ended, also while paused; never twice at once;
- ``approve``/``reject`` when the approval step waits, never by the requester,
  never twice by the same approver;
- ``cancel`` until the run has ended.

Illegal actions raise :class:`ActionRefused` saying why; nothing is appended.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.run import duties, stages
from engine.run import events as ev
from engine.run import state as st

PAUSE = "pause"
RESUME = "resume"
RETRY = "retry"
MARK_FAILED = "mark-failed"
CONTINUE = "continue"
ROLLBACK = "rollback"
CANCEL = "cancel"
APPROVE = "approve"
REJECT = "reject"

ACTIONS = (PAUSE, RESUME, RETRY, MARK_FAILED, CONTINUE, ROLLBACK, CANCEL, APPROVE, REJECT)
REASON_REQUIRED = frozenset(ACTIONS) - {CONTINUE}
ROLLBACK_SCOPES = ("step", "stage", "full")

_ACTIVE = frozenset({st.RunStatus.PENDING, st.RunStatus.RUNNING, st.RunStatus.WAITING})


class ActionRefused(Exception):
    """An action the run's state, the actor or the input does not allow; says why."""

    def __init__(self, action: str, why: str) -> None:
        super().__init__(f"{action} refused: {why}")
        self.action = action
        self.why = why


def refusal(state: st.RunState, action: str, actor: str | None = None,
            scope: str | None = None) -> str | None:
    """Why ``action`` is not allowed now, or ``None`` when it is (reason not checked)."""
    if action not in ACTIONS:
        return f"unknown action {action!r}"
    if state.terminal:
        return f"the run has ended ({state.status})"
    current = state.current
    if action == PAUSE:
        if state.paused:
            return "the run is already paused"
        return None if state.status in _ACTIVE else f"the run is {state.status}, not active"
    if action == RESUME:
        return None if state.paused else "the run is not paused"
    if action == CANCEL:
        return None
    if action == ROLLBACK:
        return _rollback_refusal(state, scope or "full")
    if state.paused:
        return "the run is paused; resume it first"
    if current is None:
        return "there is no current step"
    if action == RETRY:
        if state.pending_rollback:
            return "a rollback is in progress"
        allowed = (st.FAILED, st.INTERRUPTED, st.ROLLED_BACK, st.WAITING)
        if current.status in allowed and current.waiting_for != "approval":
            return None
        return f"{current.title} is {current.status}; only a failed, interrupted, rolled-back or waiting step can be re-run"
    if action == MARK_FAILED:
        if current.status in (st.RUNNING, st.WAITING, st.INTERRUPTED):
            return None
        return f"{current.title} is {current.status}; only a running, waiting or interrupted step can be marked failed"
    if action == CONTINUE:
        if stages.deploy_percent(current.name) is None or current.status != st.WAITING:
            return f"{current.title} is not a canary stage waiting to continue"
        if not current.criteria_met:
            return "the stage's health criteria are not met yet"
        return None
    if action in (APPROVE, REJECT):
        if current.name != stages.APPROVAL or current.status != st.WAITING:
            return "no approval is waiting"
        refused = duties.refusal(state.requester, actor, "approve or reject it")
        if refused is not None:
            return refused
        if actor is not None and actor in state.approvals:
            return f"{actor} has already approved this promotion"
        return None
    return f"unknown action {action!r}"


def _rollback_refusal(state: st.RunState, scope: str) -> str | None:
    if scope not in ROLLBACK_SCOPES:
        return f"rollback scope must be one of {', '.join(ROLLBACK_SCOPES)}"
    if state.pending_rollback:
        return "a rollback is already in progress"
    if not rollback_steps(state, scope):
        if scope == "step":
            return "the current step is not a canary stage that has deployed anything"
        return "nothing has been deployed yet"
    return None


def rollback_steps(state: st.RunState, scope: str) -> list[str]:
    """The steps a rollback of ``scope`` undoes, in run order."""
    started = [s for s in state.steps
               if s.status not in (st.PENDING, st.SKIPPED, st.CANCELLED, st.ROLLED_BACK)]
    if scope == "step":
        current = state.current
        if current and stages.deploy_percent(current.name) is not None and current in started:
            return [current.name]
        return []
    if scope == "stage":
        return [s.name for s in started if stages.deploy_percent(s.name) is not None]
    deploy_phase = [s.name for s in started if stages.is_deploy_phase(s.name)]
    return deploy_phase


def decide(state: st.RunState, action: str, *, actor: str, at: str, reason: str | None = None,
           scope: str | None = None, data: Mapping[str, Any] | None = None) -> list[ev.NewEvent]:
    """The events that carry out ``action``; raises :class:`ActionRefused` if it may not."""
    reason = (reason or "").strip() or None
    if action in REASON_REQUIRED and not reason:
        raise ActionRefused(action, "a reason is required")
    why = refusal(state, action, actor=actor, scope=scope)
    if why:
        raise ActionRefused(action, why)
    extra = dict(data or {})
    step = state.current_step

    def event(kind: str, step_name: str | None = step, payload: Mapping[str, Any] | None = None) -> ev.NewEvent:
        return ev.NewEvent(type=kind, actor=actor, at=at, step=step_name, reason=reason,
                           data=dict(payload if payload is not None else extra))

    if action == PAUSE:
        return [event(ev.RUN_PAUSED)]
    if action == RESUME:
        return [event(ev.RUN_RESUMED)]
    if action == CANCEL:
        return [event(ev.RUN_CANCELLED)]
    if action == RETRY:
        return [event(ev.ACTION_RETRY)]
    if action == MARK_FAILED:
        return [event(ev.ACTION_MARK_FAILED)]
    if action == CONTINUE:
        return [event(ev.ACTION_CONTINUE)]
    if action == ROLLBACK:
        scope = scope or "full"
        payload = {**extra, "scope": scope, "steps": rollback_steps(state, scope)}
        return [event(ev.ROLLBACK_REQUESTED, payload=payload)]
    if action == APPROVE:
        granted = [event(ev.APPROVAL_GRANTED)]
        detail = state.current.waiting_detail if state.current else {}
        required = int(detail.get("required", 1) or 1)
        if len(state.approvals) + 1 >= required:
            summary = f"approved by {', '.join([*state.approvals, actor])}"
            granted.append(event(ev.STEP_SUCCEEDED, payload={"summary": summary,
                                                             "outputs": {"approvers": [*state.approvals, actor]}}))
        return granted
    if action == REJECT:
        return [event(ev.APPROVAL_REJECTED)]
    raise ActionRefused(action, "unknown action")


def available(state: st.RunState, actor: str | None = None) -> dict[str, str | None]:
    """Every action with ``None`` when allowed or the reason it is not (for enabling buttons)."""
    result = {action: refusal(state, action, actor=actor) for action in ACTIONS if action != ROLLBACK}
    result[ROLLBACK] = min(
        (refusal(state, ROLLBACK, scope=scope) for scope in ROLLBACK_SCOPES),
        key=lambda why: why is not None,
    )
    return result
