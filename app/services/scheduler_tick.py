"""One scheduler tick: run the jobs that are due, exactly once per slot.

``stella scheduler tick`` (a cron job or systemd timer) and the open app call
:func:`tick`; both may run at the same moment, in different processes. For each
active job a tick:

1. reads the job and, when it is due, gathers its precondition facts
   (:mod:`app.services.schedule_facts`) — outside any transaction, since probing
   targets takes time;
2. decides (:func:`engine.schedule.decide`) and acts **in one write
   transaction** on the job as it is then: a wait is recorded (repeated waits
   for the same reasons are folded into one attempt, with the newest detail), a
   missed window moves the job to the dead-letter list, and a run **claims the
   slot** by inserting the slot's next attempt as ``running``. The ``(schedule,
   slot, number)`` key refuses a second insert, and a tick that finds the
   attempt running skips the job and records nothing — so two ticks never both
   run it;
3. runs the promotion's executor (with its own run lease) outside the
   transaction; a lease held by another executor makes the attempt wait for the
   next tick;
4. records the outcome (:func:`engine.schedule.judge_run`): succeeded; waiting;
   or failed — retried after a back-off while the budget and the window allow,
   else dead-lettered.

A running attempt whose process is gone (same host, no such process; or another
host whose run lease has lapsed) is recorded failed by the next tick.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.context import Site
from app.drivers.process import pid_alive
from app.errors import NotNow, StellaError
from app.executor import LEASE_TTL, ExecutionResult, Executor
from app.services import schedule_facts
from app.services.scheduler import (
    dead_letter,
    job_view,
    policy_of,
    preconditions_of,
    slot_attempts,
    window_of,
)
from app.steps.base import StepRegistry
from engine import schedule as sched
from engine.clock import parse_rfc3339, rfc3339
from engine.run import lease
from engine.run.stages import step_title
from engine.schedule import job as jobs
from engine.schedule import policy as outcomes
from models import leases
from models.tables import Promotion, Schedule, ScheduleAttempt

log = logging.getLogger(__name__)

# Runs the executor for (site, promotion, until); the CLI and the app pass the real one.
Runner = Callable[[Site, str, str | None], ExecutionResult]
RECOVERED = "recovered"


@dataclass(frozen=True)
class TickResult:
    schedule_id: str
    promotion_id: str
    action: str  # nothing | skip | wait | run | dead-letter | recovered
    status: str  # the job's status afterwards
    text: str
    attempt: int | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TickReport:
    at: str
    owner: str
    results: tuple[TickResult, ...]

    @property
    def ran(self) -> int:
        return sum(1 for r in self.results if r.action == jobs.RUN)

    @property
    def promotions(self) -> frozenset[str]:
        """Promotions whose job did something (for screens to refresh)."""
        return frozenset(r.promotion_id for r in self.results if r.action != jobs.NOTHING)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "owner": self.owner, "ran": self.ran,
                "results": [r.to_json() for r in self.results]}


def executor_runner(registry: StepRegistry, on_change: Callable[[str], None] | None = None,
                    should_stop: Callable[[], bool] | None = None,
                    should_drain: Callable[[], bool] | None = None) -> Runner:
    """The executor a slot runs: the only one allowed on a scheduled promotion."""
    def run(site: Site, promotion_id: str, until: str | None) -> ExecutionResult:
        notify = (lambda: on_change(promotion_id)) if on_change else None
        return Executor(site, promotion_id, registry, on_change=notify, should_stop=should_stop,
                        should_drain=should_drain, scheduled=True).run(until=until)
    return run


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def active_ids(site: Site) -> list[str]:
    """The jobs a tick looks at, the earliest window first."""
    with site.db.read() as session:
        return list(session.scalars(select(Schedule.id).where(
            Schedule.status.in_([jobs.SCHEDULED, jobs.RUNNING]))
            .order_by(Schedule.window_start, Schedule.id)))


def tick(site: Site, runner: Runner, now: datetime | None = None,
         should_stop: Callable[[], bool] | None = None) -> TickReport:
    """Look at every active job once; run those that are due (module docstring)."""
    now = now or site.clock.now()
    owner = new_owner()
    stop = should_stop or (lambda: False)
    results = []
    for schedule_id in active_ids(site):
        if stop():
            break
        results.extend(_tick_one(site, schedule_id, now, owner, runner))
    return TickReport(site.now(), owner, tuple(results))


def tick_one(site: Site, schedule_id: str, runner: Runner,
             now: datetime | None = None) -> TickReport:
    """One job's tick (the agent ticks each job on a thread of its own, so a long
    scheduled run never delays another job's slot)."""
    owner = new_owner()
    results = _tick_one(site, schedule_id, now or site.clock.now(), owner, runner)
    return TickReport(site.now(), owner, tuple(results))


