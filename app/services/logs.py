"""Step logs: what each step printed, in order."""

from __future__ import annotations

from sqlalchemy import select

from app.context import Site
from app.errors import NotFound
from engine.text import terminal_safe
from models.tables import Promotion, StepLog


def step_logs(site: Site, promotion_id: str, step: str | None = None,
              after_id: int = 0) -> list[tuple[str, int, str, str]]:
    query = select(StepLog.step, StepLog.attempt, StepLog.at, StepLog.line).where(
        StepLog.promotion_id == promotion_id, StepLog.id > after_id).order_by(StepLog.id)
    if step:
        query = query.where(StepLog.step == step)
    with site.db.read() as session:
        if after_id == 0 and session.get(Promotion, promotion_id) is None:
            raise NotFound(f"no promotion {terminal_safe(promotion_id)}")
        return [(name, attempt, at, line) for name, attempt, at, line in session.execute(query)]
