"""The command driver in a real run: a real command per target, its output in the step
log, inputs handed over as STELLA_INPUT_* variables and redacted from the log, and a
failing command failing the stage."""

from __future__ import annotations

import os

import pytest

from app.executor import Executor
from app.services import promotions
from app.services.logs import step_logs
from tests.support.deploy import add_demo_release, add_environment, product_registry
from tests.support.factories import who

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the commands are POSIX shell")

DB_PASSWORD = "s3cr3t-Pa55word-9f1c0e"
REGION = "eu-west-secret-region-42"
DEPLOY = ("sh -c 'echo \"deploying $1 to $2\"; echo \"db password: $STELLA_INPUT_DB_PASSWORD\"; "
          "printf %s \"$STELLA_INPUT_DB_PASSWORD\" > \"$STELLA_TEST_OUT/$2.received\"; "
          "if [ \"$2\" = \"$STELLA_TEST_FAIL_ON\" ]; then "
          "echo \"disk full on $2, login $STELLA_INPUT_DB_PASSWORD\" >&2; exit 3; fi; "
          "echo \"$3 $1\" > \"$STELLA_TEST_OUT/$2.state\"' "
          "sh {version} {target} {digest}")
STATUS = "sh -c 'cat \"$STELLA_TEST_OUT/$1.state\" 2>/dev/null || echo none' sh {target}"
GATE = {"max_error_rate": None, "window_seconds": 0.4, "interval_seconds": 0.2, "max_gap_seconds": 2}


def command_site(site, tmp_path, monkeypatch, *, auto_continue: bool = True, fail_on: str = "") -> None:
    """``cmd-prod`` with two command targets; the release declares a file and an env input."""
    secrets = site.paths.home / "secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "db-password").write_text(DB_PASSWORD + "\n")
    os.chmod(secrets / "db-password", 0o600)
    monkeypatch.setenv("PLATFORM_REGION", REGION)
    monkeypatch.setenv("STELLA_TEST_OUT", str(tmp_path))
    monkeypatch.setenv("STELLA_TEST_FAIL_ON", fail_on)
    add_environment(site, "cmd-prod", ("c1", "c2"), "command", {
        "commands": {"deploy": DEPLOY, "status": STATUS, "health": "true", "timeout_seconds": 20},
        "gates": {"default": GATE}, "auto_continue": auto_continue})


def run_release(site, version: str, **kwargs) -> str:
    add_demo_release(site, version, artifacts=False,
                     inputs=["file:db-password", "env:PLATFORM_REGION"], **kwargs)
    pid = promotions.create_promotion(site, f"platform@{version}", "cmd-prod", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    return pid


def test_each_target_runs_the_command_with_its_output_in_the_step_log(live_site, tmp_path, monkeypatch):
    site = live_site
    command_site(site, tmp_path, monkeypatch)
    pid = run_release(site, "1.3.0-rc1")
    _, state = promotions.load_run(site, pid)
    assert state.status == "completed", [(s.name, s.status, s.error) for s in state.steps]
    logs = [line for _, _, _, line in step_logs(site, pid, "deploy-10")]
    assert "[c1] deploying 1.3.0-rc1 to c1" in logs
    assert "[c1] db password: [redacted]" in logs  # the command got it; the log did not
    assert any(line.startswith("[c1] exited 0 after") for line in logs)
    assert "[c2] deploying 1.3.0-rc1 to c2" in [line for *_, line in step_logs(site, pid, "deploy-100")]
    assert (tmp_path / "c1.received").read_text() == DB_PASSWORD
    assert (tmp_path / "c2.received").read_text() == DB_PASSWORD
    verify = state.step("post-deploy-verify")  # the status commands confirm the release
    assert (verify.status, verify.summary) == ("succeeded", "2/2 target(s) healthy on 1.3.0-rc1")
    inputs = state.step("inputs-materialized").outputs["inputs"]
    assert [(i["ref"], i["status"]) for i in inputs] == [("file:db-password", "resolved"),
                                                       ("env:PLATFORM_REGION", "resolved")]


def test_a_failing_command_fails_the_stage(live_site, tmp_path, monkeypatch):
    site = live_site
    command_site(site, tmp_path, monkeypatch, fail_on="c2")
    pid = run_release(site, "1.3.0-rc1")
    _, state = promotions.load_run(site, pid)
    stage = state.step("deploy-100")
    assert state.status == "failed" and stage.status == "failed"
    assert stage.error.startswith("c2: deploy failed (exited 3 after ")
    # the command put the secret into its error; the run records it redacted
    assert stage.error.endswith(": disk full on c2, login [redacted]); retry the stage or roll back")
    logs = [line for *_, line in step_logs(site, pid, "deploy-100")]
    assert "[c2] stderr: disk full on c2, login [redacted]" in logs
    rows = {r["name"]: r for r in stage.outputs["targets"]}
    assert rows["c1"]["status"] == "unchanged" and rows["c2"]["status"] == "failed"
    assert rows["c2"]["changed"] is True  # the command ran: a rollback covers it


def test_an_input_whose_value_changed_since_it_was_materialised_stops_the_deployment(
        live_site, tmp_path, monkeypatch):
    site = live_site
    command_site(site, tmp_path, monkeypatch)
    add_demo_release(site, "1.3.0-rc1", artifacts=False, inputs=["env:PLATFORM_REGION"])
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "cmd-prod", who(site, "alice"))
    Executor(site, pid, product_registry()).run(until="deploy-start")
    monkeypatch.setenv("PLATFORM_REGION", "somewhere-else")
    Executor(site, pid, product_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.step("deploy-10").status == "failed"
    assert state.step("deploy-10").error.startswith(
        "input env:PLATFORM_REGION changed since it was materialised")
    assert not (tmp_path / "c1.received").exists()


def test_a_gate_the_health_command_cannot_measure_is_refused_before_deploying(live_site, tmp_path):
    site = live_site
    add_environment(site, "cmd-prod", ("c1",), "command", {
        "commands": {"deploy": DEPLOY, "status": STATUS, "health": "true"}})  # default gate: error rate < 1%
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "cmd-prod", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    step = promotions.load_run(site, pid)[1].step("deploy-start")
    assert step.status == "failed"
    assert step.error.startswith("the health gate of deploy-10 limits max_error_rate, but the health "
                                 "command reports only its exit status")
    assert not (tmp_path / "c1.received").exists()
