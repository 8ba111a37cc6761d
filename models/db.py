"""Database setup: SQLite (WAL) in the site home by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.readonly import read_only_engine

SQLITE_BUSY_TIMEOUT_MS = 15_000

WRITE_LOCK_KEY = 0x5354454C4C41  # "STELLA": the site-wide writer lock on PostgreSQL
CHANGE_CHANNEL = "stella_site_changed"
"""PostgreSQL channel every write transaction notifies on commit (app/agent/change_signal)."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Database:
    """One engine per process; sessions are short and never cross threads."""

    def __init__(self, url: str, *, read_only: bool = False, no_shm: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.is_postgresql = url.startswith("postgresql")
        self.read_only = read_only and self.is_sqlite  # see models/readonly.py
        if self.is_sqlite and not self.read_only:
            make_private(url)
        self.engine: Engine = read_only_engine(url, no_shm=no_shm) if self.read_only \
            else create_engine(url, future=True)
        if self.is_sqlite:
            _configure_sqlite(self.engine, read_only=self.read_only)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_info: dict[str, object] = {}
        """Put into every write session's ``info`` (e.g. the site log's writer)."""

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self, *, site_wide: bool = True) -> Iterator[Session]:
        """One write transaction. SQLite has one writer at a time (BEGIN IMMEDIATE).

        On PostgreSQL, ``site_wide`` takes the site-wide write lock (a transaction-scoped
        advisory lock) up front, for writes whose rules were written for one writer
        (the roster, trust, imports, settings). Run traffic passes ``site_wide=False``:
        its rules hold with many writers by keys and row locks of their own - the
        promotion row and the ``(promotion, seq)`` key for appends, the lease row,
        the ``(schedule, slot, number)`` key for slots, sequences for ids, and the
        site row for the transparency log's next index (DESIGN §12). Reads never wait."""
        connection = self.engine.connect().execution_options(stella_write=True)
        try:
            with Session(bind=connection, expire_on_commit=False) as session:
                session.info.update(self.write_info)
                with session.begin():
                    if self.is_postgresql and site_wide:
                        session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                        {"key": WRITE_LOCK_KEY})
                    yield session
                    if self.is_postgresql:  # delivered on commit only, to every listener
                        session.execute(text(f"NOTIFY {CHANGE_CHANNEL}"))
        finally:
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()


DB_FILE_MODE = 0o600


def make_private(url: str) -> None:
    """The database holds step logs and who did what: owner-only, whatever the umask.
    A new file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm
    files the mode of the database file); an existing one, and its -wal and -shm,
    are tightened. A file owned by someone else is left as it is."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will say the folder is missing
    with contextlib.suppress(OSError):  # exists already, or a read-only medium: SQLite says
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DB_FILE_MODE))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            if file.stat().st_mode & 0o077:
                os.chmod(file, DB_FILE_MODE)


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not read_only:  # setting the journal mode writes the file header
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get("stella_write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
