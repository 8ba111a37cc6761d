"""The background chain verifier. Lists read the run summaries written with each append
(models/run_summary.py) instead of verifying every chain on every refresh, so this
walks the runs whose head moved since it last looked, verifies each chain and checks
that it folds to the summary shown, and remembers the head it verified. A run whose
verified history was rewritten, whose chain does not verify, or whose summary
disagrees with its events is marked: lists show it ``chain-broken``, Platform Health
counts it among the failed runs. Opening a run and exporting it still verify the
whole chain themselves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from app.context import Site
from app.services.job_issues import JobIssue
from models import run_summary
from models.tables import RunSummary

BATCH = 200  # runs per pass: one read, one short write transaction


@dataclass(frozen=True)
class ChainStatus:
    runs: int
    verified: int  # runs whose current head has been verified
    broken: tuple[tuple[str, str], ...]  # (promotion id, what is wrong)
    checked_now: int = 0

    @property
    def pending(self) -> int:
        return self.runs - self.verified - len(self.broken)

    def to_json(self) -> dict[str, object]:
        return {"runs": self.runs, "verified": self.verified, "pending": self.pending,
                "checked_now": self.checked_now,
                "broken": [{"promotion": p, "problem": why} for p, why in self.broken]}


def check(raws: list[tuple[bytes, str]], summary: RunSummary) -> str | None:
    """What is wrong with one run's chain or its summary, or None."""
    if summary.verified_count and (len(raws) < summary.verified_count or
                                   raws[summary.verified_count - 1][1] != summary.verified_head):
        return (f"its history was rewritten after event #{summary.verified_count - 1} "
                "had been verified")
    values = run_summary.summarise(raws)
    if values["problem"]:
        return values["problem"]
    differing = [c for c in run_summary.APPEND_COLUMNS if getattr(summary, c) != values[c]]
    if differing:
        return f"its summary disagrees with its events ({', '.join(differing)})"
    return None


def verify_pending(site: Site, *, full: bool = False, limit: int = BATCH) -> ChainStatus:
    """Verify up to ``limit`` runs whose head moved since their last verification (or,
    with ``full``, every run in turn, oldest verification first)."""
    with site.db.read() as session:
        query = select(RunSummary)
        if not full:
            query = query.where(RunSummary.problem.is_(None), or_(
                RunSummary.verified_head != RunSummary.head,
                RunSummary.verified_count != RunSummary.event_count))
        rows = session.scalars(query.order_by(RunSummary.verified_at.is_not(None),
                                              RunSummary.verified_at, RunSummary.promotion_id)
                               .limit(limit)).all()
        seen = {row.promotion_id: tuple(getattr(row, c) for c in run_summary.APPEND_COLUMNS)
                for row in rows}
        findings = {row.promotion_id: (check(run_summary.load_raw(session, row.promotion_id), row),
                                       row.head, row.event_count) for row in rows}
    if findings:
        now = site.now()
        with site.db.write() as session:
            for promotion_id, (problem, head, count) in findings.items():
                row = session.get(RunSummary, promotion_id)
                if row is None or tuple(getattr(row, c) for c in run_summary.APPEND_COLUMNS) \
                        != seen[promotion_id]:
                    continue  # it moved meanwhile: the next pass looks again
                if problem:
                    row.problem, row.status = problem, run_summary.CHAIN_BROKEN
                else:
                    row.verified_head, row.verified_count = head, count
                row.verified_at = now
    found = status(site)
    return ChainStatus(found.runs, found.verified, found.broken, checked_now=len(findings))


def audit(site: Site) -> list[tuple[str, str]]:
    """Every run checked as :func:`verify_pending` with ``full`` would, writing nothing (for
    a doctor on a site that may be read-only): (promotion id, what is wrong)."""
    found = []
    with site.db.read() as session:
        for row in session.scalars(select(RunSummary).order_by(RunSummary.promotion_id)):
            problem = row.problem or check(run_summary.load_raw(session, row.promotion_id), row)
            if problem:
                found.append((row.promotion_id, problem))
    return found


def status(site: Site) -> ChainStatus:
    """Where verification stands, from the summaries alone (one cheap query)."""
    with site.db.read() as session:
        runs, verified = session.execute(select(
            func.count(),
            func.count().filter(RunSummary.problem.is_(None),
                                RunSummary.verified_head == RunSummary.head,
                                RunSummary.verified_count == RunSummary.event_count),
        )).one()
        broken = session.execute(select(RunSummary.promotion_id, RunSummary.problem)
                                 .where(RunSummary.problem.is_not(None))
                                 .order_by(RunSummary.promotion_id)).all()
    return ChainStatus(runs, verified, tuple((p, why or "") for p, why in broken))


class BrokenChains:
    """Platform Health's job source for runs the verifier found broken, with why."""

    name = "chains"

    def failed_jobs(self, site: Site) -> list[JobIssue]:
        return [JobIssue(self.name, promotion, "event chain", run_summary.CHAIN_BROKEN, why)
                for promotion, why in status(site).broken]
