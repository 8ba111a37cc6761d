"""Same inputs, same decision digest; any single changed input, another digest and a diff
that names it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.canonical import canonical_bytes
from engine.policy import Baseline, GateInputs, diff_verdicts, evaluate_policy
from engine.policy.gate import GateResult
from engine.vuln import AdvisoryIndex, CycloneDxSbom, OsvRecord, VexDocument
from tests.engine.policy.scenario import (
    AT,
    POLICY_DOC,
    RELEASE,
    SHOP_SBOM,
    fresh_feeds,
    gate,
    policy,
)
from tests.engine.vuln.data import SBOM, all_records, record_path, sbom

REPO = Path(__file__).resolve().parents[3]


def test_one_hundred_evaluations_give_one_digest_and_identical_bytes() -> None:
    pol = policy()
    first = gate(pol)
    shop = sbom(SHOP_SBOM)
    inputs = GateInputs(release=RELEASE, match=first.match, environment="eu-prod",
                        evaluated_at=AT, feeds=fresh_feeds(), components=shop.components,
                        sbom_digests={shop.name or "": shop.digest})
    verdicts = {canonical_bytes(first.verdict.to_json())}
    documents = {json.dumps(first.document, sort_keys=True)}
    # The policy on the same gate inputs 95 times, and the whole gate (matching included,
    # policy parsed again) 4 more times.
    for _ in range(95):
        evaluation = evaluate_policy(pol, inputs)
        verdicts.add(canonical_bytes(evaluation.verdict.to_json()))
        documents.add(json.dumps(evaluation.document, sort_keys=True))
    for _ in range(4):
        verdicts.add(canonical_bytes(gate(policy()).verdict.to_json()))
    assert len(verdicts) == 1 and len(documents) == 1


def test_two_processes_agree() -> None:
    expected = gate().verdict.decision_digest
    seen = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-m", "tests.engine.policy.scenario"], cwd=REPO,
                             env=env, capture_output=True, text=True, timeout=120, check=True)
        seen.add(out.stdout.strip())
    assert seen == {expected}


# --- one input at a time ------------------------------------------------------------------


def _index_with(record_id: str, change: Callable[[dict], None]) -> AdvisoryIndex:
    doc = json.loads(record_path(record_id).read_text())
    change(doc)
    others = [r for r in all_records() if r.id != record_id]
    return AdvisoryIndex.build([*others, OsvRecord.from_json(doc)])


def _shop_with_lodash(version: str) -> CycloneDxSbom:
    doc = json.loads((SBOM / SHOP_SBOM).read_text())
    for c in doc["components"]:
        if c["name"] == "lodash" and c["version"] == "4.17.19":
            c["version"] = version
            c["purl"] = f"pkg:npm/lodash@{version}"
    return CycloneDxSbom.from_bytes(json.dumps(doc).encode(), name=f"sbom/{SHOP_SBOM}")


def _policy_with(rule_id: str, **changes: str):  # type: ignore[no-untyped-def]
    doc = json.loads(json.dumps(POLICY_DOC))
    for r in doc["rules"]:
        if r["id"] == rule_id:
            r.update(changes)
    return policy(doc["rules"])


def _set_fixed(doc: dict) -> None:
    # GHSA-c2qf-rxjj-qqgw: move the 7.x fix from 7.5.2 down to 7.3.2.
    doc["affected"][0]["ranges"][0]["events"][1]["fixed"] = "7.3.2"


VARIANTS: dict[str, tuple[Callable[[], GateResult], str, str | None]] = {
    "advisory range": (lambda: gate(index=_index_with("GHSA-c2qf-rxjj-qqgw", _set_fixed)),
                       "advisories", "GHSA-c2qf-rxjj-qqgw"),
    "advisory text": (lambda: gate(index=_index_with(
        "GHSA-35jh-r3h4-6jhm", lambda d: d.update(summary="Command injection in lodash"))),
        "advisories", "GHSA-35jh-r3h4-6jhm"),
    "component version": (lambda: gate(sboms=[_shop_with_lodash("4.17.21")]),
                          "packages", "npm/lodash"),
    "rule threshold": (lambda: gate(_policy_with("too-many-highs",
                                                 condition="counts.high > 10")),
                       "policy", "digest"),
    "rule message": (lambda: gate(_policy_with("unfixed", message="No fix yet")),
                     "policy", "digest"),
    "baseline added": (lambda: gate(baseline=Baseline("eu-prod", frozenset())), "baseline",
                       None),
    "evaluation time": (lambda: gate(at=AT.replace(minute=45)), "evaluated_at", None),
    "environment": (lambda: gate(environment="us-prod"), "environment", None),
    "vex": (lambda: gate(vex=[VexDocument.from_json({
        "@context": "https://openvex.dev/ns/v0.2.0", "statements": [
            {"vulnerability": {"name": "CVE-0000-0001"}, "products": ["pkg:npm/x"],
             "status": "affected"}]})]), "vex", None),
    "runtime observations": (lambda: gate(observed={"pkg:npm/ws"}), "reachability", None),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_single_changed_input_changes_the_digest_and_the_diff_names_it(name: str) -> None:
    base = gate().verdict.to_json()
    make, section, key = VARIANTS[name]
    changed = make().verdict.to_json()
    assert changed["decision_digest"] != base["decision_digest"]
    assert changed["verdict_id"] != base["verdict_id"]
    diff = diff_verdicts(base, changed)
    assert diff.status == "mismatch"
    assert (section, key) in {(c.section, c.key) for c in diff.inputs}, diff.to_json()["inputs"]


def test_diff_details_for_an_advisory_change() -> None:
    diff = diff_verdicts(gate().verdict.to_json(),
                         gate(index=_index_with("GHSA-c2qf-rxjj-qqgw", _set_fixed)).verdict.to_json())
    assert [(c.section, c.key) for c in diff.inputs] == [("advisories", "GHSA-c2qf-rxjj-qqgw")]
    assert diff.findings_removed == ("GHSA-c2qf-rxjj-qqgw npm/semver@7.3.2",)
    assert diff.findings_added == () and diff.rules == () and diff.outcome is None


def test_diff_details_for_a_component_version_change() -> None:
    diff = diff_verdicts(gate().verdict.to_json(),
                         gate(sboms=[_shop_with_lodash("4.17.21")]).verdict.to_json())
    changes = {(c.section, c.key): (c.before, c.after) for c in diff.inputs}
    assert changes[("packages", "npm/lodash")] == (["2.4.2", "4.17.19"], ["2.4.2", "4.17.21"])
    assert ("sboms", f"sbom/{SHOP_SBOM}") in changes
    # 4.17.21 is the fix of both GHSA-29mw and GHSA-35jh.
    assert diff.findings_removed == ("GHSA-29mw-wpgm-hmr9 npm/lodash@4.17.19",
                                     "GHSA-35jh-r3h4-6jhm npm/lodash@4.17.19")


def test_diff_details_for_a_rule_change() -> None:
    diff = diff_verdicts(gate().verdict.to_json(), gate(_policy_with(
        "too-many-highs", condition="counts.high > 10")).verdict.to_json())
    assert [(r.id, r.before, r.after, r.definition_changed) for r in diff.rules] == [
        ("too-many-highs", "not-triggered", "triggered", True)]
    assert diff.outcome is None  # it was already "block"; the rule is why it would be now
    quiet = diff_verdicts(gate().verdict.to_json(),
                          gate(_policy_with("unfixed", message="No fix yet")).verdict.to_json())
    assert [(r.id, r.before, r.after, r.definition_changed) for r in quiet.rules] == [
        ("unfixed", "triggered", "triggered", True)]


def test_diff_details_for_a_baseline_change() -> None:
    a = gate(baseline=Baseline("eu-prod", frozenset())).verdict.to_json()
    b = gate(baseline=Baseline("eu-prod", frozenset({"GHSA-jf85-cpcp-j695"}))).verdict.to_json()
    diff = diff_verdicts(a, b)
    assert [(c.section, c.key) for c in diff.inputs] == [("baseline", "digest")]
    assert [(f.key, f.fields) for f in diff.findings_changed] == [
        ("GHSA-jf85-cpcp-j695 npm/lodash@2.4.2", ("new",))]


def test_same_verdict_matches() -> None:
    diff = diff_verdicts(gate().verdict.to_json(), gate().verdict.to_json())
    assert diff.match and diff.status == "match"
    assert (diff.inputs, diff.rules, diff.findings_added, diff.findings_removed,
            diff.findings_changed, diff.outcome) == ((), (), (), (), (), None)
