"""Run leases: at most one live executor per run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.run import lease
from models.tables import RunLease


@dataclass(frozen=True)
class LeaseHolder:
    owner: str
    host: str
    pid: int
    heartbeat_at: datetime


def take(session: Session, promotion_id: str, owner: str, host: str, pid: int, now: datetime,
         ttl: timedelta, is_alive: Callable[[int], bool]) -> LeaseHolder | None:
    """Take the lease inside a write transaction. Returns the live holder that prevents
    it, or ``None`` when it is now ours. Whether a holder is alive is
    :mod:`engine.run.lease`'s rule (``is_alive`` is the process check). The lease row
    is read ``FOR UPDATE``, so two executors deciding on one lease take turns; two
    inserting the first row at once meet on its key, and the loser reads the winner."""
    row = _locked(session, promotion_id)
    if row is None:
        try:
            with session.begin_nested():
                session.add(RunLease(promotion_id=promotion_id, owner=owner, host=host, pid=pid,
                                     heartbeat_at=now))
            return None
        except IntegrityError:
            row = _locked(session, promotion_id)
            if row is None:  # inserted and released again meanwhile: only a retry can tell
                raise
    if row.owner != owner:
        holder = lease.Holder(row.host, row.pid, row.heartbeat_at)
        if lease.is_alive(holder, now, ttl, host, is_alive):
            return LeaseHolder(row.owner, row.host, row.pid,
                               lease.as_aware(row.heartbeat_at, now))
    row.owner, row.host, row.pid, row.heartbeat_at = owner, host, pid, now
    return None


def _locked(session: Session, promotion_id: str) -> RunLease | None:
    return session.scalar(select(RunLease).where(RunLease.promotion_id == promotion_id)
                          .with_for_update().execution_options(populate_existing=True))


def renew(session: Session, promotion_id: str, owner: str, now: datetime) -> bool:
    row = _locked(session, promotion_id)
    if row is None or row.owner != owner:
        return False
    row.heartbeat_at = now
    return True


def release(session: Session, promotion_id: str, owner: str) -> None:
    session.execute(delete(RunLease).where(RunLease.promotion_id == promotion_id,
                                           RunLease.owner == owner))


def holder(session: Session, promotion_id: str) -> LeaseHolder | None:
    row = session.get(RunLease, promotion_id)
    return LeaseHolder(row.owner, row.host, row.pid, row.heartbeat_at) if row else None
