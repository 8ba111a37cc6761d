"""A stage name typed on the command line is checked before anything happens: a typo in
``run --until`` once ran a canary to 100 %."""

from __future__ import annotations

import pytest

from app.cli.main import main
from app.errors import UsageError
from app.executor import Executor
from app.services import promotions
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, who


@pytest.fixture
def pid(site):
    add_release(site)
    return promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))


def test_run_until_an_unknown_stage_exits_2_listing_the_stages_and_changes_nothing(site, pid, capsys):
    before, _ = promotions.load_run(site, pid)
    code = main(["run", pid, "--until", "gate-evl", "--home", str(site.paths.home)],
                registry=doubles_registry())
    err = capsys.readouterr().err
    assert code == 2
    assert "--until 'gate-evl': P-0001 has no such stage (did you mean gate-eval?)" in err
    assert "its stages are promotion-created, inputs-materialized, gate-eval, approval, " \
           "deploy-start, deploy-10, deploy-50, deploy-100, post-deploy-verify, seal-evidence, " \
           "complete" in err
    after, _ = promotions.load_run(site, pid)
    assert [e.hash for e in after] == [e.hash for e in before]


def test_run_until_a_known_stage_stops_there(site, pid, capsys):
    code = main(["run", pid, "--until", "gate-eval", "--home", str(site.paths.home)],
                registry=doubles_registry())
    assert code == 0 and "reached gate-eval" in capsys.readouterr().out
    _, state = promotions.load_run(site, pid)
    assert state.step("gate-eval").status == "succeeded" and state.step("approval").status == "pending"


def test_logs_of_an_unknown_step_exit_2(site, pid, capsys):
    assert main(["logs", pid, "--step", "deploy-25", "--home", str(site.paths.home)]) == 2
    assert "--step 'deploy-25': P-0001 has no such stage (did you mean deploy-start or deploy-10 or " \
           "deploy-50 or deploy-100?)" in capsys.readouterr().err


def test_the_executor_itself_refuses_an_unknown_stage(site, pid):
    before, _ = promotions.load_run(site, pid)
    with pytest.raises(UsageError, match="has no such stage"):
        Executor(site, pid, doubles_registry()).run(until="deploy-25")
    after, _ = promotions.load_run(site, pid)
    assert len(after) == len(before)
