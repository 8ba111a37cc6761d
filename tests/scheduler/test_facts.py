"""Precondition facts gathered from the site: SBOM rescans against a real recorded gate
verdict, integrations from the health probes, and facts that cannot be read."""

from __future__ import annotations

from datetime import timedelta

from app.executor import Executor
from app.services import gate, health, promotions, schedule_facts
from engine.clock import rfc3339
from engine.schedule import Precondition, evaluate
from models.tables import ReplayRequest
from tests.scheduler.conftest import feed_taken
from tests.support.factories import who
from tests.support.gate_data import (
    PERMISSIVE,
    add_shop_release,
    fixture_records,
    gate_registry,
    store_feed,
    store_policy_doc,
)

RESCANS = Precondition.parse("sbom-rescans-complete")
HEALTHY = Precondition.parse("integrations-healthy")


def test_sbom_rescans_follow_the_recorded_verdict(site, clock):
    add_shop_release(site)
    store_feed(site, ecosystems=["npm"], records=fixture_records(["npm"]))
    store_policy_doc(site, PERMISSIVE)
    pid = promotions.create_promotion(site, "juice-shop@11.1.2", "eu-stage", who(site, "alice"))

    facts = schedule_facts.gather(site, pid, "eu-stage", [RESCANS])
    assert facts.rescans.verdict_at is None  # no verdict yet: the run scans itself
    Executor(site, pid, gate_registry()).run(until="gate-eval")
    facts = schedule_facts.gather(site, pid, "eu-stage", [RESCANS])
    assert facts.rescans.verdict_at == "2026-02-18T08:30:00Z"
    assert facts.rescans.newer_data == () and facts.rescans.running == ()
    (check,) = evaluate([RESCANS], facts, clock.now()).checks
    assert check.held

    verdict = gate.latest_verdict(site, pid).record  # a replay of it, still running
    with site.db.write() as session:
        session.add(ReplayRequest(request_id="rr-007", verdict_row_id=verdict.row_id,
                                  verdict_id=verdict.verdict_id, promotion_id=pid,
                                  requested_by="audrey", reason="audit", status="running",
                                  requested_at=rfc3339(clock.now())))
    (check,) = evaluate([RESCANS], schedule_facts.gather(site, pid, "eu-stage", [RESCANS]),
                        clock.now()).checks
    assert check.text == f"still running: replay rr-007 of {verdict.verdict_id}"
    with site.db.write() as session:
        session.query(ReplayRequest).update({"status": "completed"})

    clock.advance(3600)
    newer = feed_taken(site, clock.now() - timedelta(minutes=10))
    assert newer
    store_policy_doc(site, {**PERMISSIVE, "version": 2})
    (check,) = evaluate([RESCANS], schedule_facts.gather(site, pid, "eu-stage", [RESCANS]),
                        clock.now()).checks
    assert not check.held
    assert check.text == ("newer than the gate verdict of 2026-02-18T08:30:00Z: osv/npm snapshot "
                          "2026-02-18T09:20:00Z, policy permissive v2; the findings have not "
                          "been rescanned")


def test_integrations_are_the_target_environment_and_the_secret_providers(site, monkeypatch):
    rows = [health.IntegrationHealth("deploy-target", "web-1", health.OK, "demo-fleet: healthy",
                                     "eu-stage"),
            health.IntegrationHealth("deploy-target", "web-2", health.WARN,
                                     "demo-fleet: not answering", "eu-stage"),
            health.IntegrationHealth("deploy-target", "db-1", health.WARN, "down", "us-prod")]
    monkeypatch.setattr(health, "driver_probe", lambda site_: rows)
    facts = schedule_facts.gather(site, "P-0001", "eu-stage", [HEALTHY])
    names = [(f.name, f.healthy) for f in facts.integrations]
    assert ("eu-stage/web-2", False) in names and ("eu-stage/web-1", True) in names
    assert not any(name.startswith("us-prod") for name, _ in names)
    (check,) = evaluate([HEALTHY], facts, site.clock.now()).checks
    assert check.text == "unhealthy: eu-stage/web-2 (demo-fleet: not answering)"


def test_facts_that_cannot_be_read_fail_their_precondition(site, monkeypatch):
    def broken(site_):
        raise OSError("the probe could not reach the fleet controller")
    monkeypatch.setattr(health, "driver_probe", broken)
    facts = schedule_facts.gather(site, "P-0001", "eu-stage", [HEALTHY])
    (check,) = evaluate([HEALTHY], facts, site.clock.now()).checks
    assert not check.held
    assert check.text == ("could not be checked: OSError: the probe could not reach the fleet "
                          "controller")
