"""Plain-text and JSON renderings shared by CLI commands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.cli.json_out import emit_json  # noqa: F401 (its users import it from here)
from engine.run.state import Attempt, RunState, StepView, display_status
from engine.run.status import StepStatus
from engine.text import terminal_safe

MARKS: dict[str, str] = {  # looked up by plain status text too
    StepStatus.SUCCEEDED: "✓", StepStatus.WARNED: "!", StepStatus.RUNNING: "▶",
    StepStatus.WAITING: "…", StepStatus.PAUSED: "⏸", StepStatus.FAILED: "✗",
    StepStatus.ROLLED_BACK: "↶", StepStatus.SKIPPED: "–", StepStatus.CANCELLED: "⊘",
    StepStatus.PENDING: "○", StepStatus.INTERRUPTED: "⚡",
}


def short(digest: str, keep: int = 12) -> str:
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:keep]}…" if hexpart else digest[:keep] + "…"


def hhmmss(stamp: str | None) -> str:
    return stamp[11:19] if stamp else "--------"


def duration(step: StepView | Attempt) -> str:
    seconds = step.duration_seconds
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.0f}s"
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def step_json(state: RunState, step: StepView) -> dict[str, Any]:
    return {
        "name": step.name, "title": step.title, "status": display_status(state, step),
        "attempt": step.attempt, "started_at": step.started_at, "ended_at": step.ended_at,
        "duration_seconds": step.duration_seconds, "summary": step.summary, "error": step.error,
        "waiting_for": step.waiting_for, "criteria_met": step.criteria_met,
        "outputs": dict(step.outputs), "rollback": dict(step.rollback),
        "attempts": [{"attempt": a.number, "status": a.status, "started_at": a.started_at,
                      "ended_at": a.ended_at, "summary": a.summary, "error": a.error,
                      "rollback": dict(a.rollback), "retried_by": a.retried_by,
                      "retry_reason": a.retry_reason} for a in step.attempts],
    }


def rollback_text(rollback: Mapping[str, Any]) -> str:
    """``rolled back by olga: error budget burnt · ticket INC-42`` (empty if none)."""
    if not rollback:
        return ""
    who = "automatically" if rollback.get("automatic") else f"by {rollback.get('by') or '?'}"
    text = f"rolled back ({rollback.get('scope', 'full')}) {who}: {rollback.get('reason') or 'no reason given'}"
    return text + (f" · ticket {rollback['ticket']}" if rollback.get("ticket") else "")


def attempt_text(attempt: Attempt) -> str:
    """Why an earlier attempt ended and what came of it, on one line."""
    parts = [rollback_text(attempt.rollback) or attempt.error or _without_hint(attempt.summary)]
    if attempt.retried_by:
        parts.append(f"retried by {attempt.retried_by}: {attempt.retry_reason}")
    return " · ".join(p for p in parts if p)


def step_text(step: StepView, status: str) -> str:
    """A step's line on a timeline: its rollback, error or summary; waiting hints only
    while it waits (a rolled-back stage no longer says "press Continue")."""
    if step.rollback and status == StepStatus.ROLLED_BACK:
        return " — ".join(p for p in (rollback_text(step.rollback), _without_hint(step.summary)) if p)
    if step.error:
        return step.error
    return step.summary if status == StepStatus.WAITING else _without_hint(step.summary)


def _without_hint(summary: str) -> str:
    return summary.removesuffix("; press Continue")


def run_json(state: RunState) -> dict[str, Any]:
    return {
        "promotion": state.promotion_id, "release": dict(state.release),
        "from_env": state.from_env, "to_env": state.to_env, "workflow": state.workflow,
        "requester": state.requester, "status": state.status, "paused": state.paused,
        "current_step": state.current_step, "next_step": state.next_step,
        "created_at": state.created_at, "ended_at": state.ended_at,
        "chain": {"events": state.event_count, "head": state.head, "verified": True},
        "approvals": list(state.approvals), "pending_rollback": state.pending_rollback,
        "steps": [step_json(state, s) for s in state.steps],
    }


def timeline_text(state: RunState) -> str:
    release = state.release
    current = state.current
    lines = [
        f"Promotion {state.promotion_id}: {terminal_safe(release['name'])} "
        f"{terminal_safe(release['version'])}  "
        f"manifest {short(release['digest'])}",
        f"Target: {terminal_safe(state.from_env or '—')} → {terminal_safe(state.to_env)}   "
        f"Workflow: {terminal_safe(state.workflow)}",
        f"Status: {state.status.upper()}" + (f" ({current.title})" if current else "")
        + f"   Started: {state.created_at}",
        f"Chain: {state.event_count} events, head {state.head[:16]}… verified",
        "",
    ]
    for step in state.steps:
        status = display_status(state, step)
        for attempt in step.attempts:
            lines.append(f"  {hhmmss(attempt.started_at)}  {MARKS.get(attempt.status, '?')} "
                         f"{step.title + f' #{attempt.number}':<24} {attempt.status.upper():<12} "
                         f"{duration(attempt):>7}  {terminal_safe(attempt_text(attempt))}".rstrip())
        detail = terminal_safe(step_text(step, status))
        if step.attempts:
            detail = f"attempt {step.attempt} · {detail}" if detail else f"attempt {step.attempt}"
        lines.append(f"  {hhmmss(step.started_at)}  {MARKS.get(status, '?')} {step.title:<24} "
                     f"{status.upper():<12} {duration(step):>7}  {detail}".rstrip())
    if state.next_step:
        lines.append("")
        lines.append(f"Next: {state.step(state.next_step).title}")
    return "\n".join(lines)
