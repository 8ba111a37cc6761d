"""During an incident the Deploy Stage View does not contradict itself: a target that
answers its health check but breaks the gate's limits counts as unhealthy."""

from __future__ import annotations

import pytest

from app.executor import Executor, StepUnavailable
from app.screens.deploy_snapshots import load_deploy_stage
from tests.support.deploy import advancing_wait
from tests.support.stage_fakes import StageEnv
from tests.views.deploy_helpers import GATE, TARGETS, start


def test_a_breaching_target_is_unhealthy_while_the_rollback_waits(site):
    env = StageEnv(site, "incident-prod", TARGETS, GATE, advancing_wait(site.clock), error_rate=1.0)
    pid = start(env)
    registry = env.registry()
    registry.rollback_handler = None  # the automatic rollback is requested, not carried out yet
    with pytest.raises(StepUnavailable):
        Executor(site, pid, registry).run()
    stage = load_deploy_stage(site, pid, "deploy-10")
    assert stage.slo == "BREACHED"
    assert (stage.healthy, stage.total) == (0, 1)
    first = stage.targets[0]
    assert (first.name, first.health) == ("t01", "unhealthy")
    assert first.notes.startswith("breaching: err ") and first.notes.endswith(" not below 1%")
