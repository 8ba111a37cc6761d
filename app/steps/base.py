"""The contract between the executor and the work of each step.

A step handler does the real work of one stage (materialise inputs, evaluate the
gate, deploy a canary stage…) and returns an outcome; the executor turns outcomes into
events. Handlers never append events themselves except through ``ctx.record``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.clock import Clock
from engine.run.state import RunState
from engine.run.status import StepStatus

# what a handler may return (engine/run/status.py defines the statuses)
SUCCEEDED = StepStatus.SUCCEEDED
WARNED = StepStatus.WARNED
FAILED = StepStatus.FAILED
WAITING = StepStatus.WAITING
SKIPPED = StepStatus.SKIPPED


@dataclass(frozen=True)
class StepOutcome:
    status: str
    summary: str = ""
    outputs: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""
    waiting_for: str = ""
    waiting_detail: Mapping[str, Any] = field(default_factory=dict)
    # A stage whose health gate breached asks for an automatic rollback.
    auto_rollback: Mapping[str, Any] | None = None


@dataclass
class StepContext:
    promotion_id: str
    step: str
    attempt: int
    state: RunState
    clock: Clock
    site: Any
    log: Callable[[str], None]
    should_stop: Callable[[], bool]
    # Appends one event for the step; False when the run changed meanwhile and it was dropped.
    record: Callable[[str, Mapping[str, Any]], bool]


class StepHandler(Protocol):
    def run(self, ctx: StepContext) -> StepOutcome: ...


@dataclass(frozen=True)
class RollbackOutcome:
    ok: bool
    summary: str = ""
    targets: tuple[Mapping[str, Any], ...] = ()
    error: str = ""


class RollbackHandler(Protocol):
    def rollback(self, ctx: StepContext, scope: str, steps: list[str]) -> RollbackOutcome: ...


class StepRegistry:
    """Which handler runs which step. ``deploy-<n>`` steps share one ``deploy`` handler."""

    def __init__(self, handlers: Mapping[str, StepHandler] | None = None,
                 rollback: RollbackHandler | None = None) -> None:
        self._handlers = dict(handlers or {})
        self.rollback_handler = rollback

    def register(self, step: str, handler: StepHandler) -> None:
        self._handlers[step] = handler

    def handler_for(self, step: str) -> StepHandler | None:
        if step in self._handlers:
            return self._handlers[step]
        if step.startswith("deploy-") and step[7:].isdigit():
            return self._handlers.get("deploy")
        return None
