"""The job status contract (one test per illegal transition) and one tick's decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import FixedClock
from engine.schedule import (
    Facts,
    FeedFact,
    JobView,
    Precondition,
    TransitionRefused,
    Window,
    check_transition,
    decide,
    evaluate,
    needs_facts,
)
from engine.schedule import job as jobs

OPENS = datetime(2026, 2, 19, 2, 0, tzinfo=UTC)
WINDOW = Window(OPENS, timedelta(hours=2))
FRESH = Precondition.parse("feeds-fresh<1h")
WARN_FRESH = Precondition.parse("feeds-fresh<1h", blocking=False)

LEGAL = [
    (jobs.SCHEDULED, jobs.RUNNING), (jobs.SCHEDULED, jobs.DEAD_LETTERED),
    (jobs.SCHEDULED, jobs.CANCELLED), (jobs.RUNNING, jobs.SCHEDULED),
    (jobs.RUNNING, jobs.SUCCEEDED), (jobs.RUNNING, jobs.DEAD_LETTERED),
    (jobs.RUNNING, jobs.CANCELLED), (jobs.DEAD_LETTERED, jobs.SCHEDULED),
    (jobs.DEAD_LETTERED, jobs.CANCELLED),
]
ILLEGAL = [
    (jobs.SCHEDULED, jobs.SCHEDULED, "only a dead-lettered job is retried"),
    (jobs.SCHEDULED, jobs.SUCCEEDED, "only a running attempt can succeed"),
    (jobs.RUNNING, jobs.RUNNING, "the slot is claimed"),
    (jobs.DEAD_LETTERED, jobs.RUNNING, "only after an operator retries it"),
    (jobs.DEAD_LETTERED, jobs.SUCCEEDED, "has not run"),
    (jobs.DEAD_LETTERED, jobs.DEAD_LETTERED, "already on the dead-letter list"),
    *[(jobs.SUCCEEDED, target, "final") for target in jobs.STATUSES],
    *[(jobs.CANCELLED, target, "final") for target in jobs.STATUSES],
]


@pytest.mark.parametrize("current,target", LEGAL)
def test_legal_transitions(current, target):
    check_transition(current, target)


@pytest.mark.parametrize("current,target,why", ILLEGAL)
def test_each_illegal_transition_is_refused_with_why(current, target, why):
    with pytest.raises(TransitionRefused, match=why) as err:
        check_transition(current, target)
    assert (err.value.current, err.value.target) == (current, target)
    assert str(err.value).startswith(f"a {current} job cannot become {target}")


def test_every_pair_is_either_legal_or_illegal():
    covered = {(c, t) for c, t in LEGAL} | {(c, t) for c, t, _ in ILLEGAL}
    assert covered == {(c, t) for c in jobs.STATUSES for t in jobs.STATUSES}


def test_an_unknown_status_is_refused():
    with pytest.raises(TransitionRefused, match="unknown"):
        check_transition("paused", jobs.RUNNING)


# -- decide ----------------------------------------------------------------------------
def job(**changes) -> JobView:
    return JobView(**{"schedule_id": "S-0001", "status": jobs.SCHEDULED, "window": WINDOW,
                      **changes})


def fresh(now: datetime, minutes: int = 10):
    facts = Facts(feeds=(FeedFact("osv", "npm", now - timedelta(minutes=minutes)),))
    return evaluate([FRESH], facts, now)


def test_before_the_window_nothing_happens_and_no_facts_are_needed():
    clock = FixedClock(OPENS - timedelta(minutes=30))
    decision = decide(job(), clock.now())
    assert decision.action == jobs.NOTHING
    assert decision.text == "waiting: opens at 2026-02-19 02:00 UTC (in 30m)"
    assert not needs_facts(job(), clock.now())


def test_inside_the_window_with_preconditions_held_it_runs():
    clock = FixedClock(OPENS + timedelta(minutes=5))
    assert needs_facts(job(), clock.now())
    decision = decide(job(), clock.now(), fresh(clock.now()))
    assert decision.action == jobs.RUN
    assert decision.phase.startswith("due: the window is open until 2026-02-19 04:00 UTC")
    assert decision.lines == ("held: feeds-fresh<1h — 1 feed(s) fresh, the oldest 10m old "
                              "(limit 1h)",)


def test_a_blocking_precondition_makes_it_wait_and_says_why():
    now = OPENS + timedelta(minutes=5)
    decision = decide(job(), now, fresh(now, minutes=7 * 60))
    assert decision.action == jobs.WAIT
    assert decision.lines == ("blocked: feeds-fresh<1h — stale: osv/npm 7h old (limit 1h)",)
    assert "due: the window is open" in decision.text and "stale" in decision.text


def test_a_warn_only_precondition_runs_with_the_warning_recorded():
    now = OPENS + timedelta(minutes=5)
    stale = evaluate([WARN_FRESH], Facts(feeds=(FeedFact("osv", "npm", now - timedelta(hours=7)),)),
                     now)
    decision = decide(job(), now, stale)
    assert decision.action == jobs.RUN
    assert decision.lines[0].startswith("warning (warn-only): feeds-fresh<1h — stale")


def test_a_run_that_cannot_move_waits():
    now = OPENS + timedelta(minutes=5)
    decision = decide(job(), now, fresh(now), run_blocker="the run is paused by an operator")
    assert decision.action == jobs.WAIT
    assert decision.lines == ("blocked: the run is paused by an operator",)


def test_repeated_waits_give_the_same_reasons_while_the_phase_moves_on():
    first = decide(job(), OPENS + timedelta(minutes=5), fresh(OPENS, minutes=400))
    later = decide(job(), OPENS + timedelta(minutes=35), fresh(OPENS, minutes=400))
    assert first.phase != later.phase
    assert first.lines[0].split(" — ")[0] == later.lines[0].split(" — ")[0]


def test_after_the_window_it_is_dead_lettered_with_why_it_waited():
    now = OPENS + timedelta(hours=2)
    waited = job(last_wait=("blocked: feeds-fresh<1h — stale: osv/npm 7h old (limit 1h)",))
    decision = decide(waited, now)
    assert decision.action == jobs.DEAD_LETTER
    assert decision.lines == (
        "missed its window 2026-02-19 02:00 UTC – 04:00 (2h)",
        "it last waited because: blocked: feeds-fresh<1h — stale: osv/npm 7h old (limit 1h)")


def test_a_window_no_tick_saw_says_so():
    decision = decide(job(), OPENS + timedelta(hours=3))
    assert decision.action == jobs.DEAD_LETTER
    assert "no scheduler tick ran while the window was open" in decision.text


def test_failures_before_the_window_closed_are_counted():
    decision = decide(job(failures=2), OPENS + timedelta(hours=3))
    assert "2 attempt(s) failed before it closed" in decision.lines


def test_a_running_job_is_skipped_by_another_tick():
    decision = decide(job(status=jobs.RUNNING, running_since=OPENS, running_owner="host:42"),
                      OPENS + timedelta(minutes=1))
    assert decision.action == jobs.SKIP
    assert decision.text == ("skipped: already claimed — an attempt is running since "
                             "2026-02-19 02:00 UTC by host:42")


@pytest.mark.parametrize("status", [jobs.SUCCEEDED, jobs.CANCELLED, jobs.DEAD_LETTERED])
def test_inactive_jobs_do_nothing(status):
    decision = decide(job(status=status), OPENS + timedelta(minutes=1))
    assert decision.action == jobs.NOTHING and decision.text == f"the job is {status}"
    assert not needs_facts(job(status=status), OPENS + timedelta(minutes=1))


def test_back_off_after_a_failure_holds_the_next_attempt():
    retry_at = OPENS + timedelta(minutes=10)
    backing_off = job(not_before=retry_at, failures=1)
    assert not needs_facts(backing_off, OPENS + timedelta(minutes=5))
    decision = decide(backing_off, OPENS + timedelta(minutes=5))
    assert decision.action == jobs.NOTHING
    assert decision.text == "retrying after a failure: next attempt not before 2026-02-19 02:10 UTC"
    assert decide(backing_off, retry_at, fresh(retry_at)).action == jobs.RUN


def test_a_due_job_without_an_evaluation_is_a_programming_error():
    with pytest.raises(ValueError, match="preconditions evaluated"):
        decide(job(), OPENS + timedelta(minutes=1))


def test_no_preconditions_runs_and_says_so():
    now = OPENS + timedelta(minutes=1)
    decision = decide(job(), now, evaluate([], Facts(), now))
    assert decision.action == jobs.RUN and decision.lines == ("no preconditions",)


def test_waits_for_the_same_reasons_fold_even_as_their_detail_moves_on():
    from engine.schedule.job import same_reasons

    earlier = ("blocked: feeds-fresh<1h — stale: osv/npm 7h old (limit 1h)",
               "held: integrations-healthy — 2 integration(s) healthy")
    later = ("blocked: feeds-fresh<1h — stale: osv/npm 7h5m old (limit 1h)",
             "held: integrations-healthy — 3 integration(s) healthy")
    assert same_reasons(earlier, later)
    assert not same_reasons(earlier, ("held: feeds-fresh<1h — 1 feed(s) fresh",) + later[1:])
    assert not same_reasons(earlier, earlier[:1])
    assert same_reasons(("blocked: the run is paused by an operator",),
                        ("blocked: the run is paused by an operator",))
