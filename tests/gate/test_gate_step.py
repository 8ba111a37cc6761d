"""The Gate Eval step on the real fixture records and SBOMs: findings, outcomes, evidence."""

from __future__ import annotations

import base64
import json

from app.executor import Executor
from app.services import evidence, gate, promotions
from app.services.gate_inputs import release_root
from engine.evidence import statements
from engine.policy import check_verdict_document
from tests.gate.conftest import run_to_gate
from tests.support.factories import who
from tests.support.gate_data import (
    MAVEN_SBOM,
    PERMISSIVE,
    POLICY,
    SHOP_SBOM,
    add_shop_release,
    gate_registry,
    store_policy_doc,
    vex_document,
)


def _by_package(document) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for f in document["findings"]:
        out.setdefault((f["package"], f["version"]), []).append(f["id"])
    return {k: sorted(v) for k, v in out.items()}


def test_the_gate_finds_the_hand_checked_findings_and_blocks_on_criticals(gate_site):
    site = gate_site
    pid, state = run_to_gate(site, add_shop_release(site, sboms=(SHOP_SBOM, MAVEN_SBOM)))
    document = gate.latest_verdict(site, pid).document
    found = _by_package(document)
    # Checked by hand in tests/engine/vuln/test_match_sboms.py against the same records:
    assert found[("lodash", "4.17.19")] == ["GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm"]
    assert found[("lodash", "2.4.2")] == ["GHSA-35jh-r3h4-6jhm", "GHSA-4xc9-xhrj-v574",
                                          "GHSA-fvqr-27wr-82fm", "GHSA-jf85-cpcp-j695"]
    assert found[("qs", "6.5.2")] == ["GHSA-hrpp-h998-j3pp"]
    assert found[("lodash.set", "4.3.2")] == ["GHSA-p6mc-m468-83gw"]
    assert found[("org.dom4j:dom4j", "2.1.1")] == ["GHSA-hwj3-m3p6-hj38"]
    assert found[("com.google.guava:guava", "24.1.1-jre")] == ["GHSA-5mg8-w23w-74h3",
                                                               "GHSA-7g45-4rm6-3mm3"]
    assert ("debug", "2.6.9") not in found  # sits on the fixed version 2.6.9
    assert len(document["findings"]) == 36
    # Critical by CVSS 9.1 (GHSA-jf85), and the rest by their records' ratings:
    rules = {r["id"]: r for r in document["rules"]}
    assert rules["no-critical"]["outcome"] == "triggered"
    assert rules["no-critical"]["findings"] == [
        "GHSA-hwj3-m3p6-hj38 Maven/org.dom4j:dom4j@2.1.1",
        "GHSA-fjxv-7rqg-78g4 npm/form-data@2.3.3",
        "GHSA-jf85-cpcp-j695 npm/lodash@2.4.2",
        "GHSA-h4j5-c7cj-74xg npm/xmlhttprequest-ssl@1.5.5"]
    assert rules["unfixed"]["findings"] == ["GHSA-p6mc-m468-83gw npm/lodash.set@4.3.2",
                                            "GHSA-p8p7-x288-28g6 npm/request@2.88.2"]
    assert rules["feeds-fresh"]["outcome"] == "not-triggered"
    # Only the ecosystems the release needs are feed inputs.
    assert [f["ecosystem"] for f in document["inputs"]["feeds"]] == ["Maven", "npm"]
    step = state.step("gate-eval")
    assert step.status == "failed"
    assert step.error == ("BLOCK — no-critical: Critical vulnerabilities must be fixed before "
                          "prod")
    assert step.outputs["verdict_id"] == document["verdict_id"]
    assert step.outputs["feeds"] == [
        {"source": "osv", "ecosystem": "Maven", "snapshot": "2026-02-18T05:30:00Z",
         "age_hours": 3.0},
        {"source": "osv", "ecosystem": "npm", "snapshot": "2026-02-18T05:30:00Z",
         "age_hours": 3.0}]


def test_the_verdict_is_policy_decision_evidence_with_the_full_explanation(gate_site):
    site = gate_site
    pid, _ = run_to_gate(site, add_shop_release(site))
    stored = gate.latest_verdict(site, pid)
    check_verdict_document(stored.document)
    items = [e for e in evidence.list_evidence(site, pid) if e.step == "gate-eval"]
    assert [(e.name, e.predicate_type) for e in items] == [
        ("policy-decision", statements.POLICY_DECISION)]
    assert stored.record.evidence_digest == items[0].digest
    envelope = json.loads(evidence.envelope_bytes(site, items[0].id))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    predicate = statement["predicate"]
    assert statement["subject"][0]["name"] == "juice-shop@11.1.2"
    assert predicate["stellaopsVerdict"] == stored.document
    assert predicate["timeCreated"] == "2026-02-18T08:30:00Z"
    assert "STELLAOPS_GATE_PASSED" not in predicate["properties"]
    assert "STELLAOPS_RULE_FEEDS_FRESH_PASSED" in predicate["properties"]
    assert predicate["policy"]["digest"]["sha256"] == stored.document["policy"]["digest"][7:]


def _outcome_with(site, rules):
    store_policy_doc(site, {**POLICY, "version": 8, "rules": rules})
    pid, state = run_to_gate(site, add_shop_release(site))
    return state.step("gate-eval"), gate.latest_verdict(site, pid).document


