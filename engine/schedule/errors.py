"""Errors of scheduling: one base, subclasses by cause, messages for people."""

from __future__ import annotations


class ScheduleError(Exception):
    """Base of every scheduling error; ``str(err)`` is the user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DurationInvalid(ScheduleError):
    """A duration such as ``2h`` or ``1h30m`` that cannot be read; ``field`` names it."""

    def __init__(self, text: str, *, field: str) -> None:
        super().__init__(f"{field} {text!r} is not a duration like 90m, 2h, 1h30m or 1d")
        self.text = text
        self.field = field


class TimeInvalid(ScheduleError):
    """A start time that is neither RFC 3339, ``YYYY-MM-DD HH:MM`` (UTC), ``now`` nor ``+2h``."""

    def __init__(self, text: str, *, beyond: int | None = None) -> None:
        if beyond is not None:
            super().__init__(f"time {text!r} is more than {beyond} years from now; give a "
                             "start time within that range")
        else:
            super().__init__(f"time {text!r}: give RFC 3339 (2026-02-19T02:00:00Z), "
                             "'YYYY-MM-DD HH:MM' in UTC, 'now' or a delay like '+30m'")
        self.text = text


class WindowInvalid(ScheduleError):
    """A window that is empty, too long, or has no time zone."""


class PreconditionInvalid(ScheduleError):
    """A precondition spec the scheduler does not know; ``spec`` is what was given."""

    def __init__(self, message: str, *, spec: str) -> None:
        super().__init__(f"precondition {spec!r}: {message}")
        self.spec = spec


class RetryPolicyInvalid(ScheduleError):
    """A retry policy with a failure budget or back-off out of range."""


class TransitionRefused(ScheduleError):
    """A job status change the contract of :mod:`engine.schedule.job` does not allow."""

    def __init__(self, current: str, target: str, why: str) -> None:
        super().__init__(f"a {current} job cannot become {target}: {why}")
        self.current = current
        self.target = target
