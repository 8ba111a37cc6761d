"""Reading and appending site roster records (engine/roster) with optimistic concurrency."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.roster import RosterRecord
from models.tables import RosterRecordRow


class RosterMoved(Exception):
    """Another admin changed the roster first; read it again and decide again."""


def load_raw(session: Session) -> list[bytes]:
    rows = session.scalars(select(RosterRecordRow.raw).order_by(RosterRecordRow.seq))
    return [bytes(raw) for raw in rows]


def append(session: Session, records: Sequence[RosterRecord]) -> None:
    """Insert verified records inside the caller's transaction; the primary key on
    ``seq`` makes a concurrent append of the same position fail."""
    for record in records:
        session.add(RosterRecordRow(seq=record.seq, hash=record.hash, kind=record.kind,
                                    at=record.at, by=record.by, raw=record.raw))
    try:
        session.flush()
    except IntegrityError:
        raise RosterMoved("the site roster changed while this change was being decided; "
                          "try again") from None
