"""Data health: feed freshness against the site's thresholds, failed jobs, integrations."""

from __future__ import annotations

import os

import pytest

from app.errors import Rejected, UsageError
from app.services import health
from app.services.health import (
    FAIL,
    OK,
    WARN,
    IntegrationHealth,
    JobIssue,
    Thresholds,
)
from tests.gate.conftest import run_to_gate
from tests.support.factories import add_target
from tests.support.gate_data import add_shop_release, store_feed
from tests.test_layers import ROOT, imported_modules


def _no_targets(site):
    return []


def test_no_snapshot_at_all_is_fail(site):
    report = health.report(site, probe=_no_targets)
    assert report.status == FAIL
    assert report.problems == ("no feed snapshot has been imported",)


@pytest.mark.parametrize("snapshot, status, detail", [
    ("2026-02-18T05:30:00Z", OK, "fresh (3h)"),
    ("2026-02-18T01:30:00Z", WARN, "stale 7h"),
    ("2026-02-17T06:00:00Z", FAIL, "stale 26h, beyond 24h"),
])
def test_feed_freshness_per_source_and_ecosystem(site, snapshot, status, detail):
    store_feed(site, snapshot, ecosystems=["npm", "PyPI", "Debian:12"])
    report = health.report(site, probe=_no_targets)
    assert [(f.source, f.ecosystem, f.status, f.detail) for f in report.feeds] == [
        ("osv", "Debian", status, detail), ("osv", "PyPI", status, detail),
        ("osv", "npm", status, detail)]
    assert report.status == status
    if status != OK:
        assert report.problems == (f"osv {detail} (Debian, PyPI +1)",)


def test_thresholds_are_a_site_setting(site):
    assert health.thresholds(site) == Thresholds(6.0, 24.0)
    store_feed(site, "2026-02-18T01:30:00Z")  # 7 h
    with pytest.raises(Rejected, match="audrey is 'auditor' and may not change"):
        health.set_thresholds(site, 8, 30, "audrey")
    with pytest.raises(UsageError, match="0 < warn < fail"):
        health.set_thresholds(site, 30, 8, "olga")
    health.set_thresholds(site, 8, 30, "olga")
    assert health.thresholds(site) == Thresholds(8.0, 30.0)
    assert health.report(site, probe=_no_targets).section("feeds") == OK


def test_failed_steps_of_active_runs_are_failed_jobs(gate_site):
    pid, _ = run_to_gate(gate_site, add_shop_release(gate_site))  # blocked by criticals
    report = health.report(gate_site, probe=_no_targets)
    assert [(j.subject, j.job, j.status) for j in report.jobs] == [
        (pid, "Gate Eval (Policy)", "failed")]
    assert report.status == WARN
    assert f"{pid} Gate Eval (Policy) failed" in report.problems


def test_a_scheduler_can_add_its_failed_jobs(gate_site):
    class DeadLetters:
        name = "test-dead-letters"

        def failed_jobs(self, site):
            return [JobIssue(self.name, "schedule-7", "rescan", "dead-lettered", "3 attempts")]

    sources = (*health.job_sources(), DeadLetters())
    report = health.report(gate_site, probe=_no_targets, sources=sources)
    assert ("schedule-7", "dead-lettered") in [(j.subject, j.status) for j in report.jobs]
    assert "schedule-7" not in [j.subject for j in health.report(gate_site, probe=_no_targets).jobs]


def test_the_sources_are_named_once_and_import_no_report():
    """The scheduler and the chain verifier are sources the report names: neither imports
    the report back (the cycle a registration at import time made)."""
    assert [s.name for s in health.job_sources()] == ["runs", "scheduler", "chains"]
    for module in ("app/services/scheduler.py", "app/services/chain_verifier.py"):
        assert "app.services.health" not in imported_modules(ROOT / module), module


def test_integrations_targets_and_secret_providers(gate_site):
    def probe(site):
        return [IntegrationHealth("deploy-target", "eu-prod-01", OK, "healthy", "eu-prod"),
                IntegrationHealth("deploy-target", "eu-prod-02", WARN, "connection refused",
                                  "eu-prod")]

    secrets = gate_site.paths.home / "secrets"
    secrets.mkdir()
    os.chmod(secrets, 0o777)
    report = health.report(gate_site, probe=probe)
    assert report.status == WARN
    folder = next(i for i in report.integrations if i.kind == "secret-provider")
    assert folder.status == WARN and "writable by others" in folder.detail
    assert "eu-prod/eu-prod-02 degraded" in report.problems
    assert "eu-prod/eu-prod-02: connection refused" in health.problem_details(report)
    os.chmod(secrets, 0o700)
    assert health.report(gate_site, probe=probe).section("integrations") == WARN
    assert health.report(gate_site, probe=_no_targets).status == OK


def test_targets_are_asked_through_their_drivers(gate_site):

    add_target(gate_site, "eu-prod", "eu-prod-01", "command")
    [target] = health.driver_probe(gate_site)
    assert (target.kind, target.scope, target.name, target.status) == (
        "deploy-target", "eu-prod", "eu-prod-01", WARN)
    assert "no deploy commands configured" in target.detail
    quick = health.report(gate_site, probe_targets=False)
    assert [(i.name, i.status, i.detail) for i in quick.integrations][0] == (
        "eu-prod-01", OK, "command: not checked")


def test_several_degraded_targets_of_one_environment_are_one_problem(gate_site):
    def probe(site):
        return [IntegrationHealth("deploy-target", f"eu-prod-0{n}", WARN, "503", "eu-prod")
                for n in (1, 2, 3)] + [
            IntegrationHealth("deploy-target", "eu-stage-01", WARN, "refused", "eu-stage")]

    assert health.report(gate_site, probe=probe).problems == (
        "eu-prod: 3 targets degraded", "eu-stage/eu-stage-01 degraded")
