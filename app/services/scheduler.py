"""Scheduled promotions (seed §14.9): create, list, cancel; the dead-letter list and an
operator's retry. :mod:`app.services.scheduler_tick` runs the jobs that are due.

A schedule runs one promotion — the whole run, or until a stage — inside a window
(``--at`` + ``--window``), once its preconditions hold. Its status follows the
contract of :mod:`engine.schedule.job`; each tick that looks at a due job records
an attempt saying what happened and why. A job that failed for good, or missed its
window, goes to the dead-letter list, which the data health banner counts; an
operator retries it with a reason, which gives it a new window starting now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import NotFound, NotNow, UsageError
from app.services.identity import Identity
from app.services.job_issues import JobIssue
from app.services.promotions import load_run_in
from app.services.roles import OPERATORS, require_role, require_signer
from engine import schedule as sched
from engine.clock import parse_rfc3339, rfc3339
from engine.roster import sign_new_events
from engine.run import events as ev
from engine.run.state import DONE_STATUSES
from engine.schedule import job as jobs
from models import ids, run_store
from models.leases import LeaseHolder
from models.tables import (
    Promotion,
    Release,
    RunLease,
    Schedule,
    ScheduleAttempt,
    ScheduleDeadLetter,
)

DEFAULT_POLICY = sched.RetryPolicy()


def _usage(exc: sched.ScheduleError) -> UsageError:
    return UsageError(exc.message)


# -- values ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AttemptInfo:
    id: int
    schedule_id: str
    slot: str
    number: int
    status: str  # waiting | running | succeeded | failed
    started_at: str
    checked_at: str
    checks: int
    finished_at: str | None
    owner: str
    diagnostics: tuple[str, ...]
    run_status: str | None

    @classmethod
    def of(cls, row: ScheduleAttempt) -> AttemptInfo:
        return cls(row.id, row.schedule_id, row.slot, row.number, row.status, row.started_at,
                   row.checked_at, row.checks, row.finished_at, row.owner,
                   tuple(row.diagnostics or ()), row.run_status)

    @property
    def summary(self) -> str:
        """The line that explains the attempt: what blocked a wait, else how it ended."""
        if self.status == "waiting":
            blocked = next((line for line in self.diagnostics if line.startswith("blocked")),
                           None)
            if blocked is not None:
                return blocked
        return self.diagnostics[-1] if self.diagnostics else ""

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "diagnostics": list(self.diagnostics), "summary": self.summary}


@dataclass(frozen=True)
class DeadLetterInfo:
    id: int
    schedule_id: str
    promotion_id: str
    release: str
    to_env: str
    slot: str
    reason: str
    at: str
    retried_at: str | None
    retried_by: str | None
    retry_reason: str | None
    retry_slot: str | None

    @property
    def open(self) -> bool:
        return self.retried_at is None

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "open": self.open}


@dataclass(frozen=True)
class ScheduleInfo:
    id: str
    promotion_id: str
    release: str  # NAME VERSION
    to_env: str
    until_step: str | None
    window: sched.Window
    preconditions: tuple[sched.Precondition, ...]
    policy: sched.RetryPolicy
    status: str
    not_before: str | None
    created_by: str
    created_at: str
    updated_at: str
    cancelled_by: str | None
    cancel_reason: str | None
    state_text: str  # where it stands, as of the listing's ``now``
    attempts: int
    last_attempt: AttemptInfo | None
    dead_letter: DeadLetterInfo | None  # the open one, when dead-lettered

    @property
    def slot(self) -> sched.Slot:
        return sched.Slot(self.id, self.window)

    @property
    def scope_text(self) -> str:
        return f"until {self.until_step}" if self.until_step else "whole run"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "promotion": self.promotion_id, "release": self.release,
                "to_env": self.to_env, "until": self.until_step, "slot": self.slot.key,
                "window": {"opens_at": self.window.start,
                           "closes_at": rfc3339(self.window.closes_at),
                           "length": sched.duration_text(self.window.length)},
                "preconditions": [p.to_json() for p in self.preconditions],
                "max_failures": self.policy.max_failures,
                "backoff": sched.duration_text(self.policy.backoff) if self.policy.backoff else "0s",
                "status": self.status, "state": self.state_text, "not_before": self.not_before,
                "created_by": self.created_by, "created_at": self.created_at,
                "updated_at": self.updated_at, "cancelled_by": self.cancelled_by,
                "cancel_reason": self.cancel_reason, "attempts": self.attempts,
                "last_attempt": self.last_attempt.to_json() if self.last_attempt else None,
                "dead_letter": self.dead_letter.to_json() if self.dead_letter else None}


# -- reading rows ----------------------------------------------------------------------
def window_of(row: Schedule) -> sched.Window:
    return sched.Window(parse_rfc3339(row.window_start), timedelta(seconds=row.window_seconds))


def preconditions_of(row: Schedule) -> tuple[sched.Precondition, ...]:
    return tuple(sched.Precondition.from_json(p) for p in row.preconditions or ())


def policy_of(row: Schedule) -> sched.RetryPolicy:
    return sched.RetryPolicy(row.max_failures, timedelta(seconds=row.backoff_seconds))


def slot_attempts(session: Session, row: Schedule) -> list[ScheduleAttempt]:
    """The current slot's attempts, oldest first."""
    return list(session.scalars(select(ScheduleAttempt).where(
        ScheduleAttempt.schedule_id == row.id, ScheduleAttempt.slot == row.window_start)
        .order_by(ScheduleAttempt.number)))


