"""The GUI's side of the error boundary: failures become Failures with the same sentence
the CLI prints, and exceptions escaping a slot reach the error presenter, not a
traceback."""

from __future__ import annotations

import sqlite3
import sys

from app.qt.errors import Failure, error_hub, install_excepthook


def test_os_and_database_errors_are_told_by_their_cause():
    missing = Failure.from_exception(FileNotFoundError(2, "No such file", "/media/usb/x.tar"))
    assert missing.expected and missing.title == "Not found"
    assert "/media/usb/x.tar: no such file or folder" in missing.message
    full = Failure.from_exception(OSError(28, "No space left on device", "/media/usb/x.tar"))
    assert full.title == "Not allowed now" and "no space left" in full.message
    locked = Failure.from_exception(sqlite3.OperationalError("database is locked"))
    assert "locked" in locked.message and locked.expected


def test_untrusted_text_in_a_failure_is_escaped():
    failure = Failure.from_exception(FileNotFoundError(2, "x", "bad\x1b[2Jname\u202e"))
    assert "\x1b" not in failure.message and "\u202e" not in failure.message
    assert "\\x1b[2J" in failure.message


def test_an_exception_escaping_a_slot_reaches_the_presenter(qtbot, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    install_excepthook()
    seen = []
    error_hub().failed.connect(seen.append)
    try:
        raise PermissionError(13, "Permission denied", "/srv/stella/keys/site.key")
    except PermissionError:
        sys.excepthook(*sys.exc_info())
    assert seen and "permission denied" in seen[-1].message
    assert "Traceback" not in seen[-1].message
