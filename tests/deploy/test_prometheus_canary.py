"""Canary analysis by a real Prometheus: the server scrapes the real demo fleet through
a file-based service discovery file this test writes, and the deploy stage asks it
PromQL over the HTTP API. Skipped, saying why, only where prometheus cannot be installed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from app.executor import Executor
from app.screens.deploy_snapshots import load_deploy_stage
from app.services import promotions
from devkit.deploy import ERROR_RATE
from devkit.deploy import prometheus_settings as settings
from engine.canary.gate import percent
from engine.run import events as ev
from tests.support.deploy import add_demo_release, add_environment, product_registry
from tests.support.factories import who
from tests.support.prometheus_server import PrometheusServer
from tests.support.system_tools import ensure_tool
from views.deploy_stage.chart import ChartSample, LineChartWidget

from .conftest import DEMO_TARGETS
from .test_demo_fleet_run import version_of


@pytest.fixture
def prometheus(demo_fleet, tmp_path) -> Iterator[PrometheusServer]:
    server = PrometheusServer(tmp_path / "prometheus", ensure_tool("prometheus", "prometheus"))
    server.write_targets(demo_fleet.ports())
    with server:
        server.wait_for_series('http_requests_total{stella_target="eu-demo-01"}')
        yield server
    assert server.proc is not None and server.proc.poll() is not None, "prometheus outlived its test"


def measured(events, step: str) -> list[dict]:
    return [e.data for e in events if e.type == ev.STEP_CRITERIA and e.step == step and "measurement" in e.data]


def test_a_breaching_error_rate_query_rolls_the_canary_back_with_the_promql_as_evidence(
        live_site, demo_fleet, prometheus, qapp):
    site = live_site
    add_environment(site, "eu-demo", DEMO_TARGETS, "demo-fleet", settings(prometheus.address, window=8.0))
    add_demo_release(site, "1.3.0-rc1-bad", error_rate=0.3)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1-bad", "eu-demo", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    events, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back", [(s.name, s.status, s.error) for s in state.steps]
    requested = next(e for e in events if e.type == ev.ROLLBACK_REQUESTED)
    assert requested.data["automatic"] is True and requested.data["stage"] == "deploy-10"
    assert "error-rate" in requested.reason and "breaks success condition < 0.05" in requested.reason
    last = requested.data["measurements"]
    assert last["provider"] == "prometheus" and last["phase"] == "failed"
    rate = next(q for q in last["queries"] if q["name"] == "error-rate")
    # exactly what was asked (placeholders filled) and what Prometheus answered
    assert rate["query"] == ERROR_RATE.replace("{targets}", r"eu\\-demo\\-01")
    assert rate["raw"]["resultType"] == "vector" and rate["values"][0] >= 0.05
    assert float(rate["raw"]["result"][0]["value"][1]) == rate["values"][0]
    assert rate["evaluatedAt"] and rate["error"] == ""
    assert version_of(demo_fleet, "eu-demo-01") == "1.2.0"
    evidence = next(e for e in events if e.type == ev.STEP_CRITERIA and e.step == "deploy-10"
                    and e.data.get("auto_rollback") == "triggered")
    assert evidence.data["measurement"]["queries"][0]["raw"]["result"]
    # and every sample of the window, from /api/v1/query_range, beside the decision
    window = {w["name"]: w for w in evidence.data["window"]}
    assert set(window) == {"error-rate", "p95-latency"} and window["error-rate"]["error"] == ""
    assert window["error-rate"]["query"] == rate["query"] and window["error-rate"]["raw"]["resultType"] == "matrix"
    samples = window["error-rate"]["raw"]["result"][0]["values"]
    # the range runs from the first measurement to the deciding one: a loaded machine may
    # decide a breach on its first measurements, so one sample is as honest as many
    assert len(samples) == window["error-rate"]["samples"] >= 1 and all(float(v) >= 0 for _, v in samples)
    # the stage's charts draw the conditions the queries were judged by, not the gate's limits
    stage = load_deploy_stage(site, pid, "deploy-10")
    assert stage.error_conditions == (("success", "<", 0.05),)
    assert stage.p95_conditions == (("success", "<", 500.0),)
    chart = LineChartWidget("Error rate", percent, "#1565c0")
    chart.set_series([ChartSample(p.seconds, p.error_rate, p.phase == "failed") for p in stage.points
                      if p.error_rate is not None], stage.window_seconds, stage.max_error_rate,
                     conditions=stage.error_conditions)
    assert chart.limit is None and chart.conditions == (("success", "<", 0.05),)
    assert "judged by success < 5%" in chart.toolTip() and "limit" not in chart.toolTip()
    chart.resize(360, 160)
    chart.grab()  # paints the condition's line without error


def test_a_healthy_canary_proceeds_on_prometheus_answers(live_site, demo_fleet, prometheus):
    site = live_site
    add_environment(site, "eu-demo", DEMO_TARGETS, "demo-fleet", settings(prometheus.address, window=4.0))
    add_demo_release(site, "1.3.0-rc1")
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-demo", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    events, state = promotions.load_run(site, pid)
    step = state.step("deploy-10")
    assert step.status == "waiting" and step.waiting_for == "continue", (step.status, step.error, step.summary)
    rows = measured(events, "deploy-10")
    assert rows[-1]["met"] and rows[-1]["status"] == "passed"
    assert rows[-1]["provider"] == {"name": "prometheus", "address": prometheus.address, "answered": True}
    assert rows[-1]["error_rate"] == 0.0 and all(r["phase"] != "error" for r in rows)
    assert rows[-1]["p95_ms"] is not None and rows[-1]["p95_ms"] < 500
    window = rows[-1]["window"]  # the whole measured window, as Prometheus holds it
    assert [w["name"] for w in window] == ["error-rate", "p95-latency"]
    assert all(w["error"] == "" and w["raw"]["resultType"] == "matrix" and w["samples"] >= 2 for w in window)
    assert all("window" not in r for r in rows[:-1])  # only the decision carries it
    assert version_of(demo_fleet, "eu-demo-01") == "1.3.0-rc1"
    stage = load_deploy_stage(site, pid, "deploy-10")
    assert stage.provider == f"prometheus at {prometheus.address}: answered"
    # the canary's row says what measured it, not "waiting" for per-target samples a provider never gives
    canary = next(t for t in stage.targets if t.name == "eu-demo-01")
    assert canary.in_stage and canary.notes == (f"deployed; measured by prometheus with the stage: "
                                                f"err {percent(0.0)} · p95 {rows[-1]['p95_ms']:.0f}ms")


def test_prometheus_stopped_mid_canary_gives_error_measurements_and_pauses(live_site, demo_fleet, prometheus,
                                                                            qapp):
    site = live_site
    add_environment(site, "eu-demo", DEMO_TARGETS, "demo-fleet", settings(prometheus.address, window=30.0))
    add_demo_release(site, "1.3.0-rc1")
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-demo", who(site, "alice"))
    runner = threading.Thread(target=lambda: Executor(site, pid, product_registry()).run())
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            events, _ = promotions.load_run(site, pid)
            if len(measured(events, "deploy-10")) >= 2:
                break
            time.sleep(0.1)
        prometheus.stop()
    finally:
        runner.join(timeout=60)
    assert not runner.is_alive()
    events, state = promotions.load_run(site, pid)
    rows = measured(events, "deploy-10")
    errors = [r for r in rows if r["phase"] == "error"]
    assert len(errors) == 3  # two tolerated, the third is past the limit
    assert all(not r["met"] and r["provider"]["answered"] is False for r in errors)
    assert "no answer from" in errors[0]["measurement"]["notes"][0]
    assert errors[0]["measurement"]["queries"][0]["query"].startswith("sum(rate(")
    step = state.step("deploy-10")
    assert step.status == "waiting" and step.waiting_for == "operator"  # never a silent pass
    assert rows[-1]["decision"]["cause"] == "errors" and rows[-1]["status"] == "inconclusive"
    assert "metrics provider error: 3 consecutive" in rows[-1]["reason"]
    assert not any(e.type == ev.ROLLBACK_REQUESTED for e in events)
    stage = load_deploy_stage(site, pid, "deploy-10")  # what the Deploy Stage View shows
    assert stage.provider.startswith(f"prometheus at {prometheus.address}: ERROR (3 in a row, 2 tolerated)")
    assert "no answer from" in stage.provider and stage.healthy is None
    canary = next(t for t in stage.targets if t.name == "eu-demo-01")
    assert canary.notes == "deployed; prometheus did not answer the last measurement (see Metrics)"
    from views.deploy_stage.view import current_html
    assert "Metrics:" in current_html(stage) and "ERROR" in current_html(stage)
    unanswered = [p.seconds for p in stage.points if p.phase == "error"]
    assert len(unanswered) == 3  # marked on the charts' time axis: measured, but no answer
    chart = LineChartWidget("Error rate", percent, "#1565c0")
    chart.set_series([], stage.window_seconds, None, conditions=stage.error_conditions, errors_at=unanswered)
    assert "3 Error measurement(s) (no answer)" in chart.toolTip()
    chart.resize(360, 160)
    chart.grab()


def test_prometheus_stopped_mid_canary_rolls_back_when_so_configured(live_site, demo_fleet, prometheus):
    site = live_site
    add_environment(site, "eu-demo", DEMO_TARGETS, "demo-fleet",
                    settings(prometheus.address, window=30.0, on_error="rollback"))
    add_demo_release(site, "1.3.0-rc1")
    prometheus.stop()  # down before the canary starts: not one answer
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-demo", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    events, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    requested = next(e for e in events if e.type == ev.ROLLBACK_REQUESTED)
    assert "metrics provider error" in requested.reason
    assert [r["phase"] for r in measured(events, "deploy-10")] == ["error"] * 3
    assert version_of(demo_fleet, "eu-demo-01") == "1.2.0"
