"""Scheduling promotions (seed §14.9), pure: windows, preconditions, job status,
attempt outcomes, retries and the dead-letter decision. Time is always passed in.

- :mod:`~engine.schedule.window` — :class:`Window`, :class:`Slot`, durations, times;
- :mod:`~engine.schedule.preconditions` — :class:`Precondition` judged from :class:`Facts`;
- :mod:`~engine.schedule.job` — the job status contract and one tick's :func:`decide`;
- :mod:`~engine.schedule.policy` — :func:`judge_run`, :class:`RetryPolicy`, :func:`after_failure`.
"""

from engine.schedule.errors import (
    DurationInvalid,
    PreconditionInvalid,
    RetryPolicyInvalid,
    ScheduleError,
    TimeInvalid,
    TransitionRefused,
    WindowInvalid,
)
from engine.schedule.job import JobView, TickDecision, check_transition, decide, needs_facts
from engine.schedule.policy import (
    AttemptOutcome,
    FailureDecision,
    RetryPolicy,
    RunFacts,
    after_failure,
    judge_error,
    judge_run,
)
from engine.schedule.preconditions import (
    Check,
    Evaluation,
    Facts,
    FeedFact,
    IntegrationFact,
    Precondition,
    RescanFact,
    evaluate,
)
from engine.schedule.window import (
    Slot,
    Window,
    WindowPhase,
    duration_text,
    parse_duration,
    parse_time,
    time_text,
)

__all__ = [
    "AttemptOutcome",
    "Check",
    "DurationInvalid",
    "Evaluation",
    "Facts",
    "FailureDecision",
    "FeedFact",
    "IntegrationFact",
    "JobView",
    "Precondition",
    "PreconditionInvalid",
    "RescanFact",
    "RetryPolicy",
    "RetryPolicyInvalid",
    "RunFacts",
    "ScheduleError",
    "Slot",
    "TickDecision",
    "TimeInvalid",
    "TransitionRefused",
    "Window",
    "WindowInvalid",
    "WindowPhase",
    "after_failure",
    "check_transition",
    "decide",
    "duration_text",
    "evaluate",
    "judge_error",
    "judge_run",
    "needs_facts",
    "parse_duration",
    "parse_time",
    "time_text",
]
