"""Reading and appending run events with optimistic concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.run import events as ev
from engine.run import payloads
from models import run_summary, tlog_store, txn_memo
from models.tables import Promotion, RunEvent


class HeadMoved(Exception):
    """Another writer appended to the run first; re-read the run and decide again."""

    def __init__(self, promotion_id: str, expected: str, actual: str) -> None:
        super().__init__(
            f"promotion {promotion_id} changed while this action was being decided "
            f"(expected head {expected[:12]}…, found {actual[:12]}…)"
        )
        self.promotion_id = promotion_id


def in_write(session: Session) -> bool:
    """Whether ``session`` is a write transaction (models.db.Database.write)."""
    return bool(session.connection().get_execution_options().get("stella_write"))


def lock_run(session: Session, promotion_id: str) -> None:
    """Lock the promotion's row until the transaction ends (``FOR UPDATE``; a no-op on
    SQLite, whose one writer is alone). A write transaction that reads a run to decide
    what to append locks it first: its read is then the latest, nobody appends to the
    run meanwhile, and every transaction takes the run before the site log's lock,
    never the other way round (no deadlock between them)."""
    session.execute(select(Promotion.id).where(Promotion.id == promotion_id)
                    .with_for_update()).all()


def load_raw(session: Session, promotion_id: str) -> list[tuple[bytes, str]]:
    rows = session.execute(
        select(RunEvent.raw, RunEvent.hash)
        .where(RunEvent.promotion_id == promotion_id)
        .order_by(RunEvent.seq)
    ).all()
    return [(bytes(raw), hash_) for raw, hash_ in rows]


def load_events(session: Session, promotion_id: str) -> list[ev.Event]:
    """Events of a run, verified end to end (raises :class:`engine.run.events.ChainError`)."""
    return ev.verify_chain(load_raw(session, promotion_id))


def head_of(session: Session, promotion_id: str) -> tuple[int, str]:
    row = session.execute(
        select(RunEvent.seq, RunEvent.hash)
        .where(RunEvent.promotion_id == promotion_id)
        .order_by(RunEvent.seq.desc())
        .limit(1)
    ).first()
    return (row.seq + 1, row.hash) if row else (0, ev.GENESIS)


def append(session: Session, promotion_id: str, expected_head: str,
           new_events: Sequence[ev.NewEvent]) -> list[ev.Event]:
    """Append ``new_events`` after ``expected_head`` inside the caller's transaction.

    Raises :class:`HeadMoved` when the run's head is not ``expected_head`` any more —
    the check and the insert are one transaction. The promotion's row is locked first
    (``FOR UPDATE`` on PostgreSQL; SQLite's writer is alone anyway), so appends to one
    run take turns and each reads the head its predecessor committed; the primary key
    on ``(promotion_id, seq)`` refuses a second append at one place even so.
    """
    heads = txn_memo.memo(session).setdefault("run_heads", {})
    known = heads.get(promotion_id)  # this transaction locked and appended to it already
    if known is None:
        lock_run(session, promotion_id)
        seq, head = head_of(session, promotion_id)
    else:
        seq, head = known
    if head != expected_head:
        raise HeadMoved(promotion_id, expected_head, head)
    for new in new_events:  # before anything is written: a payload the fold cannot read
        payloads.check_new(new)  # would leave the run unreadable for good
    before = head
    sealed: list[ev.Event] = []
    rows: list[dict[str, object]] = []
    for new in new_events:
        event = ev.Event.seal(new, seq=seq, prev=head)
        rows.append({"promotion_id": promotion_id, "seq": seq, "type": event.type,
                     "hash": event.hash, "prev_hash": head, "raw": event.raw})
        sealed.append(event)
        seq, head = seq + 1, event.hash
    try:
        session.flush()  # what the caller added (the promotion's row) goes first
        if rows:  # one Core insert, not an ORM object per event
            session.execute(insert(cast(Table, RunEvent.__table__)), rows)
    except IntegrityError:
        raise HeadMoved(promotion_id, expected_head, "a concurrent append") from None
    run_summary.refresh(session, promotion_id, before, sealed)  # same transaction: it cannot lag the chain
    tlog_store.log_events(session, promotion_id, sealed)  # completeness: DESIGN §6
    heads[promotion_id] = (seq, head)
    return sealed