def job_view(session: Session, row: Schedule) -> sched.JobView:
    attempts = slot_attempts(session, row)
    running = next((a for a in reversed(attempts) if a.status == "running"), None)
    last = attempts[-1] if attempts else None
    return sched.JobView(
        schedule_id=row.id, status=row.status, window=window_of(row),
        not_before=parse_rfc3339(row.not_before) if row.not_before else None,
        running_since=parse_rfc3339(running.started_at) if running else None,
        running_owner=running.owner if running else "",
        last_wait=tuple(last.diagnostics) if last is not None and last.status == "waiting" else (),
        failures=sum(1 for a in attempts if a.status == "failed"))


def _state_text(session: Session, row: Schedule, last: ScheduleAttempt | None,
                dead: DeadLetterInfo | None, now: datetime) -> str:
    if row.status == jobs.CANCELLED:
        return f"cancelled by {row.cancelled_by}: {row.cancel_reason}"
    if row.status == jobs.DEAD_LETTERED:
        return f"dead-lettered: {dead.reason}" if dead else "dead-lettered"
    if row.status == jobs.SUCCEEDED:
        return "succeeded: " + (last.diagnostics[-1] if last and last.diagnostics else "done")
    if row.status == jobs.RUNNING:
        since = f" since {sched.time_text(parse_rfc3339(last.started_at))}" if last else ""
        return f"running{since}" + (f" (attempt {last.number}, {last.owner})" if last else "")
    decision = sched.decide(job_view(session, row), now, sched.Evaluation(()))
    if decision.action in (jobs.RUN, jobs.WAIT):
        closes = window_of(row).closes_at
        until = closes.strftime("%H:%M UTC") if closes.date() == now.date() \
            else sched.time_text(closes)
        if last is not None and last.status == "waiting" and last.slot == row.window_start:
            return f"due until {until} — {AttemptInfo.of(last).summary}"
        return f"due until {until} — the next tick runs it"
    if decision.action == jobs.DEAD_LETTER:
        return f"missed: the window closed at {sched.time_text(window_of(row).closes_at)}; " \
               "the next tick moves it to the dead-letter list"
    return decision.text


