"""The background chain verifier: it verifies the runs whose head moved, remembers the
head it verified, and marks a run whose chain, history or summary was altered."""

from __future__ import annotations

from sqlalchemy import select, update

from app.services import chain_verifier, promotions
from engine.run import events as ev
from models.tables import RunEvent, RunSummary
from tests.support.run_story import append, created, every_kind, new_run


def _two_runs(site) -> None:
    for pid in ("P-0001", "P-0002"):
        new_run(site, pid)
        append(site, pid, [created(pid), *every_kind()[:4]])


def test_verifies_what_moved_and_remembers_the_head(site):
    _two_runs(site)
    assert chain_verifier.status(site).pending == 2
    done = chain_verifier.verify_pending(site)
    assert (done.checked_now, done.verified, done.pending, done.broken) == (2, 2, 0, ())
    assert chain_verifier.verify_pending(site).checked_now == 0  # nothing moved
    append(site, "P-0002", every_kind()[4:6])
    assert chain_verifier.status(site).pending == 1
    again = chain_verifier.verify_pending(site)
    assert (again.checked_now, again.verified) == (1, 2)
    with site.db.read() as session:
        row = session.get(RunSummary, "P-0002")
        assert (row.verified_head, row.verified_count) == (row.head, 7)


def test_an_altered_event_marks_the_run_chain_broken(site):
    _two_runs(site)
    append(site, "P-0001", every_kind()[4:5])  # moved: the verifier will look at it
    with site.db.write() as session:
        row = (RunEvent.promotion_id == "P-0001", RunEvent.seq == 2)
        raw = bytes(session.scalar(select(RunEvent.raw).where(*row)))  # bytes, on any database
        session.execute(update(RunEvent).where(*row).values(raw=raw + b" "))
    found = chain_verifier.verify_pending(site)
    assert [p for p, _ in found.broken] == ["P-0001"] and "event #2" in found.broken[0][1]
    shown = {p.id: p.status for p in promotions.list_promotions(site)}
    assert shown == {"P-0001": "chain-broken", "P-0002": "waiting"}


def test_a_summary_that_lies_is_found_by_a_full_pass(site):
    _two_runs(site)
    chain_verifier.verify_pending(site)
    with site.db.write() as session:
        session.execute(update(RunSummary).where(RunSummary.promotion_id == "P-0002")
                        .values(status="completed", current_step=None))
    found = chain_verifier.verify_pending(site, full=True)
    assert [p for p, _ in found.broken] == ["P-0002"]
    assert "summary disagrees" in found.broken[0][1] and "status" in found.broken[0][1]


def test_a_rewritten_history_is_found_even_when_its_chain_verifies(site):
    _two_runs(site)
    chain_verifier.verify_pending(site)
    with site.db.write() as session:  # re-seal every event after #1 with other bytes
        rows = session.scalars(select(RunEvent).where(RunEvent.promotion_id == "P-0001")
                               .order_by(RunEvent.seq)).all()
        prev = rows[0].hash
        for row in rows[1:]:
            old = ev.Event.from_raw(row.raw)
            new = ev.Event.seal(ev.NewEvent(old.type, actor="mallory", at=old.at, step=old.step,
                                            reason=old.reason, data=dict(old.data)), row.seq, prev)
            row.raw, row.hash, row.prev_hash, prev = new.raw, new.hash, prev, new.hash
        session.flush()
        session.execute(update(RunSummary).where(RunSummary.promotion_id == "P-0001")
                        .values(head=prev))
    found = chain_verifier.verify_pending(site)
    assert [p for p, _ in found.broken] == ["P-0001"] and "rewritten" in found.broken[0][1]


def test_platform_health_names_a_broken_chain_and_why(site):
    from app.services import health

    _two_runs(site)
    with site.db.write() as session:
        session.execute(update(RunSummary).where(RunSummary.promotion_id == "P-0001")
                        .values(event_count=99))
    chain_verifier.verify_pending(site, full=True)
    jobs = [j for j in health.report(site, probe_targets=False).jobs if j.source == "chains"]
    assert [(j.subject, j.status) for j in jobs] == [("P-0001", "chain-broken")]
    assert "event_count" in jobs[0].detail


def test_doctor_names_a_summary_that_disagrees_with_its_chain_and_writes_nothing(site):
    from app.services import doctor

    _two_runs(site)
    with site.db.write() as session:
        session.execute(update(RunSummary).where(RunSummary.promotion_id == "P-0001")
                        .values(status="completed"))
    assert [p for p, _ in chain_verifier.audit(site)] == ["P-0001"]
    problems = [f.text for f in doctor.examine(site.config).problems if f.area == "runs"]
    assert len(problems) == 1 and "P-0001" in problems[0] and "status" in problems[0]
    assert chain_verifier.status(site).broken == ()  # the audit marked nothing
