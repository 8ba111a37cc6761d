"""Which runs the agent moves, decided from a run's events and its schedules.

A run moves under the agent once it has been started — a step ran, a rollback was
asked, or someone requested the run (``run.requested``) — and while its planner
has work for an executor (a step to run, a crash to record, a rollback to carry
out). A run its schedule holds is left to the schedule's slot; a fresh promotion
waits for its first start (``stella run``, Start run, or its schedule), so
scheduling a promotion right after creating it never races the agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.run import events as ev
from engine.run import payloads as pl
from engine.run import planner
from engine.run.state import DONE_STATUSES, PENDING, RunState

MOVING = (planner.RUN_STEP, planner.RECOVER, planner.ROLLBACK, planner.SEAL)  # SEAL: an ended run
STARTED_BY = frozenset({ev.STEP_STARTED, ev.RUN_REQUESTED, ev.ROLLBACK_REQUESTED})


@dataclass(frozen=True)
class Choice:
    run: bool
    why: str
    until: str | None = None


def choose(state: RunState, events: Sequence[ev.Event], held: str | None) -> Choice:
    """Whether the agent should advance this run now (and up to which stage)."""
    work = planner.next_work(state)
    if work.kind not in MOVING:
        return Choice(False, work.why)
    if held is not None and work.kind == planner.RUN_STEP:
        return Choice(False, held)
    if work.kind == planner.RUN_STEP and not any(e.type in STARTED_BY for e in events):
        return Choice(False, "not started yet: start it (stella run, Start run) or schedule it")
    request = next((e for e in reversed(events) if e.type == ev.RUN_REQUESTED), None)
    until = (pl.read_as(pl.RunRequested, request).until if request is not None else None) or None
    if until and work.kind == planner.RUN_STEP:
        names = [s.name for s in state.steps]
        if until in names and state.step(until).status in DONE_STATUSES:
            current = state.current
            if current is not None and current.status == PENDING \
                    and names.index(current.name) > names.index(until):
                return Choice(False, f"ran until {until} as requested; rests there")
            until = None
        elif until not in names:
            until = None
    return Choice(True, work.why or work.kind, until)
