"""Schedules are law: a scheduled promotion is advanced only by its schedule's slot.

A promotion with an active schedule (scheduled, running under the agent, or
dead-lettered) is left alone by every executor but the scheduler's own; after a
schedule that ran ``until`` a stage succeeded, the run rests there until someone
asks it to go on (a ``run.requested`` event, or ``stella run``). Running a scheduled
promotion at once is an explicit action with a reason
(:func:`app.services.scheduler.run_now`), which cancels the slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import schedule as sched
from engine.clock import parse_rfc3339, rfc3339
from engine.run import events as ev
from engine.run.state import PENDING, RunState
from engine.schedule import job as jobs
from models.tables import Schedule

if TYPE_CHECKING:
    from app.context import Site


@dataclass(frozen=True)
class Hold:
    schedule_id: str
    status: str
    opens_at: str  # RFC 3339
    closes_at: str
    message: str  # what an operator reads when a plain run is refused


def _window(row: Schedule) -> sched.Window:
    return sched.Window(parse_rfc3339(row.window_start), timedelta(seconds=row.window_seconds))


def hold_of(session: Session, promotion_id: str, state: RunState | None = None,
            events: Sequence[ev.Event] = ()) -> Hold | None:
    """Why only a schedule may advance ``promotion_id`` now, or None when it is free."""
    rows = list(session.scalars(select(Schedule).where(Schedule.promotion_id == promotion_id)
                                .order_by(Schedule.created_at.desc(), Schedule.id.desc())))
    active = next((r for r in rows if r.status in jobs.ACTIVE), None)
    if active is not None:
        return _hold(active)
    if state is None:
        return None
    rested = next((r for r in rows if r.status == jobs.SUCCEEDED), None)
    if rested is None or not rested.until_step or rested is not rows[0]:
        return None
    names = [s.name for s in state.steps]
    current = state.current
    if current is None or rested.until_step not in names or current.status != PENDING \
            or names.index(current.name) <= names.index(rested.until_step):
        return None
    asked_since = any(e.type == ev.RUN_REQUESTED and e.at >= rested.updated_at for e in events)
    if asked_since:
        return None
    window = _window(rested)
    return Hold(rested.id, rested.status, window.start, rfc3339(window.closes_at),
                f"{promotion_id} ran until {rested.until_step} as schedule {rested.id} asked and "
                "rests there; start the rest explicitly (Start run, or stella run)")


def _hold(row: Schedule) -> Hold:
    window = _window(row)
    opens = sched.time_text(window.opens_at)
    closes = sched.time_text(window.closes_at)
    if row.status == jobs.RUNNING:
        text = f"{row.promotion_id} is being run by its schedule {row.id} now"
    elif row.status == jobs.DEAD_LETTERED:
        text = (f"{row.promotion_id}'s schedule {row.id} is dead-lettered; retry it "
                f"(stella scheduler retry {row.id}), cancel it, or run it now instead "
                f"(stella schedule run-now {row.id} --reason …)")
    else:
        text = (f"{row.promotion_id} is scheduled for {opens} (window until {closes}); the site "
                f"agent starts it then. To run it now instead: stella schedule run-now {row.id} "
                "--reason …")
    return Hold(row.id, row.status, window.start, rfc3339(window.closes_at), text)


def slots(session: Session) -> dict[str, str]:
    """The slot (RFC 3339) of every promotion whose schedule waits for it."""
    rows = session.execute(select(Schedule.promotion_id, Schedule.window_start)
                           .where(Schedule.status == jobs.SCHEDULED)).all()
    return {promotion_id: start for promotion_id, start in rows}


def schedule_waiting(site: Site, promotion_id: str) -> tuple[str | None, str | None]:
    """:func:`waiting_schedule` in a read transaction of its own (for a screen)."""
    with site.db.read() as session:
        return waiting_schedule(session, promotion_id)


def waiting_schedule(session: Session, promotion_id: str) -> tuple[str | None, str | None]:
    """(id, slot) of the schedule that waits to start ``promotion_id``, or (None, None)."""
    row = session.execute(select(Schedule.id, Schedule.window_start).where(
        Schedule.promotion_id == promotion_id, Schedule.status == jobs.SCHEDULED)).first()
    return (row[0], row[1]) if row else (None, None)
