"""A cheap "did anything change?" for the agent's loop.

SQLite: ``PRAGMA data_version`` on a connection held open for the purpose; its
value changes whenever another connection commits — any process, including this
one's own pooled connections — and asking costs microseconds, so the agent asks
every ``POLL_SECONDS`` and wakes within that of any action. Other databases: a
fingerprint of the tables that actions and schedules write (PostgreSQL's
LISTEN/NOTIFY can replace it later).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from app.context import Site
from models.tables import RunEvent, Schedule

POLL_SECONDS = 0.1


class ChangeSignal:
    def __init__(self, site: Site) -> None:
        self._site = site
        self._sqlite: sqlite3.Connection | None = None
        url = site.config.db_url
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///")).resolve()
            self._sqlite = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True,
                                           check_same_thread=False, isolation_level=None)
        self._probe: Callable[[], object] = (self._data_version if self._sqlite is not None
                                             else self._fingerprint)
        self._last = self._probe()

    def changed(self) -> bool:
        """True once after each change since the previous call."""
        value = self._probe()
        if value == self._last:
            return False
        self._last = value
        return True

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    def _data_version(self) -> object:
        assert self._sqlite is not None
        return self._sqlite.execute("PRAGMA data_version").fetchone()[0]

    def _fingerprint(self) -> object:
        with self._site.db.read() as session:
            events = session.execute(select(func.count(), func.max(RunEvent.seq))
                                     .select_from(RunEvent)).one()
            schedules = session.execute(select(func.count(), func.max(Schedule.updated_at))
                                        .select_from(Schedule)).one()
        return tuple(events), tuple(schedules)
