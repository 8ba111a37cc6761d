"""What the executor should do next, decided from the folded state alone."""

from __future__ import annotations

from dataclasses import dataclass

from engine.run import state as st

RUN_STEP = "run-step"
RECOVER = "recover"
ROLLBACK = "rollback"
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
