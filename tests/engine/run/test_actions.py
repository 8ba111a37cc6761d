"""One test per illegal transition, and the reason rule."""

from __future__ import annotations

import pytest

from engine.run import actions
from engine.run import events as ev
from tests.engine.run.helpers import MemoryRun


def fresh():
    return MemoryRun()


def paused():
    run = MemoryRun()
    run.act("pause")
    return run


def running_gate():
    run = MemoryRun()
    run.advance_to("gate-eval")
    run.start("gate-eval")
    return run


def failed_gate():
    run = running_gate()
    run.system(ev.STEP_FAILED, "gate-eval", error="blocked")
    return run


def waiting_approval():
    run = MemoryRun(approvals_required=1)
    run.advance_to("approval")
    run.start("approval")
    run.system(ev.STEP_WAITING, "approval", required=1, **{"for": "approval"})
    return run


def canary_measuring():
    run = MemoryRun()
    run.advance_to("deploy-10")
    run.start("deploy-10")
    run.system(ev.STEP_CRITERIA, "deploy-10", met=False)
    run.system(ev.STEP_WAITING, "deploy-10", **{"for": "continue"})
    return run


def completed():
    run = MemoryRun()
    run.advance_to("complete")
    run.succeed("complete")
    return run


def cancelled():
    run = MemoryRun()
    run.act("cancel")
    return run


def rolling_back():
    run = canary_measuring()
    run.act("rollback", scope="full")
    return run


ILLEGAL = [
    (paused, "pause", {}, "already paused"),
    (completed, "pause", {}, "has ended"),
    (failed_gate, "pause", {}, "not active"),
    (fresh, "resume", {}, "not paused"),
    (cancelled, "cancel", {}, "has ended"),
    (fresh, "retry", {}, "only a failed"),
    (paused, "retry", {}, "paused"),
    (waiting_approval, "retry", {}, "only a failed"),
    (rolling_back, "retry", {}, "rollback is in progress"),
    (fresh, "mark-failed", {}, "only a running"),
    (failed_gate, "mark-failed", {}, "only a running"),
    (running_gate, "continue", {}, "not a canary stage"),
    (canary_measuring, "continue", {}, "criteria are not met"),
    (fresh, "rollback", {"scope": "full"}, "nothing has been deployed"),
    (running_gate, "rollback", {"scope": "stage"}, "nothing has been deployed"),
    (failed_gate, "rollback", {"scope": "step"}, "not a canary stage"),
    (rolling_back, "rollback", {"scope": "full"}, "already in progress"),
    (canary_measuring, "rollback", {"scope": "everything"}, "scope must be"),
    (completed, "rollback", {"scope": "full"}, "has ended"),
    (fresh, "approve", {}, "no approval is waiting"),
    (running_gate, "reject", {}, "no approval is waiting"),
]


@pytest.mark.parametrize(("build", "action", "kwargs", "why"), ILLEGAL,
                         ids=[f"{b.__name__}-{a}" for b, a, _, _ in ILLEGAL])
def test_illegal_transition_is_refused_and_appends_nothing(build, action, kwargs, why):
    run = build()
    before = len(run.events)
    actor = "bob" if action in ("approve", "reject") else "olga"
    with pytest.raises(actions.ActionRefused, match=why):
        run.act(action, actor=actor, **kwargs)
    assert len(run.events) == before


def test_requester_cannot_approve():
    run = waiting_approval()
    with pytest.raises(actions.ActionRefused, match="separation of duties"):
        run.act("approve", actor="alice")


def test_same_approver_counts_once():
    run = MemoryRun(approvals_required=2)
    run.advance_to("approval")
    run.start("approval")
    run.system(ev.STEP_WAITING, "approval", required=2, **{"for": "approval"})
    run.act("approve", actor="bob")
    with pytest.raises(actions.ActionRefused, match="already approved"):
        run.act("approve", actor="bob")


@pytest.mark.parametrize("action", sorted(actions.REASON_REQUIRED))
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reason_is_required(action, reason):
    run = canary_measuring()
    with pytest.raises(actions.ActionRefused, match="reason is required"):
        run.act(action, reason=reason)


def test_continue_needs_no_reason_once_criteria_hold():
    run = canary_measuring()
    run.system(ev.STEP_CRITERIA, "deploy-10", met=True)
    state = run.act("continue", reason=None)
    assert state.step("deploy-10").status == "succeeded"
    assert state.current_step == "deploy-50"


def test_available_lists_every_action_with_its_reason():
    state = canary_measuring().state
    available = actions.available(state, actor="olga")
    assert set(available) == set(actions.ACTIONS)
    assert available["pause"] is None
    assert available["rollback"] is None
    assert "criteria" in available["continue"]
