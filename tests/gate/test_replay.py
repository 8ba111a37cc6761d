"""Replay from sealed inputs: every verdict matches; any one changed input is a mismatch
whose diff names it; requests and determinism metrics are recorded; what-if finds flips."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from app.services import gate, replay
from app.services.gate_inputs import release_root, release_row
from engine.canonical import canonical_bytes
from models.tables import Advisory, GatePolicy, GateVerdict
from tests.gate.conftest import run_to_gate
from tests.support.gate_data import (
    PERMISSIVE,
    POLICY,
    SHOP_SBOM,
    add_shop_release,
    fixture_records,
    store_feed,
    store_policy_doc,
)

CRITICAL_RECORDS = ("GHSA-fjxv-7rqg-78g4", "GHSA-jf85-cpcp-j695", "GHSA-h4j5-c7cj-74xg")


def _verdict(site, version: str = "11.1.2") -> tuple[str, gate.StoredVerdict]:
    pid, _ = run_to_gate(site, add_shop_release(site, version))
    return pid, gate.latest_verdict(site, pid)


def test_every_recorded_verdict_replays_to_the_same_digest(gate_site):
    site = gate_site
    blocked, _ = _verdict(site)
    store_policy_doc(site, PERMISSIVE)
    passed, _ = _verdict(site, "11.1.3")
    records = replay.replay_all(site, "audrey", "quarterly audit")
    assert [(r.request_id, r.promotion_id, r.status, r.result) for r in records] == [
        ("rr-001", blocked, "completed", "match"), ("rr-002", passed, "completed", "match")]
    assert all(r.replayed_digest == r.recorded_digest and r.diff is None for r in records)
    assert replay.determinism(site).to_json() == {
        "total": 2, "matching": 2, "mismatches": 0, "errors": 0, "match_rate": 1.0}


def _tamper_advisory(site, stored):
    with site.db.write() as session:
        row = session.scalar(select(Advisory).where(Advisory.osv_id == "GHSA-29mw-wpgm-hmr9"))
        doc = json.loads(row.data)
        doc["summary"] = doc["summary"] + " (edited)"
        row.data = json.dumps(doc).encode()


def _tamper_sbom(site, stored):
    with site.db.read() as session:
        row = release_row(session, stored.replay["release"])
    path = release_root(site, row.digest, row.bundle_digest) / "sbom" / SHOP_SBOM
    path.write_bytes(path.read_bytes().replace(b"lodash@4.17.19", b"lodash@4.17.21")
                     .replace(b'"version": "4.17.19"', b'"version": "4.17.21"'))


def _tamper_policy(site, stored):
    changed = json.loads(json.dumps(POLICY))
    changed["rules"][2]["action"] = "block"  # "unfixed" now blocks
    with site.db.write() as session:
        session.execute(update(GatePolicy).where(GatePolicy.digest == stored.replay["policy"])
                        .values(document=json.dumps(changed).encode()))


def _tamper_baseline(site, stored):
    material = dict(stored.replay)
    material["baseline"] = {"name": "eu-stage", "known": ["GHSA-29mw-wpgm-hmr9"]}
    with site.db.write() as session:
        session.execute(update(GateVerdict).where(GateVerdict.id == stored.record.row_id)
                        .values(replay=canonical_bytes(material)))


@pytest.mark.parametrize("tamper, sections, rules, findings", [
    (_tamper_advisory, {("advisories", "GHSA-29mw-wpgm-hmr9")}, [], {}),
    (_tamper_sbom, {("sboms", f"sbom/{SHOP_SBOM}"), ("packages", "npm/lodash")}, [],
     {"removed": ["GHSA-29mw-wpgm-hmr9 npm/lodash@4.17.19",
                  "GHSA-35jh-r3h4-6jhm npm/lodash@4.17.19"]}),
    (_tamper_policy, {("policy", "digest")}, [("unfixed", "triggered", "triggered", True)], {}),
    (_tamper_baseline, {("baseline", "digest")}, [],
     {"changed": [("GHSA-29mw-wpgm-hmr9 npm/lodash@4.17.19", ["new"])]}),
], ids=["one-advisory", "one-component-version", "one-policy-rule", "the-baseline"])
def test_one_changed_input_is_a_mismatch_that_names_it(gate_site, tamper, sections, rules,
                                                       findings):
    site = gate_site
    pid, stored = _verdict(site)
    tamper(site, stored)
    record = replay.replay_verdict(site, stored.record.verdict_id, "audrey", "tamper check")
    assert (record.status, record.result) == ("completed", "mismatch")
    assert record.replayed_digest != record.recorded_digest
    diff = record.diff
    assert {(c["section"], c["key"]) for c in diff["inputs"]} == sections
    assert [(r["id"], r["before"], r["after"], r["definition_changed"])
            for r in diff["rules"]] == rules
    assert diff["findings_removed"] == findings.get("removed", [])
    assert [(f["key"], f["fields"]) for f in diff["findings_changed"]] == \
        findings.get("changed", [])
    assert replay.determinism(site, pid).to_json()["mismatches"] == 1


def test_requests_are_listed_per_promotion_with_metrics(gate_site):
    site = gate_site
    first, stored = _verdict(site)
    second, other = _verdict(site, "11.1.3")
    replay.replay_verdict(site, stored.record.verdict_id, "audrey", "audit")
    _tamper_baseline(site, other)
    replay.replay_verdict(site, other.record.verdict_id, "audrey", "")
    listed = replay.requests(site, first)
    assert [(r.request_id, r.reason, r.result) for r in listed] == [("rr-001", "audit", "match")]
    assert [(r.request_id, r.reason) for r in replay.requests(site)] == [
        ("rr-002", "Audit verification"), ("rr-001", "audit")]
    overall = replay.determinism(site)
    assert (overall.total, overall.matching, overall.mismatches, overall.match_rate) == (
        2, 1, 1, 0.5)


def test_a_replay_that_cannot_rebuild_its_inputs_is_recorded_as_failed(gate_site):
    site = gate_site
    pid, stored = _verdict(site)
    with site.db.read() as session:
        row = release_row(session, stored.replay["release"])
    (release_root(site, row.digest, row.bundle_digest) / "sbom" / SHOP_SBOM).unlink()
    record = replay.replay_verdict(site, stored.record.verdict_id, "audrey", "audit")
    assert (record.status, record.result) == ("failed", "error")
    assert "is not in the site store" in record.error
    assert replay.determinism(site).to_json() == {
        "total": 0, "matching": 0, "mismatches": 0, "errors": 1, "match_rate": None}


def test_what_if_reports_the_promotions_a_newer_snapshot_would_flip(gate_site):
    site = gate_site
    blocked, stored = _verdict(site)
    store_policy_doc(site, {**POLICY, "version": 8, "rules": POLICY["rules"][1:2]})
    passing, _ = _verdict(site, "11.1.3")  # only "reachable-high", nothing reachable: PASS
    # A newer snapshot in which the three critical advisories were withdrawn from the feed.
    kept = [(p, d) for p, d in fixture_records() if json.loads(d)["id"] not in CRITICAL_RECORDS]
    newer = store_feed(site, "2026-02-18T07:30:00Z", records=kept)
    site.config.clock.advance(3600)
    results = {w.promotion_id: w for w in replay.what_if(site)}
    flip = results[blocked]
    assert (flip.before, flip.after, flip.flips) == ("block", "pass", True)
    assert flip.feeds == (newer,)
    assert sorted(flip.diff["findings_removed"]) == [
        "GHSA-fjxv-7rqg-78g4 npm/form-data@2.3.3",
        "GHSA-h4j5-c7cj-74xg npm/xmlhttprequest-ssl@1.5.5",
        "GHSA-jf85-cpcp-j695 npm/lodash@2.4.2"]
    assert results[passing].flips is False and results[passing].after == "pass"
    assert replay.requests(site) == []  # exploring is not replaying the sealed verdict
    assert replay.what_if(site, stored.record.verdict_id)[0].after == "pass"