def test_pass_succeeds(gate_site):
    store_policy_doc(gate_site, PERMISSIVE)
    pid, state = run_to_gate(gate_site, add_shop_release(gate_site))
    step = state.step("gate-eval")
    assert (step.status, step.outputs["outcome"], step.outputs["approval_required"]) == (
        "succeeded", "pass", False)
    assert step.summary == "PASS — 28 findings"


def test_warn_is_a_warned_step(gate_site):
    step, document = _outcome_with(gate_site, [POLICY["rules"][2]])
    assert (step.status, document["outcome"]) == ("warned", "warn")
    assert step.summary == "WARN (1 rule) — 28 findings"


def test_require_approval_succeeds_and_asks_for_approval(gate_site):
    step, document = _outcome_with(gate_site, [
        {"id": "many-highs", "condition": "counts.high > 5", "action": "require-approval",
         "message": "More than 5 high findings"}])
    assert (step.status, document["outcome"], step.outputs["approval_required"]) == (
        "succeeded", "require-approval", True)


def test_no_policy_fails_the_step_with_the_reason(site):
    from tests.support.gate_data import store_feed

    store_feed(site)
    _, state = run_to_gate(site, add_shop_release(site))
    step = state.step("gate-eval")
    assert step.status == "failed"
    assert step.error.startswith("no gate policy has been imported")
    assert gate.verdicts(site) == []


def test_a_missing_sbom_fails_the_step_and_names_it(gate_site):
    site = gate_site
    digest = add_shop_release(site)
    with site.db.read() as session:
        from app.services.gate_inputs import release_row

        row = release_row(session, digest)
    (release_root(site, digest, row.bundle_digest) / "sbom" / SHOP_SBOM).unlink()
    _, state = run_to_gate(site, digest)
    assert state.step("gate-eval").status == "failed"
    assert f"the SBOM sbom/{SHOP_SBOM} is not in the site store" in state.step("gate-eval").error


def test_vex_in_the_release_suppresses_with_its_justification(gate_site):
    site = gate_site
    vex = {"vex/shop.openvex.json": vex_document("CVE-2019-10744", "pkg:npm/lodash@2.4.2")}
    pid, _ = run_to_gate(site, add_shop_release(site, vex=vex))
    document = gate.latest_verdict(site, pid).document
    jf85 = next(f for f in document["findings"] if f["id"] == "GHSA-jf85-cpcp-j695")
    assert (jf85["suppressed"], jf85["vex_status"], jf85["justification"]) == (
        True, "not_affected", "vulnerable_code_not_in_execute_path")
    assert len(document["inputs"]["vex"]) == 1
    no_critical = next(r for r in document["rules"] if r["id"] == "no-critical")
    assert "GHSA-jf85-cpcp-j695 npm/lodash@2.4.2" not in no_critical["findings"]


def test_the_baseline_is_what_the_last_completed_promotion_brought(gate_site):
    site = gate_site
    store_policy_doc(site, PERMISSIVE)
    first = promotions.create_promotion(site, add_shop_release(site), "eu-stage", who(site, "alice"))
    Executor(site, first, gate_registry()).run()
    assert promotions.load_run(site, first)[1].status == "completed"
    known = {f["key"] for f in gate.latest_verdict(site, first).document["findings"]}
    # The next version has the same SBOM: every finding is known in eu-stage.
    pid, _ = run_to_gate(site, add_shop_release(site, "11.1.3"))
    stored = gate.latest_verdict(site, pid)
    assert set(stored.replay["baseline"]["known"]) == known
    assert stored.replay["baseline"]["name"] == "eu-stage"
    assert all(not f["new"] for f in stored.document["findings"])
    # A release with more packages: only the Maven findings are new.
    pid, _ = run_to_gate(site, add_shop_release(site, "11.2.0", sboms=(SHOP_SBOM, MAVEN_SBOM)))
    document = gate.latest_verdict(site, pid).document
    assert {f["ecosystem"] for f in document["findings"] if f["new"]} == {"Maven"}


def test_runtime_observations_of_the_release_mark_findings_reachable(gate_site):
    site = gate_site
    digest = add_shop_release(site)
    earlier, _ = run_to_gate(site, digest)
    assert gate.latest_verdict(site, earlier).replay["observed"] is None  # nothing reported
    # A runtime reported, per target, the packages it saw loaded.
    evidence.record_evidence(site, earlier, "post-deploy-verify", 1, "runtime-reachability",
                             statements.RUNTIME_REACHABILITY, {"targets": [
                                 {"target": "t01", "components": [
                                     {"name": "c0", "purls": ["pkg:npm/lodash@4.17.19"]}]}]})
    pid, _ = run_to_gate(site, digest)
    stored = gate.latest_verdict(site, pid)
    assert stored.replay["observed"] == ["pkg:npm/lodash@4.17.19"]
    reachable = {f["key"] for f in stored.document["findings"] if f["reachable"]}
    assert reachable == {"GHSA-29mw-wpgm-hmr9 npm/lodash@4.17.19",
                         "GHSA-35jh-r3h4-6jhm npm/lodash@4.17.19"}
    assert stored.document["inputs"]["reachability"] is not None
