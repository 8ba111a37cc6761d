"""The run's story as an auditor reads it: every step and attempt, approvals with
signer and reason, the gate verdict with its findings and policy, rollback decisions
with the measurements behind them, and the custody chain. Each line names the export
file it comes from. Pure: the auditor screen (app.screens.audit_story) tells it from the
files verification checked, report.pdf (airgap_bundles.export.report) from what it
exports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airgap_bundles.export import layout
from engine.crypto.intoto import Statement
from engine.evidence import statements
from engine.run.events import (
    EXPORT_RECORDED,
    ROLLBACK_COMPLETED,
    ROLLBACK_FAILED,
    ROLLBACK_REQUESTED,
    Event,
)
from engine.run.state import FoldError, fold

TIMELINE, APPROVALS, GATE, ROLLBACKS, CUSTODY = (
    "Run timeline", "Approvals", "Gate verdict", "Rollback decisions", "Custody chain")
SECTIONS = (TIMELINE, APPROVALS, GATE, ROLLBACKS, CUSTODY)


@dataclass(frozen=True)
class StoryLine:
    section: str
    when: str
    what: str
    detail: str
    item: str  # the export file it comes from (the checks tree groups checks by it)
    status: str = ""  # a status word for colour (succeeded, failed, rolled-back…)


@dataclass(frozen=True)
class RunStory:
    promotion: str
    headline: str
    lines: tuple[StoryLine, ...]

    def section(self, name: str) -> tuple[StoryLine, ...]:
        return tuple(line for line in self.lines if line.section == name)


def tell(events: Sequence[Event], evidence: Sequence[tuple[str, Statement]],
         verdicts: Sequence[tuple[str, Mapping[str, Any]]]) -> RunStory | None:
    """The story of a run from its verified events, evidence statements (each with the
    file it is in) and recorded gate verdicts; None when the events do not fold."""
    try:
        state = fold(list(events))
    except FoldError:
        return None
    lines = _timeline(state)
    lines += _approvals(list(evidence))
    lines += _gate(verdicts)
    lines += _rollback_events(events)
    lines += _rollbacks(list(evidence))
    lines += [StoryLine(CUSTODY, e.at, f"exported by {e.actor}",
                        _custody_text(e.data), layout.TIMELINE)
              for e in events if e.type == EXPORT_RECORDED]
    release = state.release
    route = f"{state.from_env} → {state.to_env}" if state.from_env else state.to_env
    headline = (f"{state.promotion_id}: {release.get('name')} {release.get('version')} → "
                f"{route}, {state.status.upper()} — requested by {state.requester}, "
                f"{state.event_count} events")
    order = {name: n for n, name in enumerate(SECTIONS)}
    ordered = sorted(enumerate(lines), key=lambda p: (order[p[1].section], p[0]))
    return RunStory(state.promotion_id, headline, tuple(line for _, line in ordered))


def _timeline(state: Any) -> list[StoryLine]:
    lines = []
    for step in state.steps:
        for attempt in step.attempts:  # earlier attempts, and why each ended
            why = attempt.error or attempt.summary
            rollback = attempt.rollback or {}
            if rollback.get("reason"):
                why = f"rolled back: {rollback['reason']}" + (
                    f" ({rollback['ticket']})" if rollback.get("ticket") else "")
            if attempt.retry_reason:
                why += f"; retried by {attempt.retried_by}: {attempt.retry_reason}"
            lines.append(StoryLine(TIMELINE, attempt.started_at or "",
                                   f"{step.title} — attempt {attempt.number}",
                                   f"{attempt.status.upper()}: {why}".rstrip(": "),
                                   layout.TIMELINE, attempt.status))
        if step.attempt or step.status not in ("pending",):
            detail = step.error or step.summary or ""
            if step.rollback.get("reason"):
                detail = f"rolled back: {step.rollback['reason']}"
            label = f"{step.title}" + (f" — attempt {step.attempt}" if step.attempt > 1 else "")
            lines.append(StoryLine(TIMELINE, step.started_at or "", label,
                                   f"{step.status.upper()}" + (f": {detail}" if detail else ""),
                                   layout.TIMELINE, step.status))
    return lines


def _approvals(evidence: list[tuple[str, Statement]]) -> list[StoryLine]:
    lines = []
    for path, statement in evidence:
        if statement.predicate_type != statements.APPROVAL:
            continue
        p = statement.predicate if isinstance(statement.predicate, Mapping) else {}
        who = p.get("approver") or {}
        key = str(who.get("keyid") or "")
        lines.append(StoryLine(
            APPROVALS, str(p.get("decidedAt") or ""),
            f"{str(p.get('decision') or '').upper()} by {who.get('name')} ({who.get('role')})",
            f"reason: {p.get('reason')} — signed with key {key[:16]}…; gate "
            f"{(p.get('gate') or {}).get('outcome', '—')}, chain head "
            f"{str((p.get('eventChain') or {}).get('head', ''))[:12]}…",
            path, "succeeded" if p.get("decision") == "approved" else "failed"))
    return lines


def _gate(verdicts: Sequence[tuple[str, Mapping[str, Any]]]) -> list[StoryLine]:
    lines = []
    for path, doc in verdicts:
        policy = doc.get("policy") or {}
        findings = doc.get("findings") or []
        suppressed = [f for f in findings if f.get("suppressed")]
        triggered = [r for r in doc.get("rules") or [] if r.get("outcome") != "not-triggered"]
        lines.append(StoryLine(
            GATE, str(doc.get("evaluated_at") or ""),
            f"{str(doc.get('outcome') or '').upper()} — policy {policy.get('name')} "
            f"v{policy.get('version')}",
            f"{len(findings)} finding(s), {len(suppressed)} suppressed by VEX; rules "
            f"triggered: {', '.join(str(r.get('id')) for r in triggered) or 'none'}; decision "
            f"digest {str(doc.get('decision_digest') or '')[:19]}…; policy digest "
            f"{str(policy.get('digest') or '')[:19]}…",
            path, {"pass": "succeeded", "block": "failed"}.get(str(doc.get("outcome")), "warned")))
        for finding in findings:
            state = ("suppressed by VEX: " + str(finding.get("justification") or
                                                 finding.get("vex_status") or "")
                     if finding.get("suppressed") else "open")
            lines.append(StoryLine(
                GATE, "", f"  {finding.get('id')} ({finding.get('severity')})",
                f"{finding.get('package')} {finding.get('version')} — {state}"
                + (f"; fixed in {finding['fixed_version']}" if finding.get("fixed_version")
                   else ""), path, "skipped" if finding.get("suppressed") else "warned"))
    return lines


def _rollbacks(evidence: list[tuple[str, Statement]]) -> list[StoryLine]:
    lines = []
    for path, statement in evidence:
        p = statement.predicate if isinstance(statement.predicate, Mapping) else {}
        if statement.predicate_type != statements.DEPLOYMENT or p.get("action") != "rollback":
            continue
        trigger = p.get("trigger") or {}
        how = "automatic" if p.get("automatic") else f"by {p.get('requestedBy')}"
        detail = f"scope {p.get('scope')}, {how}: {p.get('reason')}"
        if p.get("ticket"):
            detail += f" ({p['ticket']})"
        measured = trigger.get("measurements") or []
        if isinstance(measured, Mapping):  # the last measurement, for an automatic rollback
            measured = [measured]
        if measured:
            detail += "; measurements: " + "; ".join(_measurement(m) for m in measured[-3:])
        if trigger.get("decision"):
            detail += f"; decision: {_short(trigger['decision'])}"
        returned = [t for t in p.get("targets") or [] if t.get("status") == "succeeded"]
        detail += f"; {len(returned)} target(s) returned"
        lines.append(StoryLine(ROLLBACKS, str(p.get("requestedAt") or p.get("recordedAt") or ""),
                               f"Rollback of {', '.join(p.get('steps') or [])}", detail, path,
                               "rolled-back"))
    return lines


def _rollback_events(events: Sequence[Event]) -> list[StoryLine]:
    """Who decided each rollback and why (the request), and how it ended."""
    lines = []
    for e in events:
        data = e.data or {}
        if e.type == ROLLBACK_REQUESTED:
            how = "automatically (health gate)" if data.get("automatic") else f"by {e.actor}"
            detail = f"scope {data.get('scope')}, requested {how}: {e.reason or '—'}"
            if data.get("ticket"):
                detail += f" ({data['ticket']})"
            if data.get("steps"):
                detail += f"; steps {', '.join(map(str, data['steps']))}"
            measured = data.get("measurements") or []
            if isinstance(measured, Mapping):  # an automatic rollback carries the last measurement
                measured = [measured]
            if measured:
                detail += "; measurements: " + "; ".join(_measurement(m) for m in measured[-3:])
            if data.get("decision"):
                detail += f"; decision: {_short(data['decision'])}"
            lines.append(StoryLine(ROLLBACKS, e.at, f"Rollback requested at {e.step or '—'}",
                                   detail, layout.TIMELINE, "rolled-back"))
        elif e.type in (ROLLBACK_COMPLETED, ROLLBACK_FAILED):
            done = e.type == ROLLBACK_COMPLETED
            lines.append(StoryLine(
                ROLLBACKS, e.at, "Rollback completed" if done else "Rollback FAILED",
                str(data.get("summary") or data.get("error") or e.reason or ""),
                layout.TIMELINE, "rolled-back" if done else "failed"))
    return lines


def _measurement(m: Any) -> str:
    if not isinstance(m, Mapping):
        return str(m)
    parts = [f"{k} {v}" for k, v in m.items() if k in ("at", "error_rate", "p95_ms", "latency_p95",
                                                       "healthy", "target", "breach")]
    return ", ".join(parts) or _short(m)


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items() if not isinstance(v, (dict, list)))
    return str(value)


def _custody_text(data: Mapping[str, Any]) -> str:
    kind = data.get("bundle") or "export"
    where = data.get("medium") or data.get("destination") or "—"
    partial = " (PARTIAL)" if data.get("partial") else ""
    return (f"{kind}{partial} {data.get('archive')} to {where}; archive sha256 "
            f"{str(data.get('sha256') or '')[:16]}…, receipt {str(data.get('receiptDigest') or '')[:23]}…")
