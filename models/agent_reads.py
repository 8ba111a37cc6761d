"""What the background agent reads on each look: every run's head, every schedule's
state, and a fingerprint of both that changes whenever either does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.tables import RunEvent, Schedule


def run_heads(session: Session) -> dict[str, int]:
    """promotion id -> sequence number of its newest event."""
    return dict(session.execute(select(RunEvent.promotion_id, func.max(RunEvent.seq))
                                .group_by(RunEvent.promotion_id)).all())


def schedule_states(session: Session) -> Sequence[Any]:
    """Rows of (id, promotion_id, status, updated_at, window_start, not_before)."""
    return session.execute(select(Schedule.id, Schedule.promotion_id, Schedule.status,
                                  Schedule.updated_at, Schedule.window_start,
                                  Schedule.not_before)).all()


def change_fingerprint(session: Session) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(event count, newest seq) and (schedule count, newest update): equal only when
    nothing was appended or rescheduled in between."""
    events = session.execute(select(func.count(), func.max(RunEvent.seq))
                             .select_from(RunEvent)).one()
    schedules = session.execute(select(func.count(), func.max(Schedule.updated_at))
                                .select_from(Schedule)).one()
    return tuple(events), tuple(schedules)
