"""The deploy steps, the canary loop and the rollback handler on a fake driver and a
fixed clock: every path of a stage, fast and deterministic."""

from __future__ import annotations

import json

from app.executor import Executor
from app.services import actions, evidence, promotions
from app.services.logs import step_logs
from devkit.deploy import OLD
from engine.crypto import dsse
from engine.run import events as ev
from tests.support.deploy import add_demo_release
from tests.support.factories import add_release, who


def start(env, version="1.3.0-rc1", **kwargs) -> str:
    add_demo_release(env.site, version, artifacts=False, **kwargs)
    return promotions.create_promotion(env.site, f"platform@{version}", "fake-prod", who(env.site, "alice"))


def predicate(site, item) -> dict:
    return json.loads(dsse.Envelope.from_bytes(evidence.envelope_bytes(site, item.id)).payload)["predicate"]


def criteria_events(site, pid, step, status=None):
    """The stage's health measurements (or, with ``status="deploying"``, its progress)."""
    events, _ = promotions.load_run(site, pid)
    return [e for e in events if e.type == ev.STEP_CRITERIA and e.step == step
            and (e.data.get("status") == status if status else "measurement" in e.data)]


def test_stages_cover_cumulative_shares_and_wait_for_continue(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    result = Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert result.why == "waiting for an operator to continue to the next stage"
    assert state.step("deploy-start").outputs["plan"] == {
        "deploy-10": ["t01"], "deploy-50": ["t01", "t02", "t03", "t04", "t05"],
        "deploy-100": list(fake_env.driver.targets)}
    stage = state.step("deploy-10")
    assert (stage.status, stage.waiting_for, stage.criteria_met) == ("waiting", "continue", True)
    assert stage.outputs["targets"] == [{
        "name": "t01", "driver": "fake", "release": "platform", "from": "1.2.0", "from_digest": OLD[1],
        "to": "1.3.0-rc1", "to_digest": state.release["digest"], "changed": True,
        "status": "succeeded", "detail": "ok"}]
    measured = criteria_events(site, pid, "deploy-10")
    assert len(measured) == 11  # a baseline and ten 1 s measurements cover the 10 s window
    assert [e.data["summary"] for e in criteria_events(site, pid, "deploy-10", status="deploying")] == [
        "deploying: 1/1 target(s) on 1.3.0-rc1"]
    assert [e.data["met"] for e in measured] == [False] * 10 + [True]
    last = measured[-1].data
    assert (last["healthy"], last["total"], last["environment_targets"]) == (1, 1, 10)
    assert last["error_rate"] == 0.0 and last["policy"] == "proceed if 95% healthy for 10s, error rate < 1%"
    assert last["measurement"]["targets"][0]["target"] == "t01"
    assert last["summary"] == "1/1 healthy · error rate 0% · p95 n/a · passed"

    for _ in range(3):
        actions.act(site, pid, "continue", who(site, "olga"))
        Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "completed"
    assert set(fake_env.versions().values()) == {"1.3.0-rc1"}
    assert [c for c in fake_env.driver.calls if c[0] == "deploy"] == [
        ("deploy", name, "1.3.0-rc1") for name in fake_env.driver.targets]  # each target once
    fifty = {r["name"]: r for r in state.step("deploy-50").outputs["targets"]}
    assert fifty["t01"]["changed"] is False and fifty["t01"]["from"] == "1.3.0-rc1"
    assert fifty["t02"]["changed"] is True and fifty["t02"]["from"] == "1.2.0"
    names = [i.name for i in evidence.list_evidence(site, pid)]
    assert names == ["resolved-inputs", "deploy-provenance", "deployment-deploy-10",
                     "deployment-deploy-50", "deployment-deploy-100", "runtime-reachability",
                     "proof-chain"]
    provenance = predicate(site, evidence.list_evidence(site, pid)[1])  # seed §14.2
    assert provenance["release"]["version"] == "1.3.0-rc1" and provenance["plan"]["deploy-10"]
    assert {b["target"]: b["version"] for b in provenance["before"]}["t02"] == "1.2.0"
    item = evidence.list_evidence(site, pid)[2]
    body = predicate(site, item)
    assert body["outcome"] == "passed" and body["targets"][0]["from"] == "1.2.0"
    assert len(body["analysis"]["measurements"]) == 11
    assert body["analysis"]["gate"]["window_seconds"] == 10.0


def test_a_breach_rolls_every_moved_target_back(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    actions_run = Executor(site, pid, fake_env.registry())
    actions_run.run()  # canary 10% held: waiting for continue
    actions.act(site, pid, "continue", who(site, "olga"))
    for target in fake_env.driver.targets.values():  # the new release starts failing
        target.error_rate = 0.2
    Executor(site, pid, fake_env.registry()).run()
    events, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert fake_env.versions() == dict.fromkeys(fake_env.driver.targets, "1.2.0")
    requested = next(e for e in events if e.type == ev.ROLLBACK_REQUESTED)
    assert requested.actor == "system:executor" and requested.data["automatic"] is True
    assert requested.reason.startswith("error rate 20% not below 1%")
    assert requested.data["preview"]["targets"] == [
        {"target": f"t0{i}", "from": "1.3.0-rc1", "to": "1.2.0"} for i in range(1, 6)]
    completed = next(e for e in events if e.type == ev.ROLLBACK_COMPLETED)
    assert [(r["target"], r["to"], r["status"]) for r in completed.data["targets"]] == [
        (f"t0{i}", "1.2.0", "succeeded") for i in range(1, 6)]
    assert state.step("deploy-50").status == "rolled-back"
    assert state.step("deploy-100").status == "skipped"
    rollback = [i for i in evidence.list_evidence(site, pid) if i.name == "rollback"]
    assert predicate(site, rollback[0])["reason"].startswith("error rate 20%")
    assert any("rollback (full)" in line for _, _, _, line in step_logs(site, pid))


def test_pause_stops_the_measurement_and_retry_measures_again(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    calls = []

    def pause_on_third(_name):
        calls.append(_name)
        if len(calls) == 3:
            actions.act(site, pid, "pause", who(site, "olga"), "checking dashboards")

    Executor(site, pid, fake_env.registry()).run(until="deploy-start")
    fake_env.driver.on_health = pause_on_third
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    stage = state.step("deploy-10")
    assert state.paused and stage.status == "waiting" and stage.waiting_for == "operator"
    assert stage.summary == "measurement stopped: the run was paused"
    assert len(criteria_events(site, pid, "deploy-10")) == 3  # stopped at once
    fake_env.driver.on_health = None
    actions.act(site, pid, "resume", who(site, "olga"), "dashboards fine")
    actions.act(site, pid, "retry", who(site, "olga"), "measure again")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.step("deploy-10").waiting_for == "continue"
    assert state.step("deploy-10").outputs["targets"][0]["from"] == "1.2.0"  # not the retried no-op


def test_a_stage_rollback_returns_only_that_stage_share_with_a_preview(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    Executor(site, pid, fake_env.registry()).run()
    actions.act(site, pid, "continue", who(site, "olga"))
    Executor(site, pid, fake_env.registry()).run()  # canary 50% held
    impact = actions.preview(site, pid, "step")
    assert impact["allowed"] and impact["steps"] == ["deploy-50"]
    changes = {t["target"]: (t["from"], t["to"]) for t in impact["targets"]}
    # only what this stage moved goes back; t01 came with canary 10% and stays
    assert changes["t05"] == ("1.3.0-rc1", "1.2.0") and changes["t01"] == ("1.3.0-rc1", "1.3.0-rc1")
    actions.act(site, pid, "rollback", who(site, "olga"), "latency creeping up", scope="step")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "halted" and state.step("deploy-50").status == "rolled-back"
    versions = fake_env.versions()
    assert versions["t01"] == "1.3.0-rc1"  # moved by canary 10%, not by this stage
    assert {versions[f"t0{i}"] for i in range(2, 6)} == {"1.2.0"}


def test_a_failed_deployment_fails_the_stage_and_is_covered_by_rollback(fake_env):
    site = fake_env.site
    fake_env.driver.fail_deploy.add("t03")
    pid = start(fake_env)
    Executor(site, pid, fake_env.registry()).run()
    actions.act(site, pid, "continue", who(site, "olga"))
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    stage = state.step("deploy-50")
    assert stage.status == "failed"
    assert stage.error == "t03: deploy failed (exited 3); retry the stage or roll back"
    assert [c[1] for c in fake_env.driver.calls if c[0] == "deploy"] == ["t01", "t02", "t03"]
    impact = actions.preview(site, pid, "full")
    assert [(t["target"], t["from"], t["to"]) for t in impact["targets"]] == [
        ("t01", "1.3.0-rc1", "1.2.0"), ("t02", "1.3.0-rc1", "1.2.0"), ("t03", "1.3.0-rc1", "1.2.0")]
    actions.act(site, pid, "rollback", who(site, "olga"), "t03 broken", scope="full")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert fake_env.versions()["t01"] == fake_env.versions()["t02"] == "1.2.0"


def test_an_unmeasurable_gate_waits_for_an_operator(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    driver = fake_env.driver
    original = driver.health

    def no_metrics(target):
        sample = original(target)
        return type(sample)(target=sample.target, scraped_at=sample.scraped_at, healthy=True)

    driver.health = no_metrics
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    stage = state.step("deploy-10")
    assert (stage.status, stage.waiting_for) == ("waiting", "operator")
    assert "error rate not measurable" in stage.waiting_detail["reason"]
    assert stage.criteria_met is False


def test_deploy_start_refuses_an_environment_without_targets(site):
    from tests.support.deploy import product_registry

    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.step("deploy-start").status == "failed"
    assert state.step("deploy-start").error.startswith("environment eu-stage has no deploy targets")


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing records an outcome."""


def test_a_crash_mid_stage_keeps_what_each_target_ran_before(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    Executor(site, pid, fake_env.registry()).run(until="deploy-start")

    def die(_name):
        raise Crash()

    fake_env.driver.on_health = die  # deploys t01, then dies measuring it
    try:
        Executor(site, pid, fake_env.registry()).run()
    except Crash:
        pass
    fake_env.driver.on_health = None
    Executor(site, pid, fake_env.registry()).run()  # finds the step running: interrupted
    _, state = promotions.load_run(site, pid)
    assert state.step("deploy-10").status == "interrupted"
    progress = criteria_events(site, pid, "deploy-10", status="deploying")
    assert progress[0].data["summary"] == "deploying: 1/1 target(s) on 1.3.0-rc1"
    actions.act(site, pid, "retry", who(site, "olga"), "executor host rebooted")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    row = state.step("deploy-10").outputs["targets"][0]
    assert (row["from"], row["changed"]) == ("1.2.0", True)  # the driver now says 1.3.0-rc1
    actions.act(site, pid, "rollback", who(site, "olga"), "abandon", scope="full")
    Executor(site, pid, fake_env.registry()).run()
    assert fake_env.versions()["t01"] == "1.2.0"
