from __future__ import annotations

from engine.run import events as ev
from engine.run.planner import IDLE, RECOVER, ROLLBACK, RUN_STEP, next_work
from tests.engine.run.helpers import MemoryRun


def test_new_run_waits_at_inputs():
    state = MemoryRun().state
    assert state.status == "pending"
    assert state.current_step == "inputs-materialized"
    assert state.next_step == "gate-eval"
    assert state.step("promotion-created").status == "succeeded"
    assert next_work(state).kind == RUN_STEP


def test_durations_and_timestamps():
    run = MemoryRun()
    run.append([ev.NewEvent(ev.STEP_STARTED, "x", "2026-02-18T08:30:00Z", step="inputs-materialized")])
    state = run.append([ev.NewEvent(ev.STEP_SUCCEEDED, "x", "2026-02-18T08:31:12Z",
                                    step="inputs-materialized", data={"summary": "0 missing"})])
    step = state.step("inputs-materialized")
    assert step.duration_seconds == 72
    assert step.summary == "0 missing"
    assert step.attempt == 1


def test_crash_leaves_running_step_for_recovery():
    run = MemoryRun()
    run.start("inputs-materialized")
    assert next_work(run.state).kind == RECOVER
    state = run.system(ev.STEP_INTERRUPTED, "inputs-materialized", error="died")
    assert state.status == "interrupted"
    work = next_work(state)
    assert work.kind == IDLE and "operator" in work.why


def test_retry_resets_the_step_and_everything_after_it():
    run = MemoryRun()
    run.advance_to("deploy-50")
    run.start("deploy-50")
    run.system(ev.STEP_FAILED, "deploy-50", error="boom")
    state = run.act("retry")
    assert state.step("deploy-50").status == "pending"
    assert state.step("deploy-50").attempt == 1
    state = run.start("deploy-50")
    assert state.step("deploy-50").attempt == 2


def test_full_rollback_ends_the_run():
    run = MemoryRun()
    run.advance_to("deploy-50")
    run.start("deploy-50")
    state = run.act("rollback", scope="full")
    assert next_work(state).kind == ROLLBACK
    assert state.pending_rollback["steps"] == ["deploy-start", "deploy-10", "deploy-50"]
    state = run.system(ev.ROLLBACK_COMPLETED, "deploy-50", scope="full",
                       steps=["deploy-start", "deploy-10", "deploy-50"])
    assert state.status == "rolled-back"
    assert state.terminal
    assert state.step("deploy-10").status == "rolled-back"
    assert state.step("seal-evidence").status == "skipped"


def test_step_rollback_then_rerun():
    run = MemoryRun()
    run.advance_to("deploy-10")
    run.start("deploy-10")
    run.system(ev.STEP_WAITING, "deploy-10", **{"for": "continue"})
    run.act("rollback", scope="step")
    state = run.system(ev.ROLLBACK_COMPLETED, "deploy-10", scope="step", steps=["deploy-10"])
    assert state.status == "halted" and not state.terminal
    assert state.current_step == "deploy-10"
    state = run.act("retry")
    assert state.step("deploy-10").status == "pending"


def test_cancel_marks_remaining_steps():
    run = MemoryRun()
    run.advance_to("gate-eval")
    state = run.act("cancel")
    assert state.status == "cancelled"
    assert state.step("gate-eval").status == "cancelled"
    assert state.step("inputs-materialized").status == "succeeded"


def test_paused_run_shows_current_step_paused():
    from engine.run.state import display_status

    run = MemoryRun()
    state = run.act("pause")
    assert state.status == "paused"
    assert display_status(state, state.current) == "paused"
    assert next_work(state).kind == IDLE
    assert run.act("resume").status == "pending"


def test_approvals_need_n_distinct_approvers():
    run = MemoryRun(approvals_required=2)
    run.advance_to("approval")
    run.start("approval")
    run.system(ev.STEP_WAITING, "approval", required=2, **{"for": "approval"})
    state = run.act("approve", actor="bob")
    assert state.step("approval").status == "waiting"
    state = run.act("approve", actor="carol")
    assert state.step("approval").status == "succeeded"
    assert state.approvals == ("bob", "carol")
