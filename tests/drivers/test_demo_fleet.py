"""Real demo target processes on 127.0.0.1, real HTTP, real metrics."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from app.drivers import ReleaseRef, health_of_all
from app.drivers.demo_fleet import DemoFleet, DemoFleetDriver, DemoLoadGenerator, FleetError
from app.drivers.demo_fleet.http import http_get
from engine.canary import CanaryAnalysis, Decision, Exposition, HealthGate
from engine.clock import SystemClock
from tests.drivers.conftest import TARGETS, MakeRelease

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the fleet tests signal processes")

INTERVAL = 0.15
GATE = HealthGate(window_seconds=0.6, interval_seconds=INTERVAL, max_error_rate=0.01, max_p95_ms=250)


def version_of(fleet: DemoFleet, name: str) -> str:
    status, body = http_get(fleet.member(name).port, "/version", timeout=1)
    assert status == 200
    return json.loads(body)["version"]


def deploy_all(driver: DemoFleetDriver, fleet: DemoFleet, release: ReleaseRef, lines: list[str]) -> None:
    for target in fleet.targets():
        result = driver.deploy(target, release, log=lines.append)
        assert result.ok, result.detail


def analyse(driver: DemoFleetDriver, fleet: DemoFleet, gate: HealthGate = GATE) -> CanaryAnalysis:
    """Observe every INTERVAL until the analysis decides (bounded by 5 s)."""
    analysis = CanaryAnalysis(gate, SystemClock())
    decision: Decision = analysis.observe(health_of_all(driver, fleet.targets()))
    deadline = time.monotonic() + 5
    while not decision.final and time.monotonic() < deadline:
        time.sleep(INTERVAL)
        decision = analysis.observe(health_of_all(driver, fleet.targets()))
    assert decision.final, decision.reason
    return analysis


def test_targets_serve_their_release_and_record_themselves(fleet: DemoFleet) -> None:
    assert [m.name for m in fleet.members()] == list(TARGETS)
    assert len({m.port for m in fleet.members()}) == 3
    for name in TARGETS:
        assert version_of(fleet, name) == "1.2.0"
        status, body = http_get(fleet.member(name).port, "/healthz", timeout=1)
        assert (status, body) == (200, b"ok\n")
        status, text = http_get(fleet.member(name).port, "/metrics", timeout=1)
        assert status == 200 and Exposition.parse(text).family("http_request_duration_seconds")
    state = json.loads(fleet.state_file.read_text())
    assert [(t["name"], t["pid"]) for t in state["targets"]] == [(m.name, m.pid) for m in fleet.members()]


def test_good_release_passes_the_gate_with_no_errors(
    fleet: DemoFleet, driver: DemoFleetDriver, make_release: MakeRelease
) -> None:
    lines: list[str] = []
    deploy_all(driver, fleet, make_release("1.3.0-rc1"), lines)
    assert "[eu-prod-01] deploy succeeded: /version answers 1.3.0-rc1 (was 1.2.0)" in lines
    with DemoLoadGenerator(fleet, rate_per_target=40):
        analysis = analyse(driver, fleet)
    assert analysis.decision.status == "passed", analysis.decision.reason
    judged = [m for m in analysis.measurements if m.phase != "baseline"]
    assert len(judged) >= GATE.required_measurements
    assert all(m.error_rate == 0 and m.healthy_fraction == 1 for m in judged)
    assert all(m.p95_ms is not None and m.p95_ms < 50 for m in judged)
    assert sum(m.requests for m in judged) > 30
    assert {t.version for m in judged for t in m.targets} == {"1.3.0-rc1"}


def test_bad_release_breaches_and_rollback_restores_the_previous_version(
    fleet: DemoFleet, driver: DemoFleetDriver, make_release: MakeRelease
) -> None:
    good, bad = make_release("1.3.0-rc1"), make_release("1.3.0-rc1-bad", error_rate=0.2)
    lines: list[str] = []
    deploy_all(driver, fleet, good, lines)
    deploy_all(driver, fleet, bad, lines)
    with DemoLoadGenerator(fleet, rate_per_target=40) as load:
        analysis = analyse(driver, fleet)
    decision = analysis.decision
    assert decision.status == "breached" and decision.rollback
    assert decision.last is not None and decision.last.error_rate is not None
    # Up and healthy, but answering 500s: the error rate alone breached.
    assert decision.last.healthy_fraction == 1 and decision.last.errors > 0
    assert [b.split(" not below")[0].split(" ")[:2] for b in decision.last.breaches] == [["error", "rate"]]
    assert sum(s.errors for s in load.stats().values()) > 0
    for target in fleet.targets():
        result = driver.rollback(target, good, log=lines.append)
        assert result.ok and result.action == "rollback"
        assert (result.previous_version, result.version) == ("1.3.0-rc1-bad", "1.3.0-rc1")
    assert [version_of(fleet, name) for name in TARGETS] == ["1.3.0-rc1"] * 3


def test_a_killed_target_is_unhealthy_and_the_gate_acts(fleet: DemoFleet, driver: DemoFleetDriver) -> None:
    fleet.kill("eu-prod-02")
    assert not fleet.is_running("eu-prod-02")
    sample = driver.health(fleet.targets()[1])
    assert not sample.healthy and sample.detail == "unreachable: connection refused"
    with DemoLoadGenerator(fleet, rate_per_target=40):
        analysis = analyse(driver, fleet)
    decision = analysis.decision
    assert decision.status == "breached"
    assert decision.last is not None and (decision.last.healthy_targets, decision.last.total_targets) == (2, 3)
    assert "healthy 2/3" in decision.reason


def test_deploying_to_a_dead_target_fails_and_changes_nothing(
    fleet: DemoFleet, driver: DemoFleetDriver, make_release: MakeRelease
) -> None:
    fleet.kill("eu-prod-03")
    result = driver.deploy(fleet.targets()[2], make_release("1.3.0-rc1"), log=lambda _: None)
    assert result.status == "failed" and "nothing changed" in result.detail
    restarted = fleet.restart("eu-prod-03")
    assert fleet.is_running("eu-prod-03") and restarted.port == fleet.member("eu-prod-03").port
    assert version_of(fleet, "eu-prod-03") == "1.2.0"


def test_a_later_process_adopts_or_reaps_running_targets(fleet: DemoFleet, tmp_path: Path) -> None:
    later = DemoFleet(tmp_path / "home", "eu-prod")
    adopted = later.adopt()
    assert sorted(m.pid for m in adopted) == sorted(m.pid for m in fleet.members())
    assert later.reap_stale() == list(TARGETS)
    for member in fleet.members():
        with pytest.raises(FleetError):
            later.member(member.name)
        assert not fleet.is_running(member.name)


def test_a_target_that_cannot_start_is_reported(tmp_path: Path) -> None:
    broken = DemoFleet(tmp_path / "home", "eu-prod", launcher=[sys.executable, "-c", "import sys; sys.exit(4)"])
    with pytest.raises(FleetError, match="exited with status 4 while starting"):
        broken.start(["eu-prod-01"])
