"""What an attempt's outcome was, and what follows a failure: retry or dead letter.

An attempt runs the promotion's executor. What the executor leaves behind is
judged from plain facts about the run:

- the run completed, or reached the stage the job stops at → **succeeded**;
- the run now waits for a person (an approval, a canary "continue") →
  **succeeded**: the job has taken the run as far as a machine may;
- a step failed, was interrupted, or the run was rolled back or cancelled →
  **failed**, and not retryable: the run waits for an operator's decision
  (DESIGN §3), which the scheduler never takes in their place;
- the executor itself stopped with an error (a lost lease, a full disk, a
  database that did not answer) → **failed**, retryable.

A retryable failure is tried again after a back-off that doubles each time, up
to ``max_failures`` failures and never past the window's end; then, or at once
for a failure that is not retryable, the job goes to the dead-letter list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.run.status import RunStatus, StepStatus
from engine.schedule.errors import RetryPolicyInvalid
from engine.schedule.window import Window, duration_text, time_text

# a scheduled attempt's outcome (not a run's status)
SUCCEEDED = "succeeded"
FAILED = "failed"
WAITING = "waiting"

_WAITING_FOR = {"approval": "an approval", "continue": "an operator to continue to the next stage"}
_NEEDS_OPERATOR = frozenset({RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.ROLLED_BACK, RunStatus.HALTED})


@dataclass(frozen=True)
class RetryPolicy:
    max_failures: int = 3
    backoff: timedelta = timedelta(minutes=2)

    def __post_init__(self) -> None:
        if not 1 <= self.max_failures <= 20:
            raise RetryPolicyInvalid(f"a job may fail 1 to 20 times before it is dead-lettered "
                                     f"(got {self.max_failures})")
        if self.backoff < timedelta(0):
            raise RetryPolicyInvalid("the back-off between attempts cannot be negative")

    def next_attempt_at(self, failures: int, failed_at: datetime) -> datetime:
        """After the ``failures``-th failure: back-off, doubled for each earlier failure."""
        return failed_at + self.backoff * (1 << max(0, failures - 1))


@dataclass(frozen=True)
class RunFacts:
    """The run as the executor left it."""

    status: str
    terminal: bool
    paused: bool = False
    current_title: str = ""
    current_status: str | None = None
    error: str = ""
    waiting_for: str = ""
    reached_until: bool = False
    steps_run: int = 0
    why: str = ""


@dataclass(frozen=True)
class AttemptOutcome:
    status: str  # succeeded | failed | waiting
    text: str
    retryable: bool = False


def judge_run(run: RunFacts, until_title: str | None = None) -> AttemptOutcome:
    steps = f"{run.steps_run} step(s) run"
    if run.status == RunStatus.COMPLETED:
        return AttemptOutcome(SUCCEEDED, f"the run completed ({steps})")
    if run.reached_until:
        return AttemptOutcome(SUCCEEDED, f"reached {until_title or 'the chosen stage'} ({steps}); "
                                         "the rest of the run is left for later")
    if run.terminal:
        return AttemptOutcome(FAILED, f"the run has ended ({run.status}): nothing left to run")
    if run.paused:
        return AttemptOutcome(WAITING, "the run is paused by an operator; the next tick "
                                       "tries again")
    if run.current_status in _NEEDS_OPERATOR or run.status in _NEEDS_OPERATOR:
        error = f": {run.error}" if run.error else ""
        return AttemptOutcome(FAILED, f"{run.current_title or 'the current step'} "
                                      f"{run.current_status or run.status}{error}; an operator "
                                      "must retry or roll back the run, then retry this job")
    if run.current_status == StepStatus.WAITING:
        whom = _WAITING_FOR.get(run.waiting_for, run.waiting_for or "a person")
        return AttemptOutcome(SUCCEEDED, f"{steps}; the run now waits for {whom} at "
                                         f"{run.current_title}")
    return AttemptOutcome(FAILED, f"the executor stopped before the run was done: "
                                  f"{run.why or run.status}", retryable=True)


def judge_error(message: str, *, retryable: bool) -> AttemptOutcome:
    """The executor raised: ``retryable`` for trouble that may pass (a lost lease, I/O)."""
    return AttemptOutcome(FAILED, f"the executor stopped with an error: {message}",
                          retryable=retryable)


@dataclass(frozen=True)
class FailureDecision:
    dead_letter: bool
    reason: str  # why, in full (the dead letter's reason, or when the retry comes)
    retry_at: datetime | None = None
    consequence: str = ""  # what follows, in a few words, for the attempt's last line


def after_failure(policy: RetryPolicy, failures: int, outcome: AttemptOutcome,
                  failed_at: datetime, window: Window) -> FailureDecision:
    """``failures`` counts this one: the failed attempts of the current slot."""
    if not outcome.retryable:
        return FailureDecision(True, outcome.text, consequence="dead-lettered")
    if failures >= policy.max_failures:
        return FailureDecision(True, f"failed {failures} time(s), the most this job may; "
                                     f"last: {outcome.text}",
                               consequence=f"dead-lettered after {failures} failure(s)")
    retry_at = policy.next_attempt_at(failures, failed_at)
    if retry_at >= window.closes_at:
        closes = time_text(window.closes_at)
        return FailureDecision(True, f"failed {failures} time(s) and the window closes at "
                                     f"{closes}, before the next attempt could start; last: "
                                     f"{outcome.text}",
                               consequence=f"dead-lettered: the window closes at {closes}, "
                                           "before a next attempt")
    wait = duration_text(retry_at - failed_at) if retry_at > failed_at else "no wait"
    retry = (f"failed {failures} of {policy.max_failures} time(s); next attempt not before "
             f"{time_text(retry_at)} ({wait})")
    return FailureDecision(False, retry, retry_at, consequence=retry)
