"""Errors of the policy gate: one base, subclasses by cause, messages for people.

A rule whose condition *fails while evaluating* is not an exception: it is an
``error`` outcome in the verdict (and blocks). These exceptions are for input
that cannot be used at all — a policy that does not parse, gate inputs that
contradict each other, a verdict document that is not one.
"""

from __future__ import annotations

from typing import ClassVar


class PolicyError(Exception):
    """Base of every error raised by :mod:`engine.policy`."""

    rule: ClassVar[str] = "policy"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyFormatError(PolicyError):
    """A policy document that is not valid; ``field`` names where."""

    rule = "policy-format"

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"policy {field}: {reason}" if field else f"policy: {reason}")
        self.reason = reason
        self.field = field


class RuleCompileError(PolicyFormatError):
    """A rule expression that is not valid CEL; ``policy_rule`` is the rule id."""

    rule = "policy-rule-compile"

    def __init__(self, reason: str, *, rule: str, field: str) -> None:
        super().__init__(f"does not compile: {reason}", field=f"rule {rule!r} {field}")
        self.policy_rule = rule
        self.expression_field = field


class GateInputError(PolicyError):
    """Gate inputs that cannot be evaluated (e.g. a naive time); ``field`` names which."""

    rule = "gate-input"

    def __init__(self, reason: str, *, field: str) -> None:
        super().__init__(f"gate input {field}: {reason}")
        self.reason = reason
        self.field = field


class VerdictFormatError(PolicyError):
    """A recorded verdict document that is malformed or whose digest does not hold."""

    rule = "verdict-format"
