"""Numbered ids (P-0001, S-0001, rr-001) that two workstations can take at once.

On PostgreSQL each kind of id has a sequence: ``nextval`` never hands one number to
two transactions, whatever else they do, and a transaction that rolls back leaves a
gap (ids are names, not counts). SQLite has one writer at a time (every write
transaction begins IMMEDIATE), so the next number there is one past the rows on
record, read inside that writer's transaction.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models.tables import Promotion, ReplayRequest, Schedule

SEQUENCES = {
    "promotion_numbers": Promotion.id,
    "schedule_numbers": Schedule.id,
    "replay_request_numbers": ReplayRequest.request_id,
}
"""Sequence name -> the id column it numbers (migration 0011 creates them)."""


def next_number(session: Session, sequence: str) -> int:
    if session.get_bind().dialect.name == "postgresql":
        return int(session.scalar(text(f"SELECT nextval('{sequence}')")))
    column = SEQUENCES[sequence]
    return (session.scalar(select(func.count()).select_from(column.table)) or 0) + 1


def move_sequences_past_rows(connection: Connection) -> None:
    """Each id sequence continues after the rows a table holds (a site copied in, or a
    database migrated to the sequences): the next id is never one already taken."""
    for sequence, column in SEQUENCES.items():
        taken = max((_number(value) for value in connection.scalars(select(column))), default=0)
        connection.execute(text("SELECT setval(:s, :n, :called)"),
                           {"s": sequence, "n": max(taken, 1), "called": taken > 0})


def _number(value: str) -> int:
    """The number of an id such as ``P-0042`` (0 for one not made here)."""
    digits = value.rpartition("-")[2]
    return int(digits) if digits.isdigit() else 0
