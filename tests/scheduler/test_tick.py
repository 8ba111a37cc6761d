"""One tick at a time, with the test's clock: waits and why, runs, failures, retries,
the dead-letter list, an operator's retry, and what the data health banner counts."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import NotNow, Rejected, UsageError
from app.services import actions, health, promotions, scheduler, scheduler_tick
from app.steps.base import StepOutcome
from engine.clock import rfc3339
from models.tables import RunLease, ScheduleAttempt
from tests.scheduler.conftest import OPENS, feed_taken, new_promotion, tick
from tests.support.doubles import doubles_registry
from tests.support.factories import who


def create(site, pid, **changes):
    options = {"at": OPENS, "window": "2h", "actor": "olga", **changes}
    return scheduler.create_schedule(site, pid, **options)


def only_attempt(site):
    (attempt,) = scheduler.attempts(site)
    return attempt


def failing_runner(message: str = "database is locked"):
    calls = []

    def run(site, promotion_id, until):
        calls.append(promotion_id)
        raise OSError(message)
    run.calls = calls  # type: ignore[attr-defined]
    return run


def steps_started(site, pid) -> list[str]:
    events, _ = promotions.load_run(site, pid)
    return [e.step for e in events if e.type == "step.started"]


def test_before_the_window_nothing_is_recorded(site, clock):
    create(site, new_promotion(site))
    report = tick(site)
    assert [(r.action, r.text) for r in report.results] == [
        ("nothing", "waiting: opens at 2026-02-18 09:30 UTC (in 1h)")]
    assert scheduler.attempts(site) == []


def test_a_due_job_runs_until_its_stage_and_succeeds(site, clock):
    pid = new_promotion(site)
    create(site, pid, until="gate-eval")
    clock.advance(3600 + 60)
    report = tick(site)
    assert report.ran == 1
    (result,) = report.results
    assert (result.action, result.status, result.attempt) == ("run", "succeeded", 1)
    assert result.text == ("reached Gate Eval (Policy) (2 step(s) run); the rest of the run is "
                           "left for later")
    assert steps_started(site, pid) == ["inputs-materialized", "gate-eval"]
    attempt = only_attempt(site)
    assert attempt.status == "succeeded" and attempt.slot == "2026-02-18T09:30:00Z"
    assert attempt.diagnostics == ("no preconditions", result.text)
    assert scheduler.get_schedule(site, "S-0001").status == "succeeded"
    assert tick(site).results == ()  # a succeeded job is not looked at again


def test_a_blocking_precondition_waits_says_why_and_folds_repeated_waits(site, clock):
    pid = new_promotion(site)
    feed_taken(site, clock.now() - timedelta(hours=7))
    create(site, pid, requires=["feeds-fresh<1h"])
    clock.advance(3600)
    (result,) = tick(site).results
    assert (result.action, result.status) == ("wait", "scheduled")
    assert result.text == ("due: the window is open until 2026-02-18 11:30 UTC (2h left); "
                           "blocked: feeds-fresh<1h — stale: osv/npm 8h old (limit 1h)")
    clock.advance(60)
    tick(site)
    waiting = only_attempt(site)
    assert (waiting.status, waiting.checks) == ("waiting", 2)
    assert waiting.diagnostics == ("blocked: feeds-fresh<1h — stale: osv/npm 8h1m old "
                                   "(limit 1h)",)
    assert waiting.checked_at == rfc3339(clock.now())
    assert waiting.summary == waiting.diagnostics[0]
    info = scheduler.get_schedule(site, "S-0001")
    assert info.state_text == ("due until 11:30 UTC — blocked: feeds-fresh<1h — stale: osv/npm "
                               "8h1m old (limit 1h)")
    assert steps_started(site, pid) == []

    feed_taken(site, clock.now() - timedelta(minutes=5))  # a fresh snapshot arrives
    clock.advance(60)
    (result,) = tick(site).results
    assert (result.action, result.status, result.attempt) == ("run", "succeeded", 2)
    assert [a.status for a in scheduler.attempts(site)] == ["succeeded", "waiting"]
    assert scheduler.attempts(site)[0].diagnostics[0].startswith(
        "held: feeds-fresh<1h — 1 feed(s) fresh")


def test_a_warn_only_precondition_runs_and_records_the_warning(site, clock):
    pid = new_promotion(site)
    create(site, pid, warns=["feeds-fresh<1h"], until="inputs-materialized")
    clock.advance(3600)
    (result,) = tick(site).results
    assert result.status == "succeeded"
    assert only_attempt(site).diagnostics[0] == ("warning (warn-only): feeds-fresh<1h — no feed "
                                                 "snapshot has been imported")


def test_a_paused_run_waits(site, clock):
    pid = new_promotion(site)
    actions.act(site, pid, "pause", who(site, "olga"), "waiting for the change board")
    create(site, pid)
    clock.advance(3600)
    (result,) = tick(site).results
    assert result.action == "wait"
    assert only_attempt(site).diagnostics == ("blocked: the run is paused by an operator",)


def test_another_executor_holding_the_run_makes_it_wait(site, clock):
    pid = new_promotion(site)
    create(site, pid)
    clock.advance(3600)
    with site.db.write() as session:
        session.add(RunLease(promotion_id=pid, owner="someone-else", host=socket.gethostname(),
                             pid=os.getpid(), heartbeat_at=clock.now()))
    (result,) = tick(site).results
    assert result.action == "wait"
    assert "another executor is advancing the run" in only_attempt(site).diagnostics[0]


def test_a_lease_taken_between_the_check_and_the_run_waits_without_failing(site, clock):
    pid = new_promotion(site)
    create(site, pid)
    clock.advance(3600)

    def lease_held(site, promotion_id, until):
        raise NotNow(f"promotion {promotion_id} is being executed by process 4242")
    (result,) = tick(site, lease_held).results
    assert (result.action, result.status) == ("run", "scheduled")
    attempt = only_attempt(site)
    assert attempt.status == "waiting" and attempt.diagnostics[-1].endswith(
        "being executed by process 4242; the next tick tries again")
    assert scheduler.get_schedule(site, "S-0001").not_before is None


def test_waiting_for_an_approval_hands_the_run_over(site, clock):
    pid = new_promotion(site, "eu-prod")
    create(site, pid)
    clock.advance(3600)
    (result,) = tick(site).results
    assert result.status == "succeeded"
    assert result.text == "3 step(s) run; the run now waits for an approval at Approval"


# -- the dead-letter path --------------------------------------------------------------
def test_a_missed_window_is_dead_lettered_with_why_it_waited(site, clock):
    pid = new_promotion(site)
    create(site, pid, requires=["feeds-fresh<1h"])
    clock.advance(3600)
    tick(site)
    clock.advance(2 * 3600)
    (result,) = tick(site).results
    assert (result.action, result.status) == ("dead-letter", "dead-lettered")
    (letter,) = scheduler.dead_letters(site)
    assert letter.reason == ("missed its window 2026-02-18 09:30 UTC – 11:30 (2h); it last waited "
                             "because: blocked: feeds-fresh<1h — no feed snapshot has been "
                             "imported")
    assert (letter.schedule_id, letter.promotion_id, letter.slot) == ("S-0001", pid,
                                                                     "2026-02-18T09:30:00Z")
    info = scheduler.get_schedule(site, "S-0001")
    assert info.status == "dead-lettered" and info.dead_letter == letter
    assert info.state_text == f"dead-lettered: {letter.reason}"
    assert tick(site).results == ()  # dead letters wait for an operator


def test_repeated_failures_are_retried_with_back_off_then_dead_lettered(site, clock):
    pid = new_promotion(site)
    create(site, pid, max_failures=3, backoff=timedelta(minutes=2))
    clock.advance(3600)
    runner = failing_runner()
    (first,) = tick(site, runner).results
    assert (first.action, first.status) == ("run", "scheduled")
    info = scheduler.get_schedule(site, "S-0001")
    assert info.not_before == "2026-02-18T09:32:00Z"
    attempt = only_attempt(site)
    assert attempt.diagnostics == (
        "no preconditions",
        "the executor stopped with an error: OSError: database is locked — failed 1 of 3 "
        "time(s); next attempt not before 2026-02-18 09:32 UTC (2m)")
    assert attempt.summary == attempt.diagnostics[-1]
    issues = [j for j in health.report(site, probe_targets=False).jobs if j.source == "scheduler"]
    assert [(j.subject, j.job, j.status) for j in issues] == [
        ("S-0001", f"scheduled run of {pid}", "failed")]

    clock.advance(60)  # still backing off: nothing runs
    (held,) = tick(site, runner).results
    assert held.action == "nothing" and "next attempt not before 2026-02-18 09:32 UTC" in held.text
    assert len(runner.calls) == 1
    clock.advance(60)
    assert tick(site, runner).results[0].status == "scheduled"  # second failure, back-off 4m
    clock.advance(4 * 60)
    (last,) = tick(site, runner).results
    assert last.status == "dead-lettered" and len(runner.calls) == 3
    (letter,) = scheduler.dead_letters(site)
    assert letter.reason == ("failed 3 time(s), the most this job may; last: the executor stopped "
                             "with an error: OSError: database is locked")
    assert [a.status for a in scheduler.attempts(site)] == ["failed"] * 3
    assert scheduler.attempts(site)[0].summary.endswith(
        "database is locked — dead-lettered after 3 failure(s)")

    report = health.report(site, probe_targets=False)
    issues = [j for j in report.jobs if j.source == "scheduler"]
    assert [(j.subject, j.job, j.status, j.detail) for j in issues] == [
        ("S-0001", f"scheduled run of {pid}", "dead-lettered", letter.reason)]
    assert report.status in ("WARN", "FAIL")
    assert any(p.startswith(f"S-0001 scheduled run of {pid} dead-lettered")
               for p in report.problems)


def test_a_failed_step_is_dead_lettered_at_once_for_an_operator(site, clock):
    pid = new_promotion(site)
    create(site, pid)
    clock.advance(3600)

    class Broken:
        def run(self, ctx):
            return StepOutcome("failed", error="target eu-stage/web-1 refused the release")
    registry = doubles_registry()
    registry.register("deploy-start", Broken())
    (result,) = tick(site, scheduler_tick.executor_runner(registry)).results
    assert result.status == "dead-lettered"
    (letter,) = scheduler.dead_letters(site)
    assert letter.reason == ("Deploy Workflow Start failed: target eu-stage/web-1 refused the "
                             "release; an operator must retry or roll back the run, then retry "
                             "this job")
    assert only_attempt(site).run_status == "failed"


def test_an_operator_retries_a_dead_letter_with_a_reason_in_a_new_slot(site, clock):
    pid = new_promotion(site)
    create(site, pid, until="gate-eval")
    clock.advance(4 * 3600)
    tick(site)  # missed
    with pytest.raises(UsageError, match="a reason is required"):
        scheduler.retry_dead_letter(site, "S-0001", "olga", "")
    with pytest.raises(Rejected, match="may not retry"):
        scheduler.retry_dead_letter(site, "S-0001", "audrey", "please")
    info = scheduler.retry_dead_letter(site, "S-0001", "olga", "the app was closed overnight")
    assert info.status == "scheduled" and info.window.start == rfc3339(clock.now())
    assert info.window.length == timedelta(hours=2)
    assert scheduler.dead_letters(site) == []
    (retried,) = scheduler.dead_letters(site, include_retried=True)
    assert (retried.retried_by, retried.retry_reason, retried.retry_slot) == (
        "olga", "the app was closed overnight", info.window.start)
    (result,) = tick(site).results
    assert (result.action, result.status, result.attempt) == ("run", "succeeded", 1)
    assert steps_started(site, pid) == ["inputs-materialized", "gate-eval"]
    assert [a.slot for a in scheduler.attempts(site)] == [info.window.start]


def test_only_a_dead_lettered_job_is_retried(site, clock):
    create(site, new_promotion(site))
    with pytest.raises(NotNow, match="only a dead-lettered job is retried"):
        scheduler.retry_dead_letter(site, "S-0001", "olga", "again")


def test_cancelling_a_dead_letter_closes_it(site, clock):
    create(site, new_promotion(site))
    clock.advance(4 * 3600)
    tick(site)
    scheduler.cancel_schedule(site, "S-0001", "olga", "not needed any more")
    assert scheduler.dead_letters(site) == []
    assert [j for j in health.report(site, probe_targets=False).jobs
            if j.source == "scheduler"] == []


# -- claims ----------------------------------------------------------------------------
def test_a_tick_while_an_attempt_runs_skips_it_and_records_nothing(site, clock):
    pid = new_promotion(site)
    create(site, pid, until="inputs-materialized")
    clock.advance(3600)
    inner = []
    real = scheduler_tick.executor_runner(doubles_registry())

    def run_and_tick_again(site_, promotion_id, until):
        inner.extend(tick(site_).results)
        return real(site_, promotion_id, until)
    (outer,) = tick(site, run_and_tick_again).results
    assert [(r.action, r.status) for r in inner] == [("skip", "running")]
    assert inner[0].text.startswith("skipped: already claimed — an attempt is running since")
    assert outer.status == "succeeded"
    assert len(scheduler.attempts(site)) == 1
    assert steps_started(site, pid) == ["inputs-materialized"]


def test_the_database_refuses_a_second_claim_of_a_slot(site, clock):
    create(site, new_promotion(site))
    row = dict(schedule_id="S-0001", slot="2026-02-18T09:30:00Z", number=1, status="running",
               started_at="x", checked_at="x", owner="a:1:x", host="a", pid=1, diagnostics=[])
    with site.db.write() as session:
        session.add(ScheduleAttempt(**row))
    with pytest.raises(IntegrityError):
        with site.db.write() as session:
            session.add(ScheduleAttempt(**{**row, "owner": "b:2:y"}))


def test_an_attempt_whose_process_died_is_recorded_failed(site, clock):
    pid = new_promotion(site)
    create(site, pid)
    clock.advance(3600)
    with site.db.write() as session:
        session.add(ScheduleAttempt(schedule_id="S-0001", slot="2026-02-18T09:30:00Z", number=1,
                                    status="running", started_at=rfc3339(clock.now()),
                                    checked_at=rfc3339(clock.now()), owner="gone", pid=2 ** 22 + 7,
                                    host=socket.gethostname(), diagnostics=["no preconditions"]))
        from models.tables import Schedule
        session.scalar(select(Schedule)).status = "running"
    results = tick(site).results
    assert [(r.action, r.status) for r in results] == [("recovered", "scheduled"),
                                                       ("nothing", "scheduled")]
    assert results[0].text == ("the executor stopped with an error: the scheduler process (gone) "
                               "stopped while it ran this attempt")
    assert only_attempt(site).status == "failed"


def test_cancelling_while_an_attempt_runs_keeps_its_outcome_but_stays_cancelled(site, clock):
    pid = new_promotion(site)
    create(site, pid, until="inputs-materialized")
    clock.advance(3600)
    real = scheduler_tick.executor_runner(doubles_registry())

    def cancel_meanwhile(site_, promotion_id, until):
        scheduler.cancel_schedule(site_, "S-0001", "olga", "change freeze began")
        return real(site_, promotion_id, until)
    (result,) = tick(site, cancel_meanwhile).results
    assert result.status == "cancelled"
    assert only_attempt(site).status == "succeeded"
    assert scheduler.get_schedule(site, "S-0001").status == "cancelled"
