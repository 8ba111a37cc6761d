"""What the executor should do next, decided from the folded state alone."""

from __future__ import annotations

from dataclasses import dataclass

from engine.run import stages
from engine.run import state as st

RUN_STEP = "run-step"
RECOVER = "recover"
ROLLBACK = "rollback"
SEAL = "seal"  # an ended (rolled back or cancelled) run not sealed yet
IDLE = "idle"
DONE = "done"


@dataclass(frozen=True)
class Work:
    kind: str
    step: str | None = None
    why: str = ""


def next_work(state: st.RunState) -> Work:
    """The single next piece of work; a new executor holding the run's lease calls this.

    A step found ``running`` means the process that ran it died (only the lease holder
    runs steps), so it becomes ``interrupted`` and waits for an operator: it is never
    silently re-executed.
    """
    if state.terminal:
        if needs_seal(state):
            return Work(SEAL, why=f"the run has ended ({state.status}); sealing its evidence")
        return Work(DONE, why=f"the run has ended ({state.status})")
    if state.pending_rollback:
        return Work(ROLLBACK, why=f"rollback ({state.pending_rollback.get('scope')}) requested")
    current = state.current
    if current is None:
        return Work(DONE, why="every step has finished")
    if current.status == st.RUNNING:
        return Work(RECOVER, current.name, "the step was running when its executor stopped")
    if state.paused:
        return Work(IDLE, current.name, "paused by an operator")
    if current.status == st.PENDING:
        return Work(RUN_STEP, current.name)
    if current.status == st.WAITING:
        what = {"approval": "waiting for approval",
                "continue": "waiting for an operator to continue to the next stage"}
        return Work(IDLE, current.name, what.get(current.waiting_for, f"waiting ({current.waiting_for})"))
    return Work(IDLE, current.name,
                f"{current.title} is {current.status}: an operator must retry, roll back or cancel")


def needs_seal(state: st.RunState) -> bool:
    """Every ended run is sealed, not only a completed one: a rolled-back or cancelled
    run's evidence is what auditors ask for. A seal that failed is not retried by
    itself (its error stays on the timeline)."""
    if not state.terminal or stages.SEAL not in {s.name for s in state.steps}:
        return False
    return state.step(stages.SEAL).status not in (st.SUCCEEDED, st.FAILED)
