"""A scheduled job's status, and what one scheduler tick should do with it.

The contract, in order::

    scheduled ──claim──▶ running ──▶ succeeded
        ▲  │                │
        │  │                ├──▶ scheduled      (waiting again, or a retryable failure)
        │  │                └──▶ dead-lettered  (failed for good)
        │  └──missed window──▶ dead-lettered
        └──────operator retry──────┘

    scheduled, running, dead-lettered ──operator cancel──▶ cancelled

``succeeded`` and ``cancelled`` are final. Any other change raises
:class:`~engine.schedule.errors.TransitionRefused` saying why.

:func:`decide` is one tick for one job, from plain values: a job not yet in
its window does nothing ("opens at …"); a job whose window closed goes to the
dead-letter list with why it never ran; a due job waits while a blocking
precondition fails or the run cannot move, and otherwise runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.schedule.errors import TransitionRefused
from engine.schedule.preconditions import Evaluation
from engine.schedule.window import DUE, MISSED, WAITING, Window, WindowPhase, time_text

SCHEDULED = "scheduled"
RUNNING = "running"
SUCCEEDED = "succeeded"
DEAD_LETTERED = "dead-lettered"
CANCELLED = "cancelled"
STATUSES = (SCHEDULED, RUNNING, SUCCEEDED, DEAD_LETTERED, CANCELLED)
FINAL = frozenset({SUCCEEDED, CANCELLED})
ACTIVE = frozenset({SCHEDULED, RUNNING, DEAD_LETTERED})

_ALLOWED: dict[str, frozenset[str]] = {
    SCHEDULED: frozenset({RUNNING, DEAD_LETTERED, CANCELLED}),
    RUNNING: frozenset({SCHEDULED, SUCCEEDED, DEAD_LETTERED, CANCELLED}),
    DEAD_LETTERED: frozenset({SCHEDULED, CANCELLED}),
    SUCCEEDED: frozenset(),
    CANCELLED: frozenset(),
}
_WHY = {
    (SCHEDULED, SUCCEEDED): "only a running attempt can succeed",
    (DEAD_LETTERED, RUNNING): "a dead-lettered job runs again only after an operator retries it",
    (DEAD_LETTERED, SUCCEEDED): "a dead-lettered job has not run",
    (DEAD_LETTERED, DEAD_LETTERED): "it is already on the dead-letter list",
    (SCHEDULED, SCHEDULED): "it is already scheduled; only a dead-lettered job is retried",
    (RUNNING, RUNNING): "an attempt is running already: the slot is claimed",
}


def check_transition(current: str, target: str) -> None:
    """Raise :class:`TransitionRefused` unless ``current`` → ``target`` is allowed."""
    if current not in _ALLOWED:
        raise TransitionRefused(current, target, "unknown job status")
    if target in _ALLOWED[current]:
        return
    if current in FINAL:
        why = f"a {current} job is final"
    else:
        why = _WHY.get((current, target), "not in the contract")
    raise TransitionRefused(current, target, why)


# -- one tick --------------------------------------------------------------------------
NOTHING = "nothing"  # not due, or not active: nothing recorded
SKIP = "skip"  # another tick holds the slot: nothing recorded
WAIT = "wait"  # due but blocked: a waiting attempt records why
RUN = "run"  # claim the slot and run the executor
DEAD_LETTER = "dead-letter"  # missed its window


@dataclass(frozen=True)
class JobView:
    schedule_id: str
    status: str
    window: Window
    not_before: datetime | None = None  # back-off after a retryable failure
    running_since: datetime | None = None
    running_owner: str = ""
    last_wait: tuple[str, ...] = ()  # why the latest attempt of this slot waited
    failures: int = 0  # failed attempts of this slot


@dataclass(frozen=True)
class TickDecision:
    action: str
    lines: tuple[str, ...]  # why: stable while nothing changes, so repeated waits coalesce
    phase: str = ""  # where the window stands now (changes every tick)

    @property
    def text(self) -> str:
        return "; ".join(([self.phase] if self.phase else []) + list(self.lines))


def same_reasons(earlier: tuple[str, ...], later: tuple[str, ...]) -> bool:
    """Whether two waits are for the same reasons: the same preconditions with the same
    outcomes (the detail after " — ", such as a feed's age, may have moved on). A tick
    folds such a wait into the previous attempt instead of recording a new one."""
    def key(lines: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(line.split(" — ", 1)[0] for line in lines)
    return key(earlier) == key(later)


def phase_of(job: JobView, now: datetime) -> WindowPhase:
    return job.window.phase(now)


def needs_facts(job: JobView, now: datetime) -> bool:
    """Whether a tick at ``now`` should gather precondition facts for ``job``: only a
    scheduled job inside its window and past any back-off (facts can be costly)."""
    return job.status == SCHEDULED and phase_of(job, now).kind == DUE \
        and (job.not_before is None or now >= job.not_before)


def decide(job: JobView, now: datetime, evaluation: Evaluation | None = None,
           run_blocker: str | None = None) -> TickDecision:
    """What one tick does with ``job``. ``evaluation``: its preconditions now (needed
    when :func:`needs_facts`); ``run_blocker``: why the run cannot move (paused…)."""
    if job.status == RUNNING:
        since = f" since {time_text(job.running_since)}" if job.running_since else ""
        owner = f" by {job.running_owner}" if job.running_owner else ""
        return TickDecision(SKIP, (f"skipped: already claimed — an attempt is running{since}"
                                   f"{owner}",))
    if job.status != SCHEDULED:
        return TickDecision(NOTHING, (f"the job is {job.status}",))
    phase = phase_of(job, now)
    if phase.kind == WAITING:
        return TickDecision(NOTHING, (f"waiting: {phase.text}",))
    if phase.kind == MISSED:
        lines = [f"missed its window {job.window.text()}"]
        if job.failures:
            lines.append(f"{job.failures} attempt(s) failed before it closed")
        if job.last_wait:
            lines.append("it last waited because: " + "; ".join(job.last_wait))
        elif not job.failures:
            lines.append("no scheduler tick ran while the window was open (is the app open, "
                         "or a cron job or timer running `stella scheduler tick`?)")
        return TickDecision(DEAD_LETTER, tuple(lines))
    if job.not_before is not None and now < job.not_before:
        return TickDecision(NOTHING, (f"retrying after a failure: next attempt not before "
                                      f"{time_text(job.not_before)}",))
    if run_blocker:
        return TickDecision(WAIT, (f"blocked: {run_blocker}",), phase.text)
    if evaluation is None:
        raise ValueError("a due job needs its preconditions evaluated before deciding")
    if evaluation.blocked:
        return TickDecision(WAIT, evaluation.lines(), phase.text)
    return TickDecision(RUN, evaluation.lines() or ("no preconditions",), phase.text)
