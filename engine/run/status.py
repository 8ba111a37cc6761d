"""Step and run statuses (DESIGN §3): the one definition every layer uses.

They are ``StrEnum`` members, so each equals and stores as its string
(``StepStatus.ROLLED_BACK == "rolled-back"``): the database columns, canonical JSON and
screens see exactly the strings they always did.
"""

from __future__ import annotations

from enum import StrEnum


class StepStatus(StrEnum):
    """A step's status, plus ``interrupted``: running when its process died."""

    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    WARNED = "warned"
    FAILED = "failed"
    ROLLED_BACK = "rolled-back"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class RunStatus(StrEnum):
    """A run's status: its current step's status, or an outcome of the whole run."""

    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    WARNED = "warned"
    FAILED = "failed"
    ROLLED_BACK = "rolled-back"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    COMPLETED = "completed"
    HALTED = "halted"  # a step or stage was rolled back; an operator decides next


DONE_STATUSES = frozenset({StepStatus.SUCCEEDED, StepStatus.WARNED, StepStatus.SKIPPED})
TERMINAL_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.CANCELLED, RunStatus.ROLLED_BACK})
# what a step handler may return (app/steps/base.py); the executor records each as an event
STEP_OUTCOMES = frozenset({StepStatus.SUCCEEDED, StepStatus.WARNED, StepStatus.FAILED,
                           StepStatus.WAITING, StepStatus.SKIPPED})
