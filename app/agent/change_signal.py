"""A cheap "did anything change?" for the agent's loop.

SQLite: ``PRAGMA data_version`` on a connection held open for the purpose; its
value changes whenever another connection commits — any process, including this
one's own pooled connections — and asking costs microseconds, so the agent asks
every ``POLL_SECONDS`` and wakes within that of any action. PostgreSQL: every write
transaction notifies ``CHANGE_CHANNEL`` on commit (models/db.py), from any workstation;
a connection held open LISTENs, and asking drains what arrived without a query. Other
databases: a fingerprint of the tables that actions and schedules write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.context import Site
from models import agent_reads
from models.db import CHANGE_CHANNEL

if TYPE_CHECKING:  # the driver loads only on PostgreSQL
    import psycopg

POLL_SECONDS = 0.1


class ChangeSignal:
    def __init__(self, site: Site) -> None:
        self._site = site
        self._sqlite: sqlite3.Connection | None = None
        self._listener = None  # psycopg.Connection LISTENing on PostgreSQL
        self._notified = 0
        url = site.config.db_url
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///")).resolve()
            self._sqlite = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True,
                                           check_same_thread=False, isolation_level=None)
            self._probe: Callable[[], object] = self._data_version
        elif site.db.is_postgresql:
            self._listener = listen(site)
            self._probe = self._notifications
        else:
            self._probe = self._fingerprint
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
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _data_version(self) -> object:
        assert self._sqlite is not None
        return self._sqlite.execute("PRAGMA data_version").fetchone()[0]

    def _notifications(self) -> object:
        assert self._listener is not None
        self._notified += sum(1 for _ in self._listener.notifies(timeout=0))
        return self._notified

    def _fingerprint(self) -> object:
        with self._site.db.read() as session:
            return agent_reads.change_fingerprint(session)


def listen(site: Site) -> psycopg.Connection:
    """A connection of its own, outside any transaction, LISTENing for commits."""
    import psycopg

    connection = psycopg.connect(site.db.engine.url.set(drivername="postgresql")
                                 .render_as_string(hide_password=False), autocommit=True)
    connection.execute(f"LISTEN {CHANGE_CHANNEL}")
    return connection