def _dead_letter_info(row: ScheduleDeadLetter, schedule: Schedule, promotion: Promotion,
                      release: Release) -> DeadLetterInfo:
    return DeadLetterInfo(row.id, schedule.id, schedule.promotion_id,
                          f"{release.name} {release.version}", promotion.to_env, row.slot,
                          row.reason, row.at, row.retried_at, row.retried_by, row.retry_reason,
                          row.retry_slot)


def _info(session: Session, row: Schedule, promotion: Promotion, release: Release,
          now: datetime) -> ScheduleInfo:
    last_row = session.scalar(select(ScheduleAttempt).where(ScheduleAttempt.schedule_id == row.id)
                              .order_by(ScheduleAttempt.id.desc()).limit(1))
    count = session.scalar(select(func.count()).select_from(ScheduleAttempt)
                           .where(ScheduleAttempt.schedule_id == row.id)) or 0
    dead_row = session.scalar(select(ScheduleDeadLetter).where(
        ScheduleDeadLetter.schedule_id == row.id, ScheduleDeadLetter.retried_at.is_(None))
        .order_by(ScheduleDeadLetter.id.desc()).limit(1))
    dead = _dead_letter_info(dead_row, row, promotion, release) if dead_row else None
    return ScheduleInfo(
        id=row.id, promotion_id=row.promotion_id, release=f"{release.name} {release.version}",
        to_env=promotion.to_env, until_step=row.until_step, window=window_of(row),
        preconditions=preconditions_of(row), policy=policy_of(row), status=row.status,
        not_before=row.not_before, created_by=row.created_by, created_at=row.created_at,
        updated_at=row.updated_at, cancelled_by=row.cancelled_by, cancel_reason=row.cancel_reason,
        state_text=_state_text(session, row, last_row, dead, now), attempts=count,
        last_attempt=AttemptInfo.of(last_row) if last_row else None, dead_letter=dead)


def _with_context(session: Session):
    return (select(Schedule, Promotion, Release)
            .join(Promotion, Promotion.id == Schedule.promotion_id)
            .join(Release, Release.id == Promotion.release_id))


def list_schedules(site: Site, now: datetime | None = None,
                   statuses: Iterable[str] | None = None) -> list[ScheduleInfo]:
    """Every schedule (or those in ``statuses``), the next window first, ended ones last."""
    now = now or site.clock.now()
    with site.db.read() as session:
        query = _with_context(session)
        if statuses is not None:
            query = query.where(Schedule.status.in_(list(statuses)))
        rows = session.execute(query).all()
        infos = [_info(session, s, p, r, now) for s, p, r in rows]
    ended = (jobs.SUCCEEDED, jobs.CANCELLED)
    return sorted(infos, key=lambda i: (i.status in ended,
                                        i.window.opens_at if i.status not in ended
                                        else -i.window.opens_at.timestamp(), i.id))


def active_schedule_id(site: Site, promotion_id: str) -> str | None:
    """The schedule a promotion already has (scheduled or running), if any."""
    with site.db.read() as session:
        return session.scalar(select(Schedule.id).where(
            Schedule.promotion_id == promotion_id, Schedule.status.in_(sorted(jobs.ACTIVE))))


@dataclass(frozen=True)
class HeldLease:
    """A run lease as the Orchestrator screen lists it."""

    promotion_id: str
    holder: LeaseHolder


def run_leases(site: Site) -> list[HeldLease]:
    """Every run lease held now, by promotion."""
    with site.db.read() as session:
        rows = session.scalars(select(RunLease).order_by(RunLease.promotion_id))
        return [HeldLease(r.promotion_id, LeaseHolder(r.owner, r.host, r.pid, r.heartbeat_at))
                for r in rows]


def get_schedule(site: Site, schedule_id: str, now: datetime | None = None) -> ScheduleInfo:
    now = now or site.clock.now()
    with site.db.read() as session:
        found = session.execute(_with_context(session).where(Schedule.id == schedule_id)).first()
        if found is None:
            raise NotFound(f"no schedule {schedule_id}")
        schedule, promotion, release = found
        return _info(session, schedule, promotion, release, now)


