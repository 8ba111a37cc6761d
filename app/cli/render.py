"""Plain-text and JSON renderings shared by CLI commands."""

from __future__ import annotations

import json
import sys
from typing import Any

from engine.run.state import RunState, StepView, display_status
from engine.text import UNSAFE, terminal_safe

MARKS = {
    "succeeded": "✓", "warned": "!", "running": "▶", "waiting": "…", "paused": "⏸",
    "failed": "✗", "rolled-back": "↶", "skipped": "–", "cancelled": "⊘", "pending": "○",
    "interrupted": "⚡",
}


def emit_json(value: Any) -> None:
    """JSON escapes C0 itself; DEL, C1, bidi controls and lone surrogates are written as
    \\u escapes too, so the document is the same and a terminal shows it safely."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write(text.translate(_JSON_UNSAFE) + "\n")


_JSON_UNSAFE = {cp: f"\\u{cp:04x}" for cp in UNSAFE if cp >= 0x7F}


def short(digest: str, keep: int = 12) -> str:
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:keep]}…" if hexpart else digest[:keep] + "…"


def hhmmss(stamp: str | None) -> str:
    return stamp[11:19] if stamp else "--------"


def duration(step: StepView) -> str:
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
        "outputs": dict(step.outputs),
    }


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
        detail = terminal_safe(step.error or step.summary)
        lines.append(f"  {hhmmss(step.started_at)}  {MARKS.get(status, '?')} {step.title:<24} "
                     f"{status.upper():<12} {duration(step):>7}  {detail}".rstrip())
    if state.next_step:
        lines.append("")
        lines.append(f"Next: {state.step(state.next_step).title}")
    return "\n".join(lines)
