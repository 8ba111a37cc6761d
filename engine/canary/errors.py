"""Errors of canary analysis: one base, subclasses by cause, messages for people."""

from __future__ import annotations


class CanaryError(Exception):
    """Base of every canary-analysis error; ``str(err)`` is the user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MetricsParseError(CanaryError):
    """A Prometheus text exposition that does not follow the format.

    ``line_no`` is 1-based; ``line`` is the offending line (possibly truncated).
    """

    def __init__(self, reason: str, *, line_no: int, line: str) -> None:
        shown = line if len(line) <= 120 else line[:117] + "..."
        super().__init__(f"metrics line {line_no}: {reason}: {shown!r}")
        self.reason = reason
        self.line_no = line_no
        self.line = line


class GateConfigError(CanaryError):
    """A health-gate policy that cannot be used; ``field`` names the setting."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"health gate setting {field!r}: {message}")
        self.field = field


class AnalysisStateError(CanaryError):
    """An observation the analysis cannot accept in its current state."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule
