"""Run leases: at most one live executor per run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models.tables import RunLease


@dataclass(frozen=True)
class LeaseHolder:
    owner: str
    host: str
    pid: int
    heartbeat_at: datetime


def take(session: Session, promotion_id: str, owner: str, host: str, pid: int, now: datetime,
         ttl: timedelta, is_alive) -> LeaseHolder | None:  # noqa: ANN001 (callable)
    """Take the lease inside a write transaction. Returns the live holder that prevents
    it, or ``None`` when it is now ours. A holder is dead when its heartbeat is older
    than ``ttl`` or, on this host, when its process no longer exists."""
    row = session.get(RunLease, promotion_id)
    if row is not None and row.owner != owner:
        heartbeat = row.heartbeat_at if row.heartbeat_at.tzinfo else row.heartbeat_at.replace(tzinfo=now.tzinfo)
        fresh = now - heartbeat < ttl
        alive = fresh and (row.host != host or is_alive(row.pid))
        if alive:
            return LeaseHolder(row.owner, row.host, row.pid, heartbeat)
    if row is None:
        session.add(RunLease(promotion_id=promotion_id, owner=owner, host=host, pid=pid,
                             heartbeat_at=now))
    else:
        row.owner, row.host, row.pid, row.heartbeat_at = owner, host, pid, now
    return None


def renew(session: Session, promotion_id: str, owner: str, now: datetime) -> bool:
    row = session.get(RunLease, promotion_id)
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
