"""``stella backup FILE`` and ``stella restore FILE`` for a SQLite site.

A backup is taken with SQLite's online backup API, so it is a consistent copy even
while an agent or the GUI writes; it is written beside its destination under a
temporary name, checked (``PRAGMA integrity_check``, the schema revision, the site
row), flushed to disk and only then renamed into place. A restore checks the file
the same way first, refuses while the site's agent runs, keeps the database it
replaces beside it (``stella.db.before-restore-<time>``) and puts the copy in place
atomically. Keys are not in the database: back up the home's ``keys`` folder
separately, as the secrets they are.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.errors import NotFound, NotNow, Rejected, UsageError
from app.site import SiteConfig
from engine.crypto.atomic import fsync_directory
from engine.text import terminal_safe
from models.readonly import read_only_uri, sqlite_file


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str
    revision: str
    previous: Path | None = None  # restore: where the replaced database was kept


def _site_db(config: SiteConfig) -> Path:
    path = sqlite_file(config.db_url)
    if path is None:
        raise UsageError("backup and restore are for SQLite sites; a database server has its "
                         "own backup tools (pg_dump and the like)")
    if not path.is_file():
        raise NotFound(f"no site database at {terminal_safe(path)}: check --home / --db")
    return path


def check_copy(path: Path) -> str:
    """The schema revision of a usable site database file, or Rejected saying why not."""
    shown = terminal_safe(path)
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            found = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
            if found != ["ok"]:
                raise Rejected(f"{shown} is damaged: {terminal_safe('; '.join(found[:3]))}")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            site = connection.execute("SELECT id FROM sites").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise Rejected(f"{shown} is not a usable site database: {terminal_safe(exc)}") from None
    if not revision or site is None:
        raise Rejected(f"{shown} holds no site")
    return str(revision[0])


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(config: SiteConfig, destination: str) -> BackupResult:
    source = _site_db(config)
    target = Path(destination).expanduser()
    if target.is_dir():
        raise UsageError(f"{terminal_safe(target)} is a folder; give the backup file's name")
    if target.exists():
        raise NotNow(f"{terminal_safe(target)} already exists; choose a new name (a backup "
                     "never overwrites one)")
    if not target.parent.is_dir():
        raise NotFound(f"the folder {terminal_safe(target.parent)} does not exist")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                     dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        os.chmod(temp, 0o600)  # who did what, and step logs: owner only
        reader = sqlite3.connect(read_only_uri(source), uri=True, timeout=15)
        writer = sqlite3.connect(temp)
        try:
            reader.backup(writer)
            writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            writer.close()
            reader.close()
        revision = check_copy(temp)
        _fsync(temp)
        os.replace(temp, target)
        fsync_directory(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return BackupResult(target, target.stat().st_size, _digest(target), revision)


def restore(config: SiteConfig, source_file: str, now_text: str) -> BackupResult:
    from app.agent import lock

    current = _site_db(config)
    source = Path(source_file).expanduser()
    if not source.is_file():
        raise NotFound(f"no backup file {terminal_safe(source)}")
    revision = check_copy(source)
    if lock.status(config).running:
        raise NotNow("the site's agent is running: stop it first (stella agent stop), then "
                     "restore")
    stamp = "".join(ch for ch in now_text if ch.isalnum())
    previous = current.with_name(f"{current.name}.before-restore-{stamp}")
    fd, temp_name = tempfile.mkstemp(prefix=f".{current.name}.", suffix=".restoring",
                                     dir=current.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        os.chmod(temp, 0o600)
        shutil.copyfile(source, temp)
        _fsync(temp)
        _keep_previous(current, previous)
        os.replace(temp, current)
        fsync_directory(current.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return BackupResult(current, current.stat().st_size, _digest(current), revision, previous)


def _keep_previous(current: Path, previous: Path) -> None:
    """Move the live database aside with its -wal and -shm (it may be damaged, so it is
    not opened), so the restored copy starts with no stale write-ahead log."""
    os.replace(current, previous)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(current.with_name(current.name + suffix),
                       previous.with_name(previous.name + suffix))
