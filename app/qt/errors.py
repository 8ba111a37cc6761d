"""Failures as plain values, and the one hub every screen reports them to.

A worker never hands an exception object to the GUI thread: it hands a
:class:`Failure` carrying the message a person should read. Errors of our own
(:class:`app.errors.StellaError`) speak for themselves; anything else is a bug, so
its traceback goes to the log and the person sees one line saying so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from app.boundary import InternalError, explain
from app.errors import StellaError
from engine.text import terminal_safe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    message: str
    title: str
    error_type: str
    expected: bool

    @classmethod
    def from_exception(cls, exc: BaseException) -> Failure:
        """Build the user-facing value; log the traceback of unexpected errors."""
        kind = type(exc).__name__
        if isinstance(exc, StellaError):
            return cls(message=terminal_safe(exc.message), title=_title(exc), error_type=kind,
                       expected=True)
        explained = explain(exc)  # OS and database errors told by their cause
        if not isinstance(explained, InternalError):
            log.warning("%s: %s", kind, explained.message)
            return cls(message=explained.message, title=_title(explained),
                       error_type=type(explained).__name__, expected=True)
        log.error("unexpected error in a background task", exc_info=exc)
        text = terminal_safe(str(exc) or kind)
        return cls(message=f"Unexpected error ({kind}): {text}. The details are in the log.",
                   title="Unexpected error", error_type=kind, expected=False)


def _title(exc: StellaError) -> str:
    names = {"NotNow": "Not allowed now", "NotFound": "Not found", "UsageError": "Invalid input",
             "Rejected": "Refused"}
    for klass in type(exc).__mro__:
        if klass.__name__ in names:
            return names[klass.__name__]
    return "Error"


class ErrorHub(QObject):
    """Where failures go when the caller did not handle them; a presenter listens."""

    failed = Signal(object)  # Failure

    def report(self, failure: Failure) -> None:
        log.warning("%s: %s", failure.title, failure.message)
        self.failed.emit(failure)


_hub: ErrorHub | None = None


def error_hub() -> ErrorHub:
    """The process-wide hub (created on first use, in the GUI thread)."""
    global _hub
    if _hub is None:
        _hub = ErrorHub()
    return _hub


def install_excepthook() -> None:
    """The GUI's error boundary for exceptions raised in slots and event handlers (which
    Qt would otherwise print as a traceback and forget): each becomes a Failure shown
    by the error presenter; the traceback goes to the log, and to stderr only with
    STELLA_DEBUG=1."""
    import sys
    import traceback

    from app.boundary import debug_requested

    def hook(kind, exc, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        if debug_requested():
            traceback.print_exception(kind, exc, tb, file=sys.stderr)
        error_hub().report(Failure.from_exception(exc))

    sys.excepthook = hook