def _attempt_is_orphaned(site: Site, attempt: ScheduleAttempt, promotion_id: str,
                         now: datetime) -> bool:
    host = socket.gethostname()
    if attempt.host == host:
        return lease.process_gone(attempt.host, attempt.pid, host, pid_alive)
    with site.db.read() as session:
        holder = leases.holder(session, promotion_id)
    started = parse_rfc3339(attempt.started_at)
    if holder is not None and lease.is_alive(
            lease.Holder(holder.host, holder.pid, holder.heartbeat_at), now, LEASE_TTL, host,
            pid_alive):
        return False
    return now - started > 2 * LEASE_TTL


def _recover(site: Site, schedule_id: str, now: datetime) -> TickResult | None:
    """Record a running attempt whose process is gone as failed."""
    with site.db.read() as session:
        row = session.get(Schedule, schedule_id)
        if row is None or row.status != jobs.RUNNING:
            return None
        running = [a for a in slot_attempts(session, row) if a.status == "running"]
        if not running or not _attempt_is_orphaned(site, running[-1], row.promotion_id, now):
            return None
        number = running[-1].number
    outcome = sched.judge_error(f"the scheduler process ({running[-1].owner}) stopped while it "
                                "ran this attempt", retryable=True)
    with site.db.write(site_wide=False) as session:
        row = _locked(session, schedule_id)
        attempt = session.scalar(select(ScheduleAttempt).where(
            ScheduleAttempt.schedule_id == schedule_id, ScheduleAttempt.slot == row.window_start,
            ScheduleAttempt.number == number))
        if row.status != jobs.RUNNING or attempt is None or attempt.status != "running":
            return None
        status = _finish(session, site, row, attempt, outcome, (), None, now)
    return TickResult(schedule_id, row.promotion_id, RECOVERED, status, outcome.text, number)


def _tick_one(site: Site, schedule_id: str, now: datetime, owner: str,
              runner: Runner) -> list[TickResult]:
    results = []
    recovered = _recover(site, schedule_id, now)
    if recovered is not None:
        results.append(recovered)
    with site.db.read() as session:
        row = session.get_one(Schedule, schedule_id)
        view = job_view(session, row)
        promotion_id, until = row.promotion_id, row.until_step
        to_env = session.get_one(Promotion, promotion_id).to_env
        chosen = preconditions_of(row)
    evaluation, blocker = None, None
    if sched.needs_facts(view, now):
        try:
            state = schedule_facts.run_state(site, promotion_id)
            blocker = schedule_facts.run_blocker(site, state, now)
        except StellaError as exc:
            blocker = exc.message
        if blocker is None:
            facts = schedule_facts.gather(site, promotion_id, to_env, chosen)
            evaluation = sched.evaluate(chosen, facts, now)
    try:
        decided = _decide_and_claim(site, schedule_id, now, owner, evaluation, blocker)
    except IntegrityError:  # another tick inserted this slot's attempt first
        results.append(TickResult(schedule_id, promotion_id, jobs.SKIP, jobs.RUNNING,
                                  "skipped: already claimed by another tick"))
        return results
    decision, status, number, slot = decided
    if decision.action != jobs.RUN:
        results.append(TickResult(schedule_id, promotion_id, decision.action, status,
                                  decision.text, number))
        return results
    outcome, run_status = _execute(site, promotion_id, until, runner)
    with site.db.write(site_wide=False) as session:
        row = _locked(session, schedule_id)
        attempt = session.scalars(select(ScheduleAttempt).where(
            ScheduleAttempt.schedule_id == schedule_id, ScheduleAttempt.slot == slot,
            ScheduleAttempt.number == number)).one()  # claimed above
        status = _finish(session, site, row, attempt, outcome, decision.lines, run_status,
                         site.clock.now())
    results.append(TickResult(schedule_id, promotion_id, jobs.RUN, status, outcome.text, number))
    return results


