"""Replay and what-if for recorded verdicts (DESIGN §5, seed §14.8).

**Replay** re-evaluates a recorded verdict from its sealed inputs — the release's
stored SBOMs and VEX at the recorded paths, the feed snapshots and the policy by
digest, the recorded baseline, runtime observations, override and evaluation
time — and compares decision digests: ``match``, or ``mismatch`` with
:func:`engine.policy.diff_verdicts`'s account of what differs. Every request is
recorded (``rr-001``, …): who asked and why, ``running`` while it runs, then
``completed`` with its result or ``failed`` with the reason an input could not
be rebuilt. Determinism metrics count completed requests.

**What-if** re-evaluates past verdicts against the newest feed snapshots and
policy, now, and reports which promotions would flip (``pass`` → ``block``, or
back) with the findings that changed. It is an exploration, not a replay of
the sealed verdict, so it is not recorded as one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app.context import Site
from app.errors import NotFound, StellaError, UsageError
from app.services import gate
from engine.policy import diff_verdicts
from engine.policy.sealed import reevaluate
from models import ids
from models.tables import GateVerdict, ReplayRequest

RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
MATCH = "match"
MISMATCH = "mismatch"
ERROR = "error"
DEFAULT_REASON = "Audit verification"


@dataclass(frozen=True)
class ReplayRecord:
    request_id: str
    verdict_id: str
    promotion_id: str
    requested_by: str
    reason: str
    status: str
    requested_at: str
    finished_at: str | None
    result: str | None
    recorded_digest: str
    replayed_digest: str | None
    diff: dict[str, Any] | None
    error: str | None

    @property
    def matched(self) -> bool:
        return self.result == MATCH

    def to_json(self) -> dict[str, Any]:
        return {"id": self.request_id, "verdict_id": self.verdict_id,
                "promotion": self.promotion_id, "requested_by": self.requested_by,
                "reason": self.reason, "status": self.status, "requested_at": self.requested_at,
                "finished_at": self.finished_at, "result": self.result,
                "recorded_digest": self.recorded_digest,
                "replayed_digest": self.replayed_digest, "diff": self.diff, "error": self.error}


def _record(row: ReplayRequest, recorded_digest: str) -> ReplayRecord:
    return ReplayRecord(row.request_id, row.verdict_id, row.promotion_id, row.requested_by,
                        row.reason, row.status, row.requested_at, row.finished_at, row.result,
                        recorded_digest, row.replayed_digest, row.diff, row.error)


def _open_request(site: Site, verdict: gate.StoredVerdict, actor: str, reason: str) -> int:
    with site.db.write() as session:
        number = ids.next_number(session, "replay_request_numbers")
        row = ReplayRequest(request_id=f"rr-{number:03d}", verdict_row_id=verdict.record.row_id,
                            verdict_id=verdict.record.verdict_id,
                            promotion_id=verdict.record.promotion_id, requested_by=actor,
                            reason=reason, status=RUNNING, requested_at=site.now())
        session.add(row)
        session.flush()
        return row.id


def _close_request(site: Site, row_id: int, **fields: Any) -> ReplayRecord:
    with site.db.write() as session:
        row = session.get_one(ReplayRequest, row_id)
        for key, value in fields.items():
            setattr(row, key, value)
        row.finished_at = site.now()
        session.flush()
        recorded = session.scalar(select(GateVerdict.decision_digest)
                                  .where(GateVerdict.id == row.verdict_row_id))
        return _record(row, recorded or "")


def replay_stored(site: Site, verdict: gate.StoredVerdict, actor: str,
                  reason: str | None = None) -> ReplayRecord:
    """Replay one recorded verdict and record the request (module docstring)."""
    row_id = _open_request(site, verdict, actor or "unknown", (reason or "").strip()
                           or DEFAULT_REASON)
    try:
        material = gate.material_from_replay(site, verdict.replay)
        replayed = reevaluate(material).verdict.to_json()  # the offline verifier's code path
    except StellaError as exc:
        return _close_request(site, row_id, status=FAILED, result=ERROR, error=exc.message)
    diff = diff_verdicts(verdict.document, replayed)
    return _close_request(site, row_id, status=COMPLETED, result=diff.status,
                          replayed_digest=replayed["decision_digest"],
                          diff=None if diff.match else diff.to_json())


def replay_verdict(site: Site, verdict_id: str, actor: str,
                   reason: str | None = None) -> ReplayRecord:
    return replay_stored(site, gate.stored_verdict(site, verdict_id), actor, reason)


def replay_all(site: Site, actor: str, reason: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[ReplayRecord]:
    """Replay every recorded verdict, oldest first."""
    with site.db.read() as session:
        ids = list(session.scalars(select(GateVerdict.id).order_by(GateVerdict.id)))
    results = []
    for n, row_id in enumerate(ids, 1):
        results.append(replay_stored(site, _stored_row(site, row_id), actor, reason))
        if progress:
            progress(n, len(ids))
    return results


def _stored_row(site: Site, row_id: int) -> gate.StoredVerdict:
    with site.db.read() as session:
        row = session.get(GateVerdict, row_id)
        if row is None:
            raise NotFound(f"no recorded verdict #{row_id}")
        return gate.stored_of(row)


def requests(site: Site, promotion_id: str | None = None) -> list[ReplayRecord]:
    """Replay requests, newest first."""
    with site.db.read() as session:
        query = (select(ReplayRequest, GateVerdict.decision_digest)
                 .join(GateVerdict, GateVerdict.id == ReplayRequest.verdict_row_id)
                 .order_by(ReplayRequest.id.desc()))
        if promotion_id is not None:
            query = query.where(ReplayRequest.promotion_id == promotion_id)
        return [_record(row, digest) for row, digest in session.execute(query)]


@dataclass(frozen=True)
class Determinism:
    total: int
    matching: int
    mismatches: int
    errors: int

    @property
    def match_rate(self) -> float | None:
        return self.matching / self.total if self.total else None

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "matching": self.matching, "mismatches": self.mismatches,
                "errors": self.errors, "match_rate": self.match_rate}


def determinism(site: Site, promotion_id: str | None = None) -> Determinism:
    """Over completed replay requests (failed ones are counted apart as errors)."""
    with site.db.read() as session:
        query = select(ReplayRequest.result, func.count()).group_by(ReplayRequest.result)
        if promotion_id is not None:
            query = query.where(ReplayRequest.promotion_id == promotion_id)
        counts = dict(session.execute(query).all())
    matching, mismatches = counts.get(MATCH, 0), counts.get(MISMATCH, 0)
    return Determinism(matching + mismatches, matching, mismatches, counts.get(ERROR, 0))


def diff_lines(diff: dict[str, Any]) -> list[str]:
    """A diff (:meth:`VerdictDiff.to_json`) as lines a person reads, most telling first."""
    lines = []
    if diff.get("outcome"):
        lines.append(f"outcome: {diff['outcome'][0]} → {diff['outcome'][1]}")
    for change in diff.get("inputs", []):
        where = change["section"] + (f"/{change['key']}" if change.get("key") else "")
        lines.append(f"input {where}: {_brief(change['before'])} → {_brief(change['after'])}")
    for rule in diff.get("rules", []):
        before = rule["before"] or "(not in the policy)"
        after = rule["after"] or "(not in the policy)"
        changed = rule.get("definition_changed") and rule["before"] and rule["after"]
        lines.append(f"rule {rule['id']}: {before} → {after}"
                     + (" (definition changed)" if changed else ""))
    lines += [f"finding added: {k}" for k in diff.get("findings_added", [])]
    lines += [f"finding removed: {k}" for k in diff.get("findings_removed", [])]
    lines += [f"finding changed: {f['key']} ({', '.join(f['fields'])})"
              for f in diff.get("findings_changed", [])]
    return lines


def _brief(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, list):
        digests = [v["digest"] for v in value if isinstance(v, dict) and "digest" in v]
        if digests:
            shown = sorted({d[:19] + "…" for d in digests})
            return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'} ({', '.join(shown)})"
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= 72 else text[:69] + "…"


# -- what-if ---------------------------------------------------------------------------
@dataclass(frozen=True)
class WhatIf:
    verdict_id: str
    promotion_id: str
    before: str
    after: str | None
    flips: bool
    diff: dict[str, Any] | None
    error: str | None = None
    feeds: tuple[str, ...] = ()
    policy: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"verdict_id": self.verdict_id, "promotion": self.promotion_id,
                "before": self.before, "after": self.after, "flips": self.flips,
                "diff": self.diff, "error": self.error, "feeds": list(self.feeds),
                "policy": self.policy}


def what_if_stored(site: Site, verdict: gate.StoredVerdict) -> WhatIf:
    record = verdict.record
    try:
        material = gate.material_from_replay(site, verdict.replay, newest=True)
        document = gate.evaluate(material).document
    except StellaError as exc:
        return WhatIf(record.verdict_id, record.promotion_id, record.outcome, None, False, None,
                      exc.message)
    diff = diff_verdicts(verdict.document, document)
    return WhatIf(record.verdict_id, record.promotion_id, record.outcome, document["outcome"],
                  document["outcome"] != record.outcome, diff.to_json(),
                  feeds=tuple(sorted({f.digest for f in material.feeds})),
                  policy=material.policy.digest)


def what_if(site: Site, verdict_id: str | None = None) -> list[WhatIf]:
    """One verdict, or the latest verdict of every promotion, against the newest data."""
    if verdict_id is not None:
        return [what_if_stored(site, gate.stored_verdict(site, verdict_id))]
    with site.db.read() as session:
        latest = session.execute(select(func.max(GateVerdict.id))
                                 .group_by(GateVerdict.promotion_id)).scalars().all()
    if not latest:
        raise UsageError("no verdict has been recorded yet: nothing to re-evaluate")
    return [what_if_stored(site, _stored_row(site, row_id)) for row_id in sorted(latest)]
