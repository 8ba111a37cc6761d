"""The ``stella schedule`` and ``stella scheduler`` commands, in process, with the step
doubles; exit codes as DESIGN §10 gives them."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from app.steps.base import StepOutcome
from tests.scheduler.conftest import new_promotion
from tests.support.doubles import doubles_registry
from tests.support.factories import actor_passphrase


class Broken:
    def run(self, ctx):
        return StepOutcome("failed", error="the release was refused")


@pytest.fixture
def stella(site, capsys, monkeypatch):
    def run(*args: str, registry=None) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.delenv("STELLA_PASSPHRASE", raising=False)
        for name, value in actor_passphrase(args).items():
            monkeypatch.setenv(name, value)
        code = main([*args, "--home", str(site.paths.home)],
                    registry=registry or doubles_registry())
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_create_tick_and_read_back(site, stella):
    pid = new_promotion(site)
    code, out, _ = stella("schedule", "create", pid, "--at", "now", "--window", "2h",
                          "--require", "sbom-rescans-complete", "--warn", "feeds-fresh<1h",
                          "--until", "gate-eval", "--as", "olga")
    assert code == 0
    assert "S-0001  P-0001  platform 1.3.0-rc1 → eu-stage  (until gate-eval)" in out
    assert "requires sbom-rescans-complete, feeds-fresh<1h (warn only)" in out

    code, out, _ = stella("scheduler", "tick")
    assert code == 0
    assert out.startswith("S-0001 #1 P-0001: run → SUCCEEDED — reached Gate Eval (Policy)")

    code, out, _ = stella("scheduler", "runs", "--json")
    (attempt,) = json.loads(out)
    assert attempt["status"] == "succeeded" and attempt["diagnostics"][0].startswith(
        "warning (warn-only): feeds-fresh<1h — no feed snapshot")

    code, out, _ = stella("schedule", "list", "--json")
    (listed,) = json.loads(out)
    assert (listed["id"], listed["status"], listed["until"]) == ("S-0001", "succeeded", "gate-eval")
    code, out, _ = stella("schedule", "show", "S-0001")
    assert "SUCCEEDED" in out and "S-0001 #1 SUCCEEDED" in out

    code, out, _ = stella("scheduler", "tick")
    assert code == 0 and "no active schedules" in out


def test_a_tick_with_nothing_due_exits_zero(site, stella):
    assert stella("scheduler", "tick", "--json")[0] == 0
    pid = new_promotion(site)
    stella("schedule", "create", pid, "--at", "+3h", "--window", "1h", "--as", "olga")
    code, out, _ = stella("scheduler", "tick", "--json")
    (result,) = json.loads(out)["results"]
    assert code == 0 and result["action"] == "nothing"
    assert result["text"].startswith("waiting: opens at")


def test_dead_letter_and_retry(site, stella):
    pid = new_promotion(site)
    stella("schedule", "create", pid, "--at", "now", "--window", "1h", "--require",
           "feeds-fresh<1h", "--max-failures", "2", "--as", "olga")
    code, out, _ = stella("scheduler", "tick")
    assert "wait → SCHEDULED" in out and "no feed snapshot has been imported" in out
    code, out, _ = stella("scheduler", "dead-letter")
    assert (code, out.strip()) == (0, "the dead-letter list is empty")

    code, _, err = stella("scheduler", "retry", "S-0001", "--reason", "go", "--as", "olga")
    assert code == 4 and "only a dead-lettered job is retried" in err

    code, out, _ = stella("schedule", "cancel", "S-0001", "--reason", "feeds will not arrive",
                          "--as", "olga")
    assert code == 0 and "cancelled by olga: feeds will not arrive" in out


def test_a_failed_run_lands_on_the_dead_letter_list_and_is_retried(site, stella):
    pid = new_promotion(site)
    stella("schedule", "create", pid, "--at", "now", "--window", "1h", "--as", "olga")
    broken = doubles_registry()
    broken.register("deploy-start", Broken())
    code, out, _ = stella("scheduler", "tick", registry=broken)
    assert code == 0 and "run → DEAD-LETTERED — Deploy Workflow Start failed" in out
    code, out, _ = stella("scheduler", "dead-letter")
    assert f"S-0001  {pid}  platform 1.3.0-rc1 → eu-stage  dead-lettered" in out
    assert "the release was refused; an operator must retry or roll back the run" in out
    code, out, _ = stella("scheduler", "dead-letter", "--json")
    assert [d["open"] for d in json.loads(out)] == [True]

    code, _, err = stella("scheduler", "retry", "S-0001", "--reason", "", "--as", "olga")
    assert code == 2 and "a reason is required" in err
    code, out, _ = stella("scheduler", "retry", "S-0001", "--reason", "target fixed",
                          "--as", "olga")
    assert code == 0 and out.startswith("S-0001: back in the schedule, new window")
    code, out, _ = stella("scheduler", "dead-letter", "--all")
    assert "retried" in out and "by olga: target fixed" in out


@pytest.mark.parametrize("args,code,message", [
    (["schedule", "create", "P-0001", "--at", "now", "--window", "2h", "--require", "fresh",
      "--as", "olga"], 2, "precondition 'fresh'"),
    (["schedule", "create", "P-0001", "--at", "soon", "--window", "2h", "--as", "olga"], 2,
     "RFC 3339"),
    (["schedule", "create", "P-0009", "--at", "now", "--window", "2h", "--as", "olga"], 3,
     "no promotion P-0009"),
    (["schedule", "create", "P-0001", "--at", "now", "--window", "2h", "--as", "audrey"], 1,
     "may not schedule"),
    (["schedule", "cancel", "S-0042", "--reason", "x", "--as", "olga"], 3, "no schedule S-0042"),
    (["schedule", "create", "P-0001", "--window", "2h", "--as", "olga"], 2, "--at"),
])
def test_errors_have_their_exit_codes(site, stella, args, code, message):
    new_promotion(site)
    got, _, err = stella(*args)
    assert got == code and message in err