def attempts(site: Site, schedule_id: str | None = None,
             limit: int | None = None) -> list[AttemptInfo]:
    """Attempts, newest first (of one schedule, or of all)."""
    with site.db.read() as session:
        query = select(ScheduleAttempt).order_by(ScheduleAttempt.id.desc())
        if schedule_id is not None:
            if session.get(Schedule, schedule_id) is None:
                raise NotFound(f"no schedule {schedule_id}")
            query = query.where(ScheduleAttempt.schedule_id == schedule_id)
        if limit is not None:
            query = query.limit(limit)
        return [AttemptInfo.of(row) for row in session.scalars(query)]


def dead_letters(site: Site, include_retried: bool = False) -> list[DeadLetterInfo]:
    """The dead-letter list, newest first; retried entries only when asked."""
    with site.db.read() as session:
        query = (select(ScheduleDeadLetter, Schedule, Promotion, Release)
                 .join(Schedule, Schedule.id == ScheduleDeadLetter.schedule_id)
                 .join(Promotion, Promotion.id == Schedule.promotion_id)
                 .join(Release, Release.id == Promotion.release_id)
                 .order_by(ScheduleDeadLetter.id.desc()))
        if not include_retried:
            query = query.where(ScheduleDeadLetter.retried_at.is_(None))
        return [_dead_letter_info(*row) for row in session.execute(query)]


# -- create, cancel, retry -------------------------------------------------------------
def parse_preconditions(requires: Sequence[str | sched.Precondition] = (),
                        warns: Sequence[str | sched.Precondition] = ()
                        ) -> tuple[sched.Precondition, ...]:
    """``--require`` specs are blocking, ``--warn`` specs warn only; one of each kind."""
    chosen: list[sched.Precondition] = []
    try:
        for specs, blocking in ((requires, True), (warns, False)):
            for spec in specs:
                chosen.append(spec if isinstance(spec, sched.Precondition)
                              else sched.Precondition.parse(spec, blocking=blocking))
    except sched.ScheduleError as exc:
        raise _usage(exc) from None
    kinds = [p.kind for p in chosen]
    twice = sorted({k for k in kinds if kinds.count(k) > 1})
    if twice:
        raise UsageError(f"precondition {', '.join(twice)} given more than once")
    return tuple(chosen)


def create_schedule(site: Site, promotion_id: str, *, at: str | datetime,
                    window: str | timedelta, actor: str,
                    requires: Sequence[str | sched.Precondition] = (),
                    warns: Sequence[str | sched.Precondition] = (), until: str | None = None,
                    max_failures: int = DEFAULT_POLICY.max_failures,
                    backoff: timedelta = DEFAULT_POLICY.backoff) -> ScheduleInfo:
    """Schedule ``promotion_id`` (whole run, or ``until`` a stage) in a window."""
    now = site.clock.now()
    try:
        policy = sched.RetryPolicy(max_failures, backoff)
        opens = at if isinstance(at, datetime) else sched.parse_time(at, now)
        length = window if isinstance(window, timedelta) else sched.parse_duration(
            window, field="window")
        chosen_window = sched.Window(opens, length)
    except sched.ScheduleError as exc:
        raise _usage(exc) from None
    if chosen_window.closes_at <= now:
        raise UsageError(f"the window {chosen_window.text()} has already closed "
                         f"(it is {sched.time_text(now)})")
    chosen = parse_preconditions(requires, warns)
    with site.db.write() as session:
        require_role(session, actor, OPERATORS, "schedule a promotion")
        _, state = load_run_in(session, promotion_id)
        if state.terminal:
            raise NotNow(f"{promotion_id} has ended ({state.status}); there is nothing to schedule")
        if until is not None:
            names = [s.name for s in state.steps]
            if until not in names:
                raise UsageError(f"--until {until}: {promotion_id} has no such stage; its stages "
                                 f"are {', '.join(names)}")
            if state.step(until).status in DONE_STATUSES:
                raise NotNow(f"{promotion_id} is already past {state.step(until).title}")
        active = session.scalar(select(Schedule.id).where(
            Schedule.promotion_id == promotion_id, Schedule.status.in_(sorted(jobs.ACTIVE))))
        if active is not None:
            raise NotNow(f"{promotion_id} already has schedule {active}; cancel it first")
        number = ids.next_number(session, "schedule_numbers")
        schedule_id = f"S-{number:04d}"
        stamp = site.now()
        session.add(Schedule(
            id=schedule_id, promotion_id=promotion_id, until_step=until,
            window_start=chosen_window.start, window_seconds=int(length.total_seconds()),
            preconditions=[p.to_json() for p in chosen], max_failures=policy.max_failures,
            backoff_seconds=int(policy.backoff.total_seconds()), status=jobs.SCHEDULED,
            created_by=actor, created_at=stamp, updated_at=stamp))
        try:
            session.flush()
        except IntegrityError:
            raise NotNow("another schedule was created at the same moment; try again") from None
    return get_schedule(site, schedule_id, now)


