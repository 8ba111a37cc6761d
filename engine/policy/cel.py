"""CEL (Common Expression Language) through cel-python: compile once, evaluate safely.

Expressions are compiled when a policy is parsed; a syntax error is a
:class:`~engine.policy.errors.RuleCompileError` naming the rule. Evaluation
returns a :class:`CelOutcome` instead of raising: a value, or an error message
that is short and deterministic (no memory addresses, no dump of the
activation), because that message is part of a verdict and of its digest.

One correction to cel-python is installed on import. Its ``||`` / ``&&``
(also used by ``exists()``, ``all()`` and ``in``), given two non-boolean
operands, raise a ``TypeError`` whose text embeds the ``repr`` of both; inside
``list.exists(x, …)`` where every element errors, each step nests — and
re-escapes — the previous message, so the text doubles per element and a
300-element list never finishes. The replacements behave identically except
that this message is bounded. Only the error path changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import celpy
from celpy import celtypes, evaluation

from engine.policy.errors import RuleCompileError

_MAX_MESSAGE = 200
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _bounded_or(x: Any, y: Any) -> Any:
    if not isinstance(x, celtypes.BoolType) and not isinstance(y, celtypes.BoolType):
        raise TypeError(f"no such overload: {type(x).__name__} || {type(y).__name__}")
    return _ORIGINAL_OR(x, y)


def _bounded_and(x: Any, y: Any) -> Any:
    if not isinstance(x, celtypes.BoolType) and not isinstance(y, celtypes.BoolType):
        raise TypeError(f"no such overload: {type(x).__name__} && {type(y).__name__}")
    return _ORIGINAL_AND(x, y)


_ORIGINAL_OR = getattr(celtypes.logical_or, "__wrapped_original__", celtypes.logical_or)
_ORIGINAL_AND = getattr(celtypes.logical_and, "__wrapped_original__", celtypes.logical_and)
_bounded_or.__wrapped_original__ = _ORIGINAL_OR  # type: ignore[attr-defined]
_bounded_and.__wrapped_original__ = _ORIGINAL_AND  # type: ignore[attr-defined]
celtypes.logical_or = _bounded_or
celtypes.logical_and = _bounded_and
evaluation.base_functions["_||_"] = _bounded_or
evaluation.base_functions["_&&_"] = _bounded_and

_ENV = celpy.Environment()


@dataclass(frozen=True)
class CelOutcome:
    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class CelProgram:
    """A compiled expression; ``evaluate`` takes a mapping of CEL-typed variables."""

    def __init__(self, source: str, *, rule: str, field: str) -> None:
        if not isinstance(source, str) or not source.strip():
            raise RuleCompileError("expression is empty", rule=rule, field=field)
        try:
            ast = _ENV.compile(source)
            self._runner = _ENV.program(ast)
        except Exception as exc:  # CELParseError and lark errors alike
            raise RuleCompileError(clean_message(exc), rule=rule, field=field) from None
        self.source = source
        # Every identifier outside string literals: a superset of the variables read,
        # so the caller may skip converting document fields no expression names.
        self.names = frozenset(_NAME.findall(_STRING.sub(" ", source)))

    def evaluate(self, variables: dict[str, Any]) -> CelOutcome:
        try:
            value = self._runner.evaluate(variables)
        except Exception as exc:  # CELEvalError, and any bug surfacing from the library
            return CelOutcome(error=clean_message(exc))
        if isinstance(value, Exception):
            return CelOutcome(error=clean_message(value))
        return CelOutcome(value=value)

    def evaluate_bool(self, variables: dict[str, Any]) -> CelOutcome:
        """Like :meth:`evaluate`, but a non-boolean result is an error."""
        outcome = self.evaluate(variables)
        if outcome.ok and not isinstance(outcome.value, celtypes.BoolType):
            return CelOutcome(error=f"expression gave {type(outcome.value).__name__}, "
                                    "not a boolean")
        if outcome.ok:
            return CelOutcome(value=bool(outcome.value))
        return outcome


def clean_message(exc: BaseException) -> str:
    """First line of the error's own text, without activation dumps or addresses."""
    first = exc.args[0] if exc.args else type(exc).__name__
    text = str(first).splitlines()[0] if str(first) else type(exc).__name__
    text = text.split(" (in activation", 1)[0]
    text = _ADDRESS.sub("", text)
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text


def to_cel(value: Any) -> Any:
    """Plain JSON data (dicts, lists, str, int, float, bool, None) as CEL values."""
    return celpy.json_to_cel(value)


def cel_list(items: list[Any]) -> Any:
    """A CEL list of values that are already CEL-typed."""
    return celtypes.ListType(items)
