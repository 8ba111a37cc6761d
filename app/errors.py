"""Errors that reach people. The CLI maps them to exit codes (DESIGN §10); the GUI
shows the same message. Never a traceback for these."""

from __future__ import annotations


class StellaError(Exception):
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Rejected(StellaError):
    """Verification failed or input refused."""

    exit_code = 1


class UsageError(StellaError):
    exit_code = 2


class NotFound(StellaError):
    exit_code = 3


class NotNow(StellaError):
    """The state does not allow that action now (a guard, a lease, a concurrent change)."""

    exit_code = 4
