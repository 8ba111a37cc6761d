from __future__ import annotations

import pytest

from app.errors import NotFound, NotNow, Rejected
from app.executor import Executor, StepUnavailable
from app.services import actions, approvals, promotions
from app.steps.base import StepRegistry
from app.steps.complete import CompleteStep
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, passphrase_of, who


def test_full_run_with_approval(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "alice"), "eu-stage")
    result = Executor(site, pid, doubles_registry()).run()
    assert result.why == "waiting for approval"
    with pytest.raises(NotNow, match="separation of duties"):
        actions.act(site, pid, "approve", who(site, "alice"), "self approval")
    with pytest.raises(Rejected, match="needs the role approver"):
        actions.act(site, pid, "approve", who(site, "olga"), "not an approver")
    approvals.approve(site, pid, "bob", passphrase_of("bob"), "looks good")
    Executor(site, pid, doubles_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "completed"
    assert [s.status for s in state.steps] == ["succeeded"] * len(state.steps)


def test_missing_step_implementation_is_refused(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    registry = StepRegistry({"complete": CompleteStep()})  # a build lacking the other steps
    with pytest.raises(StepUnavailable, match="no implementation"):
        Executor(site, pid, registry).run()
    events, state = promotions.load_run(site, pid)
    assert state.step("inputs-materialized").status == "pending"
    assert len(events) == 2


def test_unknown_promotion(site):
    with pytest.raises(NotFound):
        promotions.load_run(site, "P-9999")


def test_auditor_cannot_act(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    with pytest.raises(Rejected, match="auditor"):
        actions.act(site, pid, "pause", who(site, "audrey"), "curious")
    with pytest.raises(Rejected, match="auditor"):
        promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "audrey"))
