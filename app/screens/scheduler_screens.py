"""What the scheduling screens show, each loaded in one call (in a worker) as values:
the Schedule Promotion dialog's form, Operations → Scheduler Runs / Dead Letter, and
Operations → Orchestrator (the executors holding run leases, and the queued jobs)."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.context import Site
from app.drivers.process import pid_alive
from app.errors import NotFound, UsageError
from app.executor import LEASE_TTL
from app.services import promotions, schedule_facts, scheduler
from app.services.scheduler import AttemptInfo, DeadLetterInfo, ScheduleInfo
from engine import schedule as sched
from engine.clock import rfc3339
from engine.run import lease
from engine.run.state import DONE_STATUSES
from engine.schedule import job as jobs

ATTEMPTS_SHOWN = 500


@dataclass(frozen=True)
class StageChoice:
    name: str
    title: str


@dataclass(frozen=True)
class ScheduleForm:
    """The dialog's pre-filled facts about the promotion."""

    promotion_id: str
    label: str  # "platform 1.3.0-rc1 → eu-prod"
    status: str
    current_title: str
    stages: tuple[StageChoice, ...]  # stages not done yet: where a job may stop
    active_schedule: str | None  # a schedule the promotion already has
    ended: bool
    schedule: ScheduleInfo | None = None  # that schedule, shown instead of a new form


def schedule_form(site: Site, promotion_id: str) -> ScheduleForm:
    _, state = promotions.load_run(site, promotion_id)
    active = scheduler.active_schedule_id(site, promotion_id)
    release = state.release
    label = f"{release['name']} {release['version']} → {state.to_env}" + \
        (f" (from {state.from_env})" if state.from_env else "")
    stages = tuple(StageChoice(s.name, s.title) for s in state.steps
                   if s.status not in DONE_STATUSES)
    current = state.current
    return ScheduleForm(promotion_id, label, state.status, current.title if current else "",
                        stages, active, state.terminal,
                        scheduler.get_schedule(site, active) if active else None)


def failing_now(site: Site, promotion_id: str, requires: Sequence[str],
                warns: Sequence[str] = ()) -> tuple[str, ...]:
    """The blocking preconditions that already fail now, each as the line an attempt
    would record (the Schedule dialog warns before the slot rather than at it)."""
    try:
        chosen = [p for p in scheduler.parse_preconditions(requires, warns) if p.blocking]
    except UsageError:
        return ()  # the form shows that error when it is submitted
    if not chosen:
        return ()
    _, state = promotions.load_run(site, promotion_id)
    facts = schedule_facts.gather(site, promotion_id, state.to_env, chosen)
    return tuple(check.line for check in sched.evaluate(chosen, facts, site.clock.now()).blockers)


@dataclass(frozen=True)
class RunsScreen:
    schedules: tuple[ScheduleInfo, ...]
    attempts: tuple[AttemptInfo, ...]  # newest first, of every schedule
    dead_letters: tuple[DeadLetterInfo, ...]  # open and retried, newest first
    at: str

    def attempts_of(self, schedule_id: str) -> tuple[AttemptInfo, ...]:
        return tuple(a for a in self.attempts if a.schedule_id == schedule_id)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for info in self.schedules:
            counts[info.status] = counts.get(info.status, 0) + 1
        return counts


def runs_screen(site: Site, now: datetime | None = None) -> RunsScreen:
    now = now or site.clock.now()
    return RunsScreen(tuple(scheduler.list_schedules(site, now)),
                      tuple(scheduler.attempts(site, limit=ATTEMPTS_SHOWN)),
                      tuple(scheduler.dead_letters(site, include_retried=True)), rfc3339(now))


@dataclass(frozen=True)
class LeaseView:
    """An executor advancing a run now (or one that stopped without letting go)."""

    promotion_id: str
    release: str
    to_env: str
    step: str
    owner: str
    host: str
    pid: int
    heartbeat_at: str
    heartbeat_age_seconds: float
    state: str  # live | stale | gone
    this_process: bool
    schedule_id: str | None  # the scheduled job running it, if any


@dataclass(frozen=True)
class OrchestratorScreen:
    leases: tuple[LeaseView, ...]
    queued: tuple[ScheduleInfo, ...]  # scheduled or running jobs, the next window first
    at: str


def orchestrator_screen(site: Site, now: datetime | None = None) -> OrchestratorScreen:
    now = now or site.clock.now()
    host, pid = socket.gethostname(), os.getpid()
    queued = tuple(scheduler.list_schedules(site, now,
                                            statuses=(jobs.SCHEDULED, jobs.RUNNING)))
    running_jobs = {q.promotion_id: q.id for q in queued if q.status == jobs.RUNNING}
    summaries = {p.id: p for p in promotions.list_promotions(site)}
    leases = []
    for held in scheduler.run_leases(site):
        row = held.holder
        beat = lease.as_aware(row.heartbeat_at, now)
        age = max(0.0, (now - beat).total_seconds())
        state = lease.liveness(lease.Holder(row.host, row.pid, beat), now, LEASE_TTL, host,
                               pid_alive)
        summary = summaries.get(held.promotion_id)
        if summary is None:
            raise NotFound(f"a run lease names promotion {held.promotion_id}, which does not exist")
        leases.append(LeaseView(
            held.promotion_id, f"{summary.release_name} {summary.release_version}",
            summary.to_env, summary.current_title or "—", row.owner, row.host, row.pid,
            rfc3339(beat), age, state, row.host == host and row.pid == pid,
            running_jobs.get(held.promotion_id)))
    return OrchestratorScreen(tuple(leases), queued, rfc3339(now))
