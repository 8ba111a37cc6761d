"""Random action sequences (operators and executor outcomes) keep the run's invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.run import actions, planner
from engine.run import events as ev
from engine.run.stages import is_deploy_phase
from engine.run.state import DONE_STATUSES, fold
from tests.engine.run.helpers import MemoryRun

OPERATOR_MOVES = [("act", a) for a in actions.ACTIONS] + [("rollback", s) for s in actions.ROLLBACK_SCOPES]
EXECUTOR_MOVES = [("exec", o) for o in ("succeed", "fail", "wait", "criteria", "crash")]
MOVES = st.lists(st.sampled_from(OPERATOR_MOVES + EXECUTOR_MOVES + [("exec", "succeed")] * 6),
                 max_size=60)


def executor_step(run: MemoryRun, outcome: str) -> None:
    """Do what a real executor would do next, with the given outcome for a step."""
    state = run.state
    work = planner.next_work(state)
    if work.kind == planner.RECOVER:
        run.system(ev.STEP_INTERRUPTED, work.step, error="crashed")
    elif work.kind == planner.ROLLBACK:
        request = state.pending_rollback
        run.system(ev.ROLLBACK_COMPLETED, state.current_step, scope=request["scope"],
                   steps=request["steps"])
    elif work.kind == planner.RUN_STEP:
        run.start(work.step)
        if outcome == "crash":
            return
        if outcome == "fail":
            run.system(ev.STEP_FAILED, work.step, error="failed")
        elif outcome == "criteria" and work.step.startswith("deploy-") and work.step != "deploy-start":
            run.system(ev.STEP_CRITERIA, work.step, met=True)
            run.system(ev.STEP_WAITING, work.step, **{"for": "continue"})
        elif outcome == "wait" and work.step == "approval":
            run.system(ev.STEP_WAITING, work.step, required=1, **{"for": "approval"})
        else:
            run.system(ev.STEP_SUCCEEDED, work.step, summary="ok")


def check_invariants(run: MemoryRun, history: list) -> None:
    state = run.state
    # The hash chain verifies and the fold is a pure function of the events.
    assert ev.verify_chain([(e.raw, e.hash) for e in run.events])
    assert fold(list(run.events)) == state
    # No step is done after a step that is failed/interrupted/rolled back ahead of it.
    order = [s.status for s in state.steps]
    for index, status in enumerate(order):
        if status in ("failed", "interrupted"):
            assert all(s not in ("succeeded", "warned") for s in order[index + 1:]), order
    # Only the current step may be running or waiting.
    active = [s.name for s in state.steps if s.status in ("running", "waiting")]
    assert len(active) <= 1 and (not active or active[0] == state.current_step or state.terminal)
    # From a deploy stage (running or not), a rollback is always possible.
    if (state.current_step and is_deploy_phase(state.current_step) and not state.terminal
            and not state.pending_rollback and state.current_step != "deploy-start"):
        deployed = [s for s in state.steps if s.name.startswith("deploy-")
                    and s.status not in ("pending", "skipped", "cancelled", "rolled-back")]
        if deployed:
            assert actions.refusal(state, actions.ROLLBACK, scope="full") is None
    if state.status == "completed":
        assert all(s.status in DONE_STATUSES for s in state.steps)


@settings(max_examples=150, deadline=None)
@given(MOVES)
def test_random_sequences_keep_invariants(moves):
    run = MemoryRun(approvals_required=1)
    history = []
    for kind, what in moves:
        before = len(run.events)
        try:
            if kind == "act":
                actor = "bob" if what in ("approve", "reject") else "olga"
                run.act(what, actor=actor)
            elif kind == "rollback":
                run.act(actions.ROLLBACK, scope=what)
            else:
                executor_step(run, what)
        except actions.ActionRefused:
            assert len(run.events) == before  # a refusal writes nothing
        history.append((kind, what))
        check_invariants(run, history)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(EXECUTOR_MOVES + [("act", "retry")] * 3), max_size=80))
def test_run_can_always_finish_with_retries(moves):
    """Whatever went wrong, retrying and approving leads to completion: no dead ends."""
    run = MemoryRun(approvals_required=1)
    for kind, what in moves:
        try:
            run.act(what) if kind == "act" else executor_step(run, what)
        except actions.ActionRefused:
            pass
    for _ in range(100):
        state = run.state
        if state.terminal:
            break
        work = planner.next_work(state)
        if work.kind == planner.IDLE:
            current = state.current
            if current.waiting_for == "approval":
                run.act("approve", actor="bob")
            elif current.waiting_for == "continue":
                run.act("continue", reason=None)
            else:
                run.act("retry")
        else:
            executor_step(run, "succeed")
    assert run.state.status == "completed"
