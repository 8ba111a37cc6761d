from __future__ import annotations

from engine.run import events as ev
from engine.run.planner import DONE, IDLE, RECOVER, ROLLBACK, RUN_STEP, SEAL, next_work
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


def test_a_rolled_back_stage_keeps_its_attempt_after_a_retry():
    run = MemoryRun()
    run.advance_to("deploy-10")
    run.start("deploy-10")
    run.system(ev.STEP_WAITING, "deploy-10", summary="1 target(s) on 1.3.0-rc1; press Continue",
               **{"for": "continue"})
    run.act("rollback", reason="error budget burnt", scope="stage", data={"ticket": "INC-42"})
    state = run.system(ev.ROLLBACK_COMPLETED, "deploy-10", scope="stage", steps=["deploy-10"])
    rolled = state.step("deploy-10")
    assert rolled.rollback["reason"] == "error budget burnt" and rolled.rollback["ticket"] == "INC-42"
    assert rolled.rollback["by"] == "olga" and state.next_step == "deploy-50"

    run.act("retry", reason="fixed the config")
    state = run.system(ev.STEP_STARTED, "deploy-10", attempt=2)
    stage = state.step("deploy-10")
    assert (stage.status, stage.attempt, stage.rollback) == ("running", 2, {})
    (first,) = stage.attempts
    assert (first.number, first.status, first.rollback["ticket"]) == (1, "rolled-back", "INC-42")
    assert (first.retried_by, first.retry_reason) == ("olga", "fixed the config")
    assert first.summary.endswith("press Continue")  # as it was; screens drop stale hints
    state = run.system(ev.STEP_SUCCEEDED, "deploy-10", summary="held")
    assert [a.number for a in state.step("deploy-10").attempts] == [1]


def test_an_ended_run_is_sealed_once():
    run = MemoryRun()
    run.advance_to("deploy-10")
    run.start("deploy-10")
    run.act("rollback", scope="full")
    state = run.system(ev.ROLLBACK_COMPLETED, "deploy-10", scope="full", steps=["deploy-10"])
    assert next_work(state).kind == SEAL and next_work(state).step is None
    run.start("seal-evidence")
    state = run.system(ev.STEP_SUCCEEDED, "seal-evidence", summary="sealed")
    assert state.status == "rolled-back" and state.step("seal-evidence").status == "succeeded"
    assert next_work(state).kind == DONE