def _locked(session: Session, schedule_id: str) -> Schedule:
    row = session.get(Schedule, schedule_id)
    if row is None:
        raise NotFound(f"no schedule {schedule_id}")
    return row


def _transition(row: Schedule, target: str) -> None:
    try:
        sched.check_transition(row.status, target)
    except sched.TransitionRefused as exc:
        raise NotNow(f"{row.id}: {exc.message}") from None


def _reason(reason: str | None, doing: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise UsageError(f"a reason is required to {doing}")
    return cleaned


def cancel_schedule(site: Site, schedule_id: str, actor: str, reason: str) -> ScheduleInfo:
    """No further attempts; an attempt running now finishes, and its outcome is recorded."""
    why = _reason(reason, "cancel a schedule")
    with site.db.write() as session:
        require_role(session, actor, OPERATORS, "cancel a schedule")
        row = _locked(session, schedule_id)
        _transition(row, jobs.CANCELLED)
        row.status, row.cancelled_by, row.cancel_reason = jobs.CANCELLED, actor, why
        row.updated_at = site.now()
        for dead in session.scalars(select(ScheduleDeadLetter).where(
                ScheduleDeadLetter.schedule_id == schedule_id,
                ScheduleDeadLetter.retried_at.is_(None))):
            dead.retried_at, dead.retried_by = row.updated_at, actor
            dead.retry_reason = f"cancelled instead: {why}"
    return get_schedule(site, schedule_id)


def run_now(site: Site, schedule_id: str, who: Identity, reason: str) -> ScheduleInfo:
    """Run a scheduled promotion at once instead of at its slot: the slot is cancelled
    and a ``run.requested`` event with the reason, signed by ``who`` (authenticated),
    goes on the run's chain, in one transaction; the site agent then starts it
    (schedules are law otherwise)."""
    why = _reason(reason, "run a scheduled promotion now instead of at its slot")
    actor = who.name
    with site.db.write() as session:
        stamp = site.now()
        require_signer(session, who, OPERATORS, "run a scheduled promotion now", stamp)
        row = _locked(session, schedule_id)
        if row.status == jobs.RUNNING:
            raise NotNow(f"{schedule_id} is running its promotion now")
        if row.status not in (jobs.SCHEDULED, jobs.DEAD_LETTERED):
            raise NotNow(f"{schedule_id} is {row.status}: there is no slot to run now instead")
        events, state = load_run_in(session, row.promotion_id)
        if state.terminal:
            raise NotNow(f"{row.promotion_id} has ended ({state.status})")
        slot = sched.time_text(window_of(row).opens_at)
        _transition(row, jobs.CANCELLED)
        row.status, row.cancelled_by, row.updated_at = jobs.CANCELLED, actor, stamp
        row.cancel_reason = f"run now instead of at {slot}: {why}"
        for dead in session.scalars(select(ScheduleDeadLetter).where(
                ScheduleDeadLetter.schedule_id == schedule_id,
                ScheduleDeadLetter.retried_at.is_(None))):
            dead.retried_at, dead.retried_by = stamp, actor
            dead.retry_reason = f"run now instead: {why}"
        event = ev.NewEvent(ev.RUN_REQUESTED, actor=actor, at=stamp, reason=why,
                            data={"schedule": schedule_id, "instead_of": row.window_start,
                                  "until": row.until_step})
        signed = sign_new_events(row.promotion_id, len(events), state.head, [event], who.signer)
        try:
            run_store.append(session, row.promotion_id, state.head, signed)
        except run_store.HeadMoved as exc:
            raise NotNow(str(exc)) from None
    return get_schedule(site, schedule_id)


def retry_dead_letter(site: Site, schedule_id: str, actor: str, reason: str,
                      at: datetime | None = None) -> ScheduleInfo:
    """Put a dead-lettered job back: a new window of the same length opening at ``at``
    (default now), so a new slot with its own attempts and failure budget."""
    why = _reason(reason, "retry a dead-lettered job")
    now = site.clock.now()
    with site.db.write() as session:
        require_role(session, actor, OPERATORS, "retry a dead-lettered job")
        row = _locked(session, schedule_id)
        _transition(row, jobs.SCHEDULED)
        old = window_of(row)
        opens = max(at or now, now)
        if opens <= old.opens_at:
            opens = old.opens_at + timedelta(seconds=1)
        new_window = sched.Window(opens, old.length)
        stamp = site.now()
        for dead in session.scalars(select(ScheduleDeadLetter).where(
                ScheduleDeadLetter.schedule_id == schedule_id,
                ScheduleDeadLetter.retried_at.is_(None))):
            dead.retried_at, dead.retried_by, dead.retry_reason = stamp, actor, why
            dead.retry_slot = new_window.start
        row.status, row.window_start, row.not_before = jobs.SCHEDULED, new_window.start, None
        row.updated_at = stamp
    return get_schedule(site, schedule_id, now)


def dead_letter(session: Session, row: Schedule, reason: str, at: str) -> None:
    """Move ``row`` to the dead-letter list (inside the caller's transaction)."""
    _transition(row, jobs.DEAD_LETTERED)
    row.status, row.updated_at, row.not_before = jobs.DEAD_LETTERED, at, None
    session.add(ScheduleDeadLetter(schedule_id=row.id, slot=row.window_start, reason=reason,
                                   at=at))


# -- data health -----------------------------------------------------------------------
class SchedulerJobs:
    """Dead-lettered jobs, and jobs whose latest attempt failed and will be retried, for
    the data health banner (one of :func:`app.services.health.job_sources`)."""

    name = "scheduler"

    def failed_jobs(self, site: Site) -> list[JobIssue]:
        issues = [JobIssue(self.name, d.schedule_id, f"scheduled run of {d.promotion_id}",
                           "dead-lettered", d.reason) for d in dead_letters(site)]
        with site.db.read() as session:
            for row in session.scalars(select(Schedule).where(
                    Schedule.status == jobs.SCHEDULED).order_by(Schedule.id)):
                attempts_ = slot_attempts(session, row)
                if attempts_ and attempts_[-1].status == "failed":
                    last = attempts_[-1]
                    issues.append(JobIssue(self.name, row.id, f"scheduled run of "
                                           f"{row.promotion_id}", "failed",
                                           AttemptInfo.of(last).summary or "failed"))
        return sorted(issues, key=lambda j: (j.subject, j.job))

