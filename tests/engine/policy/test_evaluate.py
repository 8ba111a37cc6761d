"""Rule outcomes and the overall verdict, on the real juice-shop findings.

The shop SBOM gives 28 findings (tests/engine/vuln/test_match_sboms.py), of which
three are CRITICAL: form-data 2.3.3 (GHSA-fjxv, CVSS 9.4), lodash 2.4.2
(GHSA-jf85, 9.1) and xmlhttprequest-ssl 1.5.5 (GHSA-h4j5, 9.8); two have no fix:
lodash.set 4.3.2 and request 2.88.2 (last_affected ranges).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from engine.policy import Baseline, FeedSnapshot, GateInputError, Release
from engine.vuln import Component, VexDocument
from tests.engine.policy.scenario import AT, FEED_DIGEST, fresh_feeds, gate, policy

CRITICAL = ["GHSA-fjxv-7rqg-78g4 npm/form-data@2.3.3", "GHSA-jf85-cpcp-j695 npm/lodash@2.4.2",
            "GHSA-h4j5-c7cj-74xg npm/xmlhttprequest-ssl@1.5.5"]


def rule(rid: str, action: str, **expr: str) -> dict[str, str]:
    return {"id": rid, "action": action, "message": f"{rid} says so", **expr}


def outcomes(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.id: r.outcome for r in result.verdict.rules}


def test_every_rule_is_listed_with_its_outcome_and_findings() -> None:
    v = gate().verdict
    assert v.outcome == "block"
    assert [(r.id, r.outcome, r.action) for r in v.rules] == [
        ("feeds-fresh", "not-triggered", "block"),
        ("no-critical", "triggered", "block"),
        ("reachable-high", "not-triggered", "require-approval"),
        ("unfixed", "triggered", "warn"),
        ("too-many-highs", "not-triggered", "block"),
    ]
    assert list(v.rule("no-critical").findings) == CRITICAL
    assert v.rule("no-critical").message == "Critical vulnerabilities must be fixed before prod"
    assert list(v.rule("unfixed").findings) == ["GHSA-p6mc-m468-83gw npm/lodash.set@4.3.2",
                                                "GHSA-p8p7-x288-28g6 npm/request@2.88.2"]
    assert v.rule("too-many-highs").findings == ()  # not triggered: nothing behind it
    assert v.verdict_id == "verdict-" + v.decision_digest.removeprefix("sha256:")[:12]


def test_pass() -> None:
    result = gate(policy([rule("no-malware", "block", condition="counts.findings > 100")]))
    assert result.verdict.outcome == "pass"
    assert outcomes(result) == {"feeds-fresh": "not-triggered", "no-malware": "not-triggered"}


def test_warn() -> None:
    result = gate(policy([rule("unfixed", "warn", each_finding="!f.fix_available")]))
    assert result.verdict.outcome == "warn"


def test_require_approval() -> None:
    result = gate(policy([rule("unfixed", "warn", each_finding="!f.fix_available"),
                          rule("criticals", "require-approval", condition="counts.critical > 0")]))
    assert result.verdict.outcome == "require-approval"


def test_block_wins_over_everything() -> None:
    result = gate(policy([rule("a", "require-approval", condition="true"),
                          rule("b", "block", condition="counts.critical == 3"),
                          rule("c", "warn", condition="true")]))
    assert result.verdict.outcome == "block"


def test_condition_can_count_the_matched_findings() -> None:
    # 17 HIGH findings in the shop: the rule triggers above 10, not above 17.
    above_10 = gate(policy([rule("highs", "block", each_finding="f.severity == 'HIGH'",
                                 condition="size(matched) > 10")]))
    assert outcomes(above_10)["highs"] == "triggered"
    assert len(above_10.verdict.rule("highs").findings) == 17
    above_17 = gate(policy([rule("highs", "block", each_finding="f.severity == 'HIGH'",
                                 condition="size(matched) > 17")]))
    assert outcomes(above_17)["highs"] == "not-triggered"


def test_an_erroring_finding_expression_is_an_error_outcome_that_blocks() -> None:
    # GHSA-4xc9-xhrj-v574 (lodash 2.4.2) has no CVSS vector: its score is null.
    result = gate(policy([rule("score", "warn", each_finding="f.score >= 9.0")]))
    r = result.verdict.rule("score")
    assert (r.outcome, result.verdict.outcome) == ("error", "block")
    assert r.findings == ("GHSA-4xc9-xhrj-v574 npm/lodash@2.4.2",)
    assert r.error is not None and r.error.startswith("each_finding failed for 1 finding(s): ")
    assert " at 0x" not in r.error and "activation" not in r.error
    # The guarded form evaluates.
    guarded = gate(policy([rule("score", "warn",
                                each_finding="f.score != null && f.score >= 9.0")]))
    assert list(guarded.verdict.rule("score").findings) == CRITICAL


def test_condition_errors_and_non_booleans_are_errors() -> None:
    result = gate(policy([rule("typo", "warn", condition="count.critical > 0"),
                          rule("number", "warn", condition="counts.critical")]))
    typo, number = result.verdict.rule("typo"), result.verdict.rule("number")
    assert typo.outcome == number.outcome == "error"
    assert typo.error == "condition failed: undeclared reference to 'count'"
    assert number.error == "condition failed: expression gave IntType, not a boolean"
    assert result.verdict.outcome == "block"


def test_an_error_in_every_element_of_exists_stays_cheap() -> None:
    # Every finding has reachable == null, so "f.reachable" errors 28 times inside exists();
    # cel-python's own error text would double with each element.
    started = time.perf_counter()
    result = gate(policy([rule("loaded", "warn", condition="findings.exists(f, f.reachable)")]))
    assert time.perf_counter() - started < 10
    assert result.verdict.rule("loaded").outcome == "error"
    assert len(result.verdict.rule("loaded").error or "") < 300


def test_stale_feed_is_a_visible_blocking_outcome() -> None:
    stale = fresh_feeds(snapshot=(AT - timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    result = gate(feeds=stale)
    feeds_rule = result.verdict.rule("feeds-fresh")
    assert (feeds_rule.outcome, result.verdict.outcome) == ("triggered", "block")
    assert "osv/npm: 30h old, more than 24h" in feeds_rule.details
    assert result.document["counts"]["stale_feeds"] == 4
    # The policy decides how old is too old.
    relaxed = gate(policy(feeds={"max_age_hours": 48}), feeds=stale)
    assert relaxed.verdict.rule("feeds-fresh").outcome == "not-triggered"


def test_a_missing_feed_is_stale() -> None:
    only_pypi = FeedSnapshot.per_ecosystem("osv", ["PyPI"], "2026-02-18T05:30:00Z", FEED_DIGEST)
    result = gate(feeds=only_pypi)
    assert result.verdict.rule("feeds-fresh").details == (
        "no source/npm: no feed snapshot covers this ecosystem",)
    assert gate(feeds=()).verdict.rule("feeds-fresh").outcome == "triggered"


def test_a_snapshot_from_the_future_is_stale() -> None:
    future = fresh_feeds(snapshot="2026-02-18T09:00:00Z")
    result = gate(feeds=future)
    assert result.verdict.rule("feeds-fresh").outcome == "triggered"
    assert any("after the evaluation time" in d for d in result.verdict.rule("feeds-fresh").details)


def test_policy_own_feeds_rule_replaces_the_builtin() -> None:
    stale = fresh_feeds(snapshot="2026-02-16T00:00:00Z")
    own = rule("feeds-fresh", "warn", condition="feeds.exists(s, s.stale)")
    result = gate(policy([own]), feeds=stale)
    assert (result.verdict.rule("feeds-fresh").outcome, result.verdict.outcome) == (
        "triggered", "warn")


def test_suppressed_findings_do_not_trigger_rules_that_exclude_them() -> None:
    vex = VexDocument.from_json({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "v", "author": "a",
        "timestamp": "2026-02-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": v}, "products": [{"@id": p}],
                        "status": "not_affected", "justification": "component_not_present"}
                       for v, p in [("CVE-2025-7783", "pkg:npm/form-data"),
                                    ("CVE-2019-10744", "pkg:npm/lodash"),
                                    ("CVE-2020-28502", "pkg:npm/xmlhttprequest-ssl")]]})
    result = gate(vex=[vex])
    assert result.verdict.rule("no-critical").outcome == "not-triggered"
    assert result.document["counts"]["critical"] == 0
    assert result.document["counts"]["suppressed"] == 3
    suppressed = [f for f in result.verdict.findings if f["suppressed"]]
    assert {f["justification"] for f in suppressed} == {"component_not_present"}


def test_reachability_feeds_rules() -> None:
    result = gate(observed={"pkg:npm/ws"})
    r = result.verdict.rule("reachable-high")
    # GHSA-3h5v-q93c-6h6q is HIGH (CVSS v4 8.7) for both ws versions; GHSA-6fc8 is MEDIUM.
    assert (r.outcome, list(r.findings)) == ("triggered", [
        "GHSA-3h5v-q93c-6h6q npm/ws@6.1.4", "GHSA-3h5v-q93c-6h6q npm/ws@7.3.1"])
    assert result.document["counts"]["reachable"] == 4


def test_baseline_marks_known_findings_as_not_new() -> None:
    baseline = Baseline("eu-prod", frozenset({"GHSA-jf85-cpcp-j695", "CVE-2025-7783"}))
    only_new = rule("new-critical", "block",
                    each_finding="f.new && !f.suppressed && f.severity == 'CRITICAL'")
    result = gate(policy([only_new]), baseline=baseline)
    # jf85 is known by id, form-data's GHSA-fjxv by its alias CVE-2025-7783.
    assert list(result.verdict.rule("new-critical").findings) == [
        "GHSA-h4j5-c7cj-74xg npm/xmlhttprequest-ssl@1.5.5"]
    assert result.document["environment"]["baseline"]["name"] == "eu-prod"


def test_unevaluated_matches_are_visible_to_rules() -> None:
    odd = Component.from_purl("pkg:npm/lodash@not-a-version")
    result = gate(policy([rule("undecided", "block", condition="counts.unevaluated > 0")]),
                  extra=[odd])
    assert result.verdict.rule("undecided").outcome == "triggered"
    assert {n["advisory"] for n in result.document["notes"]} >= {"GHSA-jf85-cpcp-j695"}


def test_input_document_is_plain_json() -> None:
    doc = gate().document
    assert json.loads(json.dumps(doc)) == doc
    assert doc["schema"] == "stellaops.gate-input/v1"
    assert doc["evaluated_at"] == "2026-02-18T08:31:00Z"
    assert doc["release"]["components"][0]["name"] == "shop"


def test_grouped_evaluation_gives_what_per_finding_evaluation_gives() -> None:
    # "f.severity" lets the engine evaluate once per distinct severity; f["severity"] forces
    # one evaluation per finding. Both must name the same findings.
    grouped = gate(policy([rule("crit", "block", each_finding="f.severity == 'CRITICAL'")]))
    per_finding = gate(policy([rule("crit", "block",
                                    each_finding="f['severity'] == 'CRITICAL'")]))
    assert grouped.verdict.rule("crit").findings == per_finding.verdict.rule("crit").findings
    assert list(grouped.verdict.rule("crit").findings) == CRITICAL


def test_matched_holds_the_findings_when_the_condition_reads_them() -> None:
    result = gate(policy([rule("fixable-critical", "block", each_finding="f.severity == 'CRITICAL'",
                               condition="matched.all(m, m.fix_available) && size(matched) == 3")]))
    assert result.verdict.rule("fixable-critical").outcome == "triggered"
    no = gate(policy([rule("pkg", "block", each_finding="f.severity == 'CRITICAL'",
                           condition="matched.exists(m, m.package == 'lodash.set')")]))
    assert no.verdict.rule("pkg").outcome == "not-triggered"


def test_release_manifest_needs_name_and_version() -> None:
    with pytest.raises(GateInputError, match="release.version: must be a non-empty string"):
        Release.from_manifest({"name": "shop", "components": []}, "sha256:" + "0" * 64)


def test_evaluation_time_must_be_timezone_aware() -> None:
    with pytest.raises(GateInputError, match="evaluated_at: must be timezone-aware"):
        gate(at=AT.replace(tzinfo=None))