def _decide_and_claim(site: Site, schedule_id: str, now: datetime, owner: str,
                      evaluation: sched.Evaluation | None, blocker: str | None
                      ) -> tuple[sched.TickDecision, str, int | None, str]:
    """Decide on the job as it is now and record it, in one transaction; returns the
    decision, the job's status, the attempt number and the slot."""
    with site.db.write(site_wide=False) as session:
        row = _locked(session, schedule_id)
        view = job_view(session, row)
        slot = row.window_start
        if sched.needs_facts(view, now) and evaluation is None and blocker is None:
            changed = sched.TickDecision(jobs.NOTHING, ("changed while its facts were "
                                                        "gathered; the next tick looks again",))
            return changed, row.status, None, slot
        decision = sched.decide(view, now, evaluation, blocker)
        stamp = site.now()
        attempts = slot_attempts(session, row)
        number = (attempts[-1].number + 1) if attempts else 1
        if decision.action == jobs.DEAD_LETTER:
            dead_letter(session, row, "; ".join(decision.lines), stamp)
            return decision, row.status, None, slot
        if decision.action == jobs.WAIT:
            last = attempts[-1] if attempts else None
            if last is not None and last.status == "waiting" \
                    and jobs.same_reasons(tuple(last.diagnostics), decision.lines):
                last.checked_at, last.checks = stamp, last.checks + 1
                last.diagnostics = list(decision.lines)
                return decision, row.status, last.number, slot
            session.add(_attempt(row, number, "waiting", stamp, owner, decision.lines))
            session.flush()
            return decision, row.status, number, slot
        if decision.action != jobs.RUN:
            return decision, row.status, None, slot
        sched.check_transition(row.status, jobs.RUNNING)
        row.status, row.not_before, row.updated_at = jobs.RUNNING, None, stamp
        session.add(_attempt(row, number, "running", stamp, owner, decision.lines))
        session.flush()  # the claim: a second (schedule, slot, number) is refused here
        return decision, row.status, number, slot


def _locked(session: Session, schedule_id: str) -> Schedule:
    """The job's row, locked until the transaction ends (``FOR UPDATE`` on PostgreSQL):
    ticks from several processes decide on one job in turn, each reading what the one
    before it committed; the ``(schedule, slot, number)`` key backs the claim up."""
    return session.scalars(select(Schedule).where(Schedule.id == schedule_id)
                           .with_for_update().execution_options(populate_existing=True)).one()


def _attempt(row: Schedule, number: int, status: str, stamp: str, owner: str,
             lines: tuple[str, ...]) -> ScheduleAttempt:
    host, pid, _ = owner.rsplit(":", 2)
    return ScheduleAttempt(schedule_id=row.id, slot=row.window_start, number=number,
                           status=status, started_at=stamp, checked_at=stamp, checks=1,
                           owner=owner, host=host, pid=int(pid), diagnostics=list(lines))


def _execute(site: Site, promotion_id: str, until: str | None,
             runner: Runner) -> tuple[sched.AttemptOutcome, str | None]:
    try:
        result = runner(site, promotion_id, until)
    except NotNow as exc:
        return (sched.AttemptOutcome(outcomes.WAITING, f"{exc.message}; the next tick tries "
                                                        "again"), None)
    except StellaError as exc:
        return sched.judge_error(exc.message, retryable=False), None
    except Exception as exc:  # trouble that may pass (I/O, the database): retried
        log.exception("scheduled run of %s stopped with an unexpected error", promotion_id)
        return sched.judge_error(f"{type(exc).__name__}: {exc}", retryable=True), None
    try:
        state = schedule_facts.run_state(site, promotion_id)
    except StellaError as exc:
        return sched.judge_error(exc.message, retryable=False), None
    facts = schedule_facts.run_facts(state, result, until)
    return sched.judge_run(facts, step_title(until) if until else None), state.status


def _finish(session, site: Site, row: Schedule, attempt: ScheduleAttempt,
            outcome: sched.AttemptOutcome, lines: tuple[str, ...], run_status: str | None,
            now: datetime) -> str:
    """Record an attempt's outcome and move the job on (unless cancelled meanwhile)."""
    stamp = site.now()
    attempt.status, attempt.finished_at, attempt.checked_at = outcome.status, stamp, stamp
    attempt.run_status = run_status
    diagnostics = [*lines, outcome.text]
    if row.status != jobs.RUNNING:  # cancelled while it ran: keep the outcome, not the move
        attempt.diagnostics = diagnostics
        return row.status
    if outcome.status == outcomes.SUCCEEDED:
        sched.check_transition(row.status, jobs.SUCCEEDED)
        row.status = jobs.SUCCEEDED
    elif outcome.status == outcomes.WAITING:
        row.status = jobs.SCHEDULED
    else:
        failures = sum(1 for a in slot_attempts(session, row) if a.status == "failed")
        decision = sched.after_failure(policy_of(row), failures, outcome, now, window_of(row))
        if decision.dead_letter:
            dead_letter(session, row, decision.reason, stamp)
        else:
            row.status = jobs.SCHEDULED
            row.not_before = _stamp(decision.retry_at)
        diagnostics[-1] = f"{outcome.text} — {decision.consequence}"
    attempt.diagnostics = diagnostics
    row.updated_at = stamp
    return row.status


def _stamp(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None
