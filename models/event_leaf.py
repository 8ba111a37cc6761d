"""Run events as entries of the site transparency log (models/tlog_store.py)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.tables import Base


class EventLeaf(Base):
    """A run event as an entry of the site log, written with the event: the log then
    knows every run's full length even if rows are deleted from ``run_events``."""

    __tablename__ = "tlog_event_leaves"

    log_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    promotion_id: Mapped[str] = mapped_column(String(40), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    event_hash: Mapped[str] = mapped_column(String(64))
