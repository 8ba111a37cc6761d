"""The error boundary: any exception that reaches the CLI's ``main()`` or a GUI worker
becomes one sentence saying what happened and what to do, with the exit code of
DESIGN §10 (1 rejected, 2 usage, 3 not found, 4 not now).

Errors of our own already speak to people. Operating-system errors are told by
their cause (missing, a folder, permission, read-only, a full disk); database
errors by theirs (damaged, locked, unreachable, an unknown URL); a number or a
nesting beyond range by what was too large. Anything else is a bug: one line that
says so and how to get the traceback (``--debug`` or ``STELLA_DEBUG=1``).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from urllib.parse import unquote

from app.errors import NotFound, NotNow, Rejected, StellaError, UsageError
from engine.text import terminal_safe

DEBUG_ENV = "STELLA_DEBUG"
_CORRUPTION_HINTS = ("malformed", "not a database", "corrupt", "file is encrypted",
                     "database disk image")
_FULL_BELOW = 256 * 1024  # bytes free under which a failed write is blamed on the disk


class InternalError(StellaError):
    """A bug: the product did not expect this. Exit 1, never a traceback unless asked."""

    exit_code = 1


def debug_requested(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    return environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "no", "false", "off")


def explain(exc: BaseException, db_url: str | None = None) -> StellaError:
    """The person-facing error for ``exc``; ``db_url`` lets a damaged SQLite file be
    checked (``PRAGMA quick_check``) before it is called damaged."""
    if isinstance(exc, StellaError):
        return exc
    if isinstance(exc, OSError):
        return _os_error(exc)
    if type(exc).__module__.startswith("sqlalchemy"):
        return _database_error(exc, db_url)
    if isinstance(exc, sqlite3.DatabaseError):
        return _sqlite_error(str(exc), db_url)
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.split(".")[0] in _DRIVERS:
        return _missing_driver(exc.name)
    if isinstance(exc, RecursionError):
        return Rejected("the input is nested too deeply to read (a JSON document or "
                        "structure thousands of levels deep); nothing was changed")
    if isinstance(exc, OverflowError):
        return UsageError(f"a number or date is out of range ({_text(exc)}); give a smaller "
                          "value; nothing was changed")
    if isinstance(exc, UnicodeError):
        return UsageError(f"text that is not valid UTF-8 ({_text(exc)}); give names, ids "
                          "and files as UTF-8; nothing was changed")
    if isinstance(exc, MemoryError):
        return Rejected("the input is too large to handle in memory; nothing was changed")
    return InternalError(f"internal error ({type(exc).__name__}: {_text(exc)}); this is a "
                         "bug: run again with --debug (or STELLA_DEBUG=1) and report the "
                         "traceback")


def _text(exc: BaseException) -> str:
    return terminal_safe(str(exc) or type(exc).__name__)[:300]


def _where(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else ""
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    return terminal_safe(name) if name != "" else "a file"


def _os_error(exc: OSError) -> StellaError:
    where = _where(exc)
    code = exc.errno
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        return NotFound(f"{where}: no such file or folder; check the path")
    if isinstance(exc, IsADirectoryError) or code == errno.EISDIR:
        return UsageError(f"{where} is a folder; give the path of a file")
    if isinstance(exc, NotADirectoryError) or code == errno.ENOTDIR:
        return UsageError(f"{where}: part of this path is a file, not a folder; check the path")
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return Rejected(f"{where}: permission denied; run as a user who may use it, or change "
                        "its owner or mode")
    if code == errno.EROFS:
        return NotNow(f"{where} is on a read-only file system; read commands still work, "
                      "but this one writes: remount it writable or use another --home")
    if code in (errno.ENOSPC, errno.EDQUOT):
        return NotNow(f"no space left on the device holding {where}; nothing was committed: "
                      "free some space and run the command again")
    if code == errno.ENAMETOOLONG:
        return UsageError(f"{where[:80]}…: the path is too long")
    if code == errno.ELOOP:
        return Rejected(f"{where}: too many symbolic links (a link loop?); check the path")
    if code == errno.EEXIST:
        return NotNow(f"{where} already exists; choose another name or remove it first")
    reason = terminal_safe(exc.strerror or str(exc))
    return Rejected(f"{where}: {reason}; check the path and the device")


_DRIVERS = {"psycopg": "psycopg", "psycopg2": "psycopg", "pymysql": "pymysql",
            "MySQLdb": "mysqlclient", "cx_Oracle": "oracledb", "oracledb": "oracledb",
            "pyodbc": "pyodbc", "asyncpg": "asyncpg", "pg8000": "pg8000"}


def _missing_driver(module: str) -> StellaError:
    package = _DRIVERS.get(module.split(".")[0], module)
    return UsageError(f"the database driver {module} for this --db URL is not installed; "
                      f"install it (pip install {package}) or use a sqlite:///PATH URL")


def _database_error(exc: BaseException, db_url: str | None) -> StellaError:
    from sqlalchemy import exc as sa

    url = terminal_safe(_safe_url(db_url)) if db_url else "the database"
    if isinstance(exc, sa.NoSuchModuleError):
        scheme = terminal_safe(str(exc).rpartition(":")[2] or "?")
        return UsageError(f"--db {url}: unknown database kind {scheme!r}; use sqlite:///PATH "
                          "or postgresql+psycopg://USER@HOST/NAME")
    if isinstance(exc, sa.ArgumentError):
        return UsageError(f"--db {url}: not a database URL; use sqlite:///PATH or "
                          "postgresql+psycopg://USER@HOST/NAME")
    if isinstance(exc, sa.DBAPIError) and exc.orig is not None:
        if isinstance(exc.orig, sqlite3.Error):
            return _sqlite_error(str(exc.orig), db_url)
        if isinstance(exc, (sa.OperationalError, sa.InterfaceError)):
            return NotNow(f"cannot reach {url}: {terminal_safe(str(exc.orig)).strip()[:200]}; "
                          "check that the database server runs and the URL is right")
    if isinstance(exc, sa.IntegrityError):
        return NotNow("the change conflicts with one made at the same time (a constraint "
                      "held); nothing was changed: look again and retry")
    if isinstance(exc, sa.OperationalError):
        return NotNow(f"the database {url} cannot be used now: "
                      f"{terminal_safe(str(exc).splitlines()[0])[:200]}")
    return InternalError(f"database error ({type(exc).__name__}: "
                         f"{terminal_safe(str(exc).splitlines()[0] if str(exc) else '')[:200]}); "
                         "run again with --debug and report the traceback")


def _sqlite_error(message: str, db_url: str | None) -> StellaError:
    lowered = message.lower()
    path = sqlite_path(db_url)
    where = terminal_safe(str(path)) if path else "the database"
    if "locked" in lowered or "busy" in lowered:
        return NotNow(f"{where} is locked by another stella process (or a backup) for longer "
                      "than the wait allows; try again when it has finished")
    readonly = "readonly" in lowered or "read-only" in lowered
    if readonly and not (path is not None and device_full(path)):
        return NotNow(f"{where} is read-only; read commands work, but this one writes: "
                      "make the site's home writable (or use a writable copy) and run it again")
    if readonly or "full" in lowered or (path is not None and device_full(path)):
        return NotNow(f"no space left on the device holding {where}; nothing was committed: "
                      "free some space and run the command again")
    if "unable to open" in lowered:
        if path is not None and not path.parent.is_dir():
            return NotFound(f"cannot open the database {where}: its folder does not exist; "
                            "check --db / --home")
        return Rejected(f"cannot open the database {where}; check that it exists and that "
                        "you may read and write it and its folder")
    if "i/o error" in lowered:
        detail = quick_check(path) if path else None
        if detail is not None and "malformed" in detail.lower():
            return damaged(where, detail)
        return NotNow(f"{where} could not be read or written (disk I/O error); nothing was "
                      "committed: check the device, then `stella doctor`")
    if any(hint in lowered for hint in _CORRUPTION_HINTS):
        detail = quick_check(path) if path else None
        if detail != "ok":
            return damaged(where, detail)
    return NotNow(f"the database {where} cannot be used now: {terminal_safe(message)[:200]}")


def device_full(path: Path) -> bool:
    """Less free space than SQLite needs on the device holding ``path``."""
    try:
        info = os.statvfs(path.parent if not path.exists() else path)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < _FULL_BELOW


def damaged(where: str, detail: str | None) -> Rejected:
    found = f" ({terminal_safe(detail)[:160]})" if detail else ""
    return Rejected(f"the database {where} is damaged{found}; nothing was changed: run "
                    "`stella doctor` for the details, then `stella restore BACKUP` from your "
                    "latest `stella backup`")


def quick_check(path: Path) -> str:
    """``PRAGMA quick_check`` of a SQLite file, read-only: "ok" or what it found."""
    from models.readonly import read_only_uri

    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=2)
        try:
            rows = connection.execute("PRAGMA quick_check").fetchall()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return str(exc)
    found = "; ".join(str(row[0]) for row in rows[:3])
    return found or "no answer"


def sqlite_path(db_url: str | None) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL (None for memory or other databases)."""
    if not db_url or not db_url.startswith("sqlite"):
        return None
    _, sep, rest = db_url.partition(":///")
    if not sep or not rest or rest.startswith(":memory:"):
        return None
    return Path(unquote(rest.split("?", 1)[0]))


def _safe_url(url: str) -> str:
    """The URL without its password (shown in messages)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def reject_undecodable(argv: list[str]) -> None:
    """Arguments are UTF-8 text without NUL; bytes that are not (kept by Python as lone
    surrogates) are refused up front rather than failing half-way through a command."""
    for position, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"argument {position} ({terminal_safe(arg)}) is not valid UTF-8; "
                             "give names, ids and paths as UTF-8 text") from None
        if "\x00" in arg:  # no file name, id or text may hold one
            raise UsageError(f"argument {position} ({terminal_safe(arg)}) holds a NUL "
                             "character")
