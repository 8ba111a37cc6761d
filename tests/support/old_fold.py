"""The fold as it was before typed payloads and the dispatch table (dicts and one long
loop), kept verbatim as the oracle the typed fold is checked against: for every run,
both must give the same state (tests/demo/test_typed_payloads.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.run import events as ev
from engine.run.stages import APPROVAL, step_title
from engine.run.state import (
    CANCELLED,
    DONE_STATUSES,
    FAILED,
    INTERRUPTED,
    PAUSED,
    PENDING,
    ROLLED_BACK,
    RUN_CANCELLED,
    RUN_COMPLETED,
    RUN_HALTED,
    RUN_ROLLED_BACK,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    TERMINAL_RUN_STATUSES,
    WAITING,
    WARNED,
    Attempt,
    FoldError,
    RunState,
    StepView,
)


def old_fold(events: Sequence[ev.Event]) -> RunState:
    if not events or events[0].type != ev.RUN_CREATED:
        raise FoldError("a run must start with a run.created event")
    created = events[0]
    info = created.data
    order: list[str] = list(info["steps"])
    steps: dict[str, dict[str, Any]] = {
        name: {"name": name, "title": step_title(name), "status": PENDING, "attempt": 0}
        for name in order
    }
    paused = False
    cancelled = False
    rolled_back = False
    ended_at: str | None = None
    approvals: list[str] = []
    pending_rollback: dict[str, Any] | None = None

    rollback_request: dict[str, Any] = {}

    def reset(name: str, retry: ev.Event | None = None) -> None:
        item = steps[name]
        if name == APPROVAL:  # approvals count for one attempt (engine/evidence/approval_rule.py)
            approvals.clear()
        if item["attempt"] > 0 and item["status"] != PENDING:  # keep the attempt it ends
            item.setdefault("attempts", []).append(Attempt(
                number=item["attempt"], status=item["status"], started_at=item.get("started_at"),
                ended_at=item.get("ended_at"), summary=item.get("summary", ""),
                error=item.get("error", ""), rollback=item.get("rollback", {}),
                retried_by=retry.actor if retry else "", retry_reason=(retry.reason or "") if retry else ""))
        item.update(
            status=PENDING, started_at=None, ended_at=None, summary="", error="",
            waiting_for="", waiting_detail={}, criteria_met=None, criteria={}, outputs={},
            rollback={},
        )

    for event in events[1:]:
        step = steps.get(event.step) if event.step else None
        if event.step and step is None:
            raise FoldError(f"event #{event.seq} names unknown step {event.step!r}")
        kind = event.type
        if kind == ev.STEP_STARTED:
            reset(event.step)
            step.update(status=RUNNING, started_at=event.at, attempt=step["attempt"] + 1)
        elif kind in (ev.STEP_SUCCEEDED, ev.STEP_WARNED):
            step.update(
                status=SUCCEEDED if kind == ev.STEP_SUCCEEDED else WARNED,
                ended_at=event.at,
                summary=event.data.get("summary", ""),
                outputs=event.data.get("outputs", {}),
                waiting_for="",
            )
            if step.get("started_at") is None:
                step["started_at"] = event.at
        elif kind == ev.STEP_WAITING:
            step.update(status=WAITING, waiting_for=event.data.get("for", ""),
                        waiting_detail=dict(event.data),
                        summary=event.data.get("summary", step.get("summary", "")))
            if event.data.get("outputs"):
                step["outputs"] = event.data["outputs"]
        elif kind == ev.STEP_CRITERIA:
            step.update(criteria_met=bool(event.data.get("met")), criteria=event.data)
            if event.data.get("summary"):
                step["summary"] = event.data["summary"]
        elif kind == ev.STEP_FAILED:
            step.update(status=FAILED, ended_at=event.at, error=event.data.get("error", ""))
            if event.data.get("outputs"):  # what a failed stage changed (rollback preview)
                step["outputs"] = event.data["outputs"]
        elif kind == ev.STEP_SKIPPED:
            step.update(status=SKIPPED, ended_at=event.at, started_at=step.get("started_at") or event.at,
                        summary=event.data.get("summary", ""))
        elif kind == ev.STEP_INTERRUPTED:
            step.update(status=INTERRUPTED, error=event.data.get("error", "the process running this step stopped"))
        elif kind == ev.RUN_PAUSED:
            paused = True
        elif kind == ev.RUN_RESUMED:
            paused = False
        elif kind == ev.RUN_CANCELLED:
            cancelled = True
            ended_at = event.at
            for item in steps.values():
                if item["status"] not in DONE_STATUSES | {FAILED, ROLLED_BACK}:
                    item.update(status=CANCELLED)
        elif kind == ev.ACTION_RETRY:
            index = order.index(event.step)
            for name in order[index:]:
                if steps[name]["status"] != PENDING:
                    reset(name, event)
        elif kind == ev.ACTION_MARK_FAILED:
            step.update(status=FAILED, ended_at=event.at, error=f"marked failed: {event.reason}")
        elif kind == ev.ACTION_CONTINUE:
            step.update(status=SUCCEEDED, ended_at=event.at, waiting_for="")
        elif kind == ev.ROLLBACK_REQUESTED:
            pending_rollback = dict(event.data)
            rollback_request = {"reason": event.reason or "", "ticket": event.data.get("ticket") or "",
                                "by": event.actor, "requested_at": event.at,
                                "scope": event.data.get("scope", "full"),
                                "automatic": bool(event.data.get("automatic"))}
        elif kind == ev.ROLLBACK_COMPLETED:
            pending_rollback = None
            done = {**rollback_request, "at": event.at, "summary": event.data.get("summary", "")}
            for name in event.data.get("steps", []):
                steps[name].update(status=ROLLED_BACK, ended_at=event.at, waiting_for="", rollback=done)
            if event.data.get("scope") == "full":
                rolled_back = True
                ended_at = event.at
                for item in steps.values():
                    if item["status"] in (PENDING, RUNNING, WAITING, INTERRUPTED, FAILED):
                        if item["status"] == PENDING:
                            item.update(status=SKIPPED)
                        else:
                            item.update(status=ROLLED_BACK, rollback=done)
        elif kind == ev.ROLLBACK_FAILED:
            pending_rollback = None
            if step is not None:
                step.update(status=FAILED, error=event.data.get("error", "rollback failed"))
        elif kind == ev.APPROVAL_GRANTED:
            approvals.append(event.actor)
        elif kind == ev.APPROVAL_REJECTED:
            step.update(status=FAILED, ended_at=event.at, error=f"rejected by {event.actor}: {event.reason}")
        # override.recorded and export.recorded change no step.

    views = tuple(StepView(**_view_fields(steps[name])) for name in order)
    current = next((s for s in views if s.status not in DONE_STATUSES), None)
    status = _run_status(views, current, paused, cancelled, rolled_back)
    if status == RUN_COMPLETED and ended_at is None:
        ended_at = views[-1].ended_at
    next_step = None
    if current is not None and status not in TERMINAL_RUN_STATUSES:
        # the next step to run after the current one: after a rollback the later stages
        # are rolled back, not pending, yet a retry runs them again
        index = order.index(current.name)
        next_step = next((n for n in order[index + 1:] if steps[n]["status"] not in DONE_STATUSES), None)
    return RunState(
        promotion_id=info["promotion_id"],
        release=info["release"],
        from_env=info.get("from_env"),
        to_env=info["to_env"],
        workflow=info["workflow"],
        requester=info["requester"],
        approvals_required=int(info.get("approvals_required", 0)),
        steps=views,
        status=status,
        paused=paused,
        current_step=None if status in TERMINAL_RUN_STATUSES else (current.name if current else None),
        next_step=next_step,
        created_at=created.at,
        ended_at=ended_at,
        head=events[-1].hash,
        event_count=len(events),
        approvals=tuple(dict.fromkeys(approvals)),
        pending_rollback=pending_rollback,
    )


def _view_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    allowed = StepView.__dataclass_fields__
    fields = {k: v for k, v in raw.items() if k in allowed}
    fields["attempts"] = tuple(raw.get("attempts", ()))
    return fields


def _run_status(views, current, paused, cancelled, rolled_back):
    if cancelled:
        return RUN_CANCELLED
    if rolled_back:
        return RUN_ROLLED_BACK
    if current is None:
        return RUN_COMPLETED
    if paused:
        return PAUSED
    if current.status == ROLLED_BACK:
        return RUN_HALTED  # a step or stage was rolled back; an operator decides next
    return current.status
