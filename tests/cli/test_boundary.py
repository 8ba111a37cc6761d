"""Every class of failure the boundary knows, told by its cause with its exit code."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from sqlalchemy import exc as sa

from app.boundary import InternalError, debug_requested, explain, reject_undecodable, sqlite_path
from app.errors import NotFound, NotNow, Rejected, UsageError


@pytest.mark.parametrize(("code", "kind", "says"), [
    (errno.ENOENT, NotFound, "no such file or folder"),
    (errno.EISDIR, UsageError, "is a folder"),
    (errno.ENOTDIR, UsageError, "not a folder"),
    (errno.EACCES, Rejected, "permission denied"),
    (errno.EPERM, Rejected, "permission denied"),
    (errno.EROFS, NotNow, "read-only file system"),
    (errno.ENOSPC, NotNow, "no space left"),
    (errno.EDQUOT, NotNow, "no space left"),
    (errno.ENAMETOOLONG, UsageError, "too long"),
    (errno.ELOOP, Rejected, "symbolic links"),
    (errno.EEXIST, NotNow, "already exists"),
    (errno.EIO, Rejected, "check the path and the device"),
])
def test_os_errors(code, kind, says):
    error = explain(OSError(code, "whatever", "/media/usb/\x1bfile"))
    assert type(error) is kind and says in error.message
    assert "\x1b" not in error.message


def test_database_urls_and_servers():
    unknown = explain(sa.NoSuchModuleError("Can't load plugin: sqlalchemy.dialects:foo"), "foo://bar")
    assert isinstance(unknown, UsageError) and "unknown database kind 'foo'" in unknown.message
    assert isinstance(explain(sa.ArgumentError("Could not parse"), "x"), UsageError)
    refused = sa.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    error = explain(refused, "postgresql+psycopg://u:secret@db.example/x")
    assert isinstance(error, NotNow) and "cannot reach" in error.message
    assert "secret" not in error.message  # the password is never shown
    missing = ModuleNotFoundError("No module named 'psycopg'", name="psycopg")
    assert "pip install psycopg" in explain(missing).message


@pytest.mark.parametrize(("message", "kind", "says"), [
    ("database is locked", NotNow, "locked by another stella process"),
    ("attempt to write a readonly database", NotNow, "read-only"),
    ("database or disk is full", NotNow, "no space left"),
])
def test_sqlite_errors(message, kind, says, tmp_path):
    orig = sqlite3.OperationalError(message)
    error = explain(sa.OperationalError("SELECT 1", {}, orig), f"sqlite:///{tmp_path}/s.db")
    assert type(error) is kind and says in error.message


def test_a_damaged_file_is_checked_before_it_is_called_damaged(tmp_path):
    good = tmp_path / "good.db"
    sqlite3.connect(good).execute("CREATE TABLE t (x)").connection.commit()
    claim = sqlite3.DatabaseError("database disk image is malformed")
    assert "is damaged" not in explain(claim, f"sqlite:///{good}").message  # quick_check ok
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    error = explain(sqlite3.DatabaseError("file is not a database"), f"sqlite:///{bad}")
    assert isinstance(error, Rejected) and "is damaged" in error.message
    assert "stella restore" in error.message


@pytest.mark.parametrize(("exc", "kind", "says"), [
    (RecursionError(), Rejected, "nested too deeply"),
    (OverflowError("int too large"), UsageError, "out of range"),
    (UnicodeEncodeError("utf-8", "\udcff", 0, 1, "surrogates not allowed"), UsageError, "UTF-8"),
    (MemoryError(), Rejected, "too large"),
    (KeyError("boom"), InternalError, "--debug"),
])
def test_everything_else(exc, kind, says):
    error = explain(exc)
    assert type(error) is kind and says in error.message


def test_arguments_are_utf8_without_nul():
    reject_undecodable(["timeline", "P-1", "ü"])
    for bad in ("\udcff", "a\x00b"):
        with pytest.raises(UsageError):
            reject_undecodable(["timeline", bad])


def test_debug_switch_and_sqlite_paths():
    assert debug_requested({"STELLA_DEBUG": "1"}) and not debug_requested({"STELLA_DEBUG": "0"})
    assert not debug_requested({})
    assert str(sqlite_path("sqlite:////srv/s.db")) == "/srv/s.db"
    assert sqlite_path("sqlite://") is None and sqlite_path("postgresql://x/y") is None
