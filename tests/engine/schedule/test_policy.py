"""Attempt outcomes from the run the executor left, retries and the dead-letter decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.schedule import (
    RetryPolicy,
    RetryPolicyInvalid,
    RunFacts,
    Window,
    after_failure,
    judge_error,
    judge_run,
)
from engine.schedule.policy import FAILED, SUCCEEDED, WAITING

OPENS = datetime(2026, 2, 19, 2, 0, tzinfo=UTC)
WINDOW = Window(OPENS, timedelta(hours=2))


def test_a_completed_run_succeeds():
    outcome = judge_run(RunFacts("completed", True, steps_run=9))
    assert outcome.status == SUCCEEDED and outcome.text == "the run completed (9 step(s) run)"


def test_reaching_the_chosen_stage_succeeds():
    outcome = judge_run(RunFacts("pending", False, reached_until=True, steps_run=2),
                        "Gate Eval (Policy)")
    assert outcome.status == SUCCEEDED
    assert outcome.text.startswith("reached Gate Eval (Policy) (2 step(s) run)")


def test_waiting_for_a_person_hands_the_run_over():
    outcome = judge_run(RunFacts("waiting", False, current_title="Approval",
                                 current_status="waiting", waiting_for="approval", steps_run=2))
    assert outcome.status == SUCCEEDED
    assert outcome.text == "2 step(s) run; the run now waits for an approval at Approval"


def test_a_failed_step_needs_an_operator_and_is_not_retried():
    outcome = judge_run(RunFacts("failed", False, current_title="Deploy Canary 10%",
                                 current_status="failed", error="error rate 3.2%"))
    assert outcome.status == FAILED and not outcome.retryable
    assert outcome.text == ("Deploy Canary 10% failed: error rate 3.2%; an operator must retry "
                            "or roll back the run, then retry this job")


@pytest.mark.parametrize("status", ["interrupted", "rolled-back"])
def test_interrupted_or_rolled_back_steps_need_an_operator(status):
    outcome = judge_run(RunFacts(status, False, current_title="Deploy 100%",
                                 current_status=status))
    assert outcome.status == FAILED and not outcome.retryable


@pytest.mark.parametrize("status", ["cancelled", "rolled-back"])
def test_an_ended_run_leaves_nothing_to_run(status):
    outcome = judge_run(RunFacts(status, True))
    assert outcome.status == FAILED and not outcome.retryable
    assert outcome.text == f"the run has ended ({status}): nothing left to run"


def test_a_paused_run_waits():
    assert judge_run(RunFacts("paused", False, paused=True)).status == WAITING


def test_an_executor_stopped_early_is_retryable():
    outcome = judge_run(RunFacts("pending", False, current_status="pending",
                                 why="stopped on request"))
    assert outcome.status == FAILED and outcome.retryable
    assert outcome.text.endswith("stopped on request")


def test_executor_errors():
    assert judge_error("disk full", retryable=True).retryable
    assert judge_error("no handler", retryable=False).text == \
        "the executor stopped with an error: no handler"


# -- retries and the dead letter -------------------------------------------------------
def test_the_back_off_doubles():
    policy = RetryPolicy(max_failures=4, backoff=timedelta(minutes=2))
    assert [policy.next_attempt_at(n, OPENS) - OPENS for n in (1, 2, 3)] == [
        timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]


@pytest.mark.parametrize("failures,backoff", [(0, 1), (21, 1), (3, -1)])
def test_a_policy_out_of_range_is_refused(failures, backoff):
    with pytest.raises(RetryPolicyInvalid):
        RetryPolicy(failures, timedelta(minutes=backoff))


def test_a_retryable_failure_is_retried_until_the_budget_is_spent():
    policy = RetryPolicy(max_failures=3, backoff=timedelta(minutes=1))
    failure = judge_error("database is locked", retryable=True)
    first = after_failure(policy, 1, failure, OPENS, WINDOW)
    assert not first.dead_letter and first.retry_at == OPENS + timedelta(minutes=1)
    assert first.reason == ("failed 1 of 3 time(s); next attempt not before 2026-02-19 02:01 UTC "
                            "(1m)")
    assert not after_failure(policy, 2, failure, OPENS, WINDOW).dead_letter
    third = after_failure(policy, 3, failure, OPENS, WINDOW)
    assert third.dead_letter and third.retry_at is None
    assert third.reason == ("failed 3 time(s), the most this job may; last: the executor stopped "
                            "with an error: database is locked")
    assert third.consequence == "dead-lettered after 3 failure(s)"
    assert first.consequence == first.reason


def test_a_failure_that_is_not_retryable_is_dead_lettered_at_once():
    failure = judge_run(RunFacts("failed", False, current_title="Gate Eval (Policy)",
                                 current_status="failed", error="BLOCK"))
    decision = after_failure(RetryPolicy(), 1, failure, OPENS, WINDOW)
    assert decision.dead_letter and decision.reason == failure.text
    assert decision.consequence == "dead-lettered"


def test_no_retry_is_planned_past_the_window():
    policy = RetryPolicy(max_failures=5, backoff=timedelta(minutes=30))
    late = OPENS + timedelta(hours=1, minutes=45)
    decision = after_failure(policy, 1, judge_error("x", retryable=True), late, WINDOW)
    assert decision.dead_letter
    assert "the window closes at 2026-02-19 04:00 UTC, before the next attempt" in decision.reason
    assert decision.consequence == ("dead-lettered: the window closes at 2026-02-19 04:00 UTC, "
                                    "before a next attempt")
