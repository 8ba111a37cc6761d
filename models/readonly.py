"""Opening a SQLite site that cannot be written: a read-only home, medium or file.

Read commands must still work there (an auditor's copy on a write-protected disk, a
home mounted read-only for inspection). SQLite is opened with ``mode=ro``; in WAL
mode it also needs the ``-shm`` file, which it cannot create on a read-only file
system, so there, when the ``-wal`` and ``-shm`` files are absent (the last writer
closed cleanly and checkpointed everything), it is opened ``immutable=1`` instead:
nothing else can change a read-only file system underneath it. No journal mode is set and
no migration is tried; a write fails with SQLite's "readonly database", which the
error boundary explains.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url


def sqlite_file(url: str) -> Path | None:
    """The database file of a ``sqlite:///PATH`` URL (None for memory or a server)."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def cannot_write(url: str) -> bool:
    """True when the URL's SQLite file exists and this process may not write it or its
    folder (a read-only file system, or permissions)."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def read_only_engine(url: str, *, no_shm: bool = False) -> Engine:
    """``no_shm``: the ``-shm`` file cannot be made (a full disk) although the file
    system is writable; see :func:`read_only_uri`."""
    path = sqlite_file(url)
    if path is None:
        raise ValueError(f"not a SQLite file URL: {url}")
    uri = read_only_uri(path, no_shm=no_shm)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return create_engine("sqlite://", creator=connect, future=True)


def read_only_uri(path: Path, *, no_shm: bool = False) -> str:
    """A ``file:`` URI (for ``sqlite3.connect(uri, uri=True)``) that reads ``path``
    without writing anything, on a writable or a read-only file system.

    ``no_shm`` (a full disk: SQLite cannot give its ``-shm`` file its size) opens it
    ``immutable=1`` when the ``-wal`` file holds nothing, so the database file alone is
    the whole committed state; a ``-wal`` with frames keeps ``mode=ro`` (it must be read)."""
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    frozen = _read_only_file_system(path) and not (wal.exists() and shm.exists())
    if no_shm and not frozen:
        frozen = not wal.exists() or wal.stat().st_size == 0
    mode = "mode=ro&immutable=1" if frozen else "mode=ro"
    return f"file:{quote(str(path.resolve()))}?{mode}"


def _read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
