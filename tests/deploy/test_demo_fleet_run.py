"""End to end on the demo fleet: real target processes on 127.0.0.1, real HTTP, real
metrics under steady load, the product's own steps and drivers (the fleet is found
the way the app finds it, under the site home)."""

from __future__ import annotations

import json
import threading
import time

from app.drivers.demo_fleet.http import http_get
from app.executor import Executor
from app.services import actions, evidence, promotions
from app.services.logs import step_logs
from engine.run import events as ev
from tests.support.deploy import add_demo_release, add_environment, product_registry
from tests.support.factories import who

from .conftest import DEMO_GATE, DEMO_TARGETS


def version_of(fleet, name: str) -> str:
    status, body = http_get(fleet.member(name).port, "/version", timeout=2)
    assert status == 200
    return json.loads(body)["version"]


def setup_env(site, *, auto_continue: bool, window: float = DEMO_GATE["window_seconds"]) -> None:
    add_environment(site, "eu-demo", DEMO_TARGETS, "demo-fleet",
                    {"gates": {"default": {**DEMO_GATE, "window_seconds": window}},
                     "auto_continue": auto_continue})


def test_a_good_release_goes_10_50_100_and_completes(live_site, demo_fleet):
    site = live_site
    setup_env(site, auto_continue=True)
    add_demo_release(site, "1.3.0-rc1")
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-demo", who(site, "alice"))
    started = time.monotonic()
    Executor(site, pid, product_registry()).run()
    elapsed = time.monotonic() - started
    events, state = promotions.load_run(site, pid)
    assert state.status == "completed", [(s.name, s.status, s.error) for s in state.steps]
    assert [version_of(demo_fleet, n) for n in DEMO_TARGETS] == ["1.3.0-rc1"] * 3
    assert state.step("deploy-start").outputs["plan"] == {
        "deploy-10": ["eu-demo-01"], "deploy-50": ["eu-demo-01", "eu-demo-02"],
        "deploy-100": list(DEMO_TARGETS)}
    for step, healthy in (("deploy-10", 1), ("deploy-50", 2), ("deploy-100", 3)):
        measured = [e.data for e in events if e.type == ev.STEP_CRITERIA and e.step == step
                    and "measurement" in e.data]
        assert measured[-1]["met"] and measured[-1]["healthy"] == measured[-1]["total"] == healthy
        assert measured[-1]["requests"] > 0 and measured[-1]["error_rate"] == 0.0
        assert all(not m["met"] for m in measured[:-1]) and len(measured) >= 6
    verify = state.step("post-deploy-verify")
    assert verify.status == "succeeded", verify.error or verify.summary
    assert [c["loadedOn"] for c in verify.outputs["components"]] == [list(DEMO_TARGETS)] * 2
    names = [i.name for i in evidence.list_evidence(site, pid)]
    assert names[-5:] == ["deployment-deploy-10", "deployment-deploy-50", "deployment-deploy-100",
                          "runtime-reachability", "proof-chain"]
    logs = [line for _, _, _, line in step_logs(site, pid, "deploy-10")]
    assert any("[eu-demo-01] deploy succeeded: /version answers 1.3.0-rc1 (was 1.2.0)" in x for x in logs)
    assert elapsed < 25


def test_a_bad_release_breaches_at_10_percent_and_is_rolled_back(live_site, demo_fleet):
    site = live_site
    setup_env(site, auto_continue=True)
    add_demo_release(site, "1.3.0-rc1-bad", error_rate=0.2)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1-bad", "eu-demo", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    events, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert state.step("deploy-10").status == "rolled-back"
    assert state.step("deploy-50").status == "skipped"
    requested = next(e for e in events if e.type == ev.ROLLBACK_REQUESTED)
    assert requested.data["automatic"] is True and requested.data["stage"] == "deploy-10"
    assert requested.reason.startswith("error rate ") and "not below 1%" in requested.reason
    assert requested.data["measurements"]["errorRate"] > 0.05
    completed = next(e for e in events if e.type == ev.ROLLBACK_COMPLETED)
    assert [(r["target"], r["to"], r["status"]) for r in completed.data["targets"]] == [
        ("eu-demo-01", "1.2.0", "succeeded")]
    assert [version_of(demo_fleet, n) for n in DEMO_TARGETS] == ["1.2.0"] * 3


def test_a_target_killed_during_a_canary_breaches_the_gate(live_site, demo_fleet):
    site = live_site
    setup_env(site, auto_continue=False, window=4.0)
    add_demo_release(site, "1.3.0-rc1")
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-demo", who(site, "alice"))
    Executor(site, pid, product_registry()).run()  # canary 10% held: waiting for Continue
    actions.act(site, pid, "continue", who(site, "olga"))

    runner = threading.Thread(target=lambda: Executor(site, pid, product_registry()).run())
    runner.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            events, _ = promotions.load_run(site, pid)
            if any(e.type == ev.STEP_CRITERIA and e.step == "deploy-50" and "measurement" in e.data
                   for e in events):
                break
            time.sleep(0.05)
        demo_fleet.kill("eu-demo-02")  # the newest canary target dies mid-window
    finally:
        runner.join(timeout=30)
    assert not runner.is_alive()
    events, state = promotions.load_run(site, pid)
    measured = [e.data for e in events if e.type == ev.STEP_CRITERIA and e.step == "deploy-50"
                and "measurement" in e.data]
    assert measured[-1]["healthy"] == 1 and measured[-1]["total"] == 2
    assert measured[-1]["auto_rollback"] == "triggered"
    requested = next(e for e in events if e.type == ev.ROLLBACK_REQUESTED)
    assert requested.reason.startswith("healthy 1/2 (50%) below 95%")
    # the dead target cannot be returned: the rollback says so, the live one is back
    assert state.status == "failed" and "eu-demo-02" in state.step("deploy-50").error
    assert "1 returned" in state.step("deploy-50").error
    assert version_of(demo_fleet, "eu-demo-01") == "1.2.0"

    demo_fleet.restart("eu-demo-02")  # back up, still on the new release
    assert version_of(demo_fleet, "eu-demo-02") == "1.3.0-rc1"
    actions.act(site, pid, "rollback", who(site, "olga"), "eu-demo-02 is back; finish the rollback", scope="full")
    Executor(site, pid, product_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert [version_of(demo_fleet, n) for n in DEMO_TARGETS] == ["1.2.0"] * 3
