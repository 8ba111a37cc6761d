from __future__ import annotations

import copy
import json

import pytest

from engine.canonical import canonical_bytes, canonical_digest
from engine.policy import (
    SVR_PREDICATE_TYPE,
    VerdictFormatError,
    check_verdict_document,
    decision_digest_of,
    svr_predicate,
)
from tests.engine.policy.scenario import FEED_DIGEST, RELEASE, SHOP_SBOM, gate, policy
from tests.engine.vuln.data import record, sbom

VERIFIER = "https://stellaops.example/gate/v1"
POLICY_URI = "urn:stellaops:policy:prod-gate:7"


def test_decision_digest_is_recomputable_from_the_document() -> None:
    doc = gate().verdict.to_json()
    assert doc["decision_digest"] == decision_digest_of(doc)
    expected = canonical_digest({
        "inputs": doc["inputs"], "policy": doc["policy"]["digest"],
        "verdict": {"outcome": doc["outcome"], "rules": doc["rules"],
                    "findings": doc["findings"]}})
    assert doc["decision_digest"] == expected
    check_verdict_document(doc)
    # A verdict document survives a JSON round trip (what storage does).
    check_verdict_document(json.loads(json.dumps(doc)))


def test_sealed_inputs_hold_what_a_replay_needs() -> None:
    inputs = gate().verdict.to_json()["inputs"]
    assert set(inputs) == {"evaluated_at", "release", "environment", "sboms", "packages",
                           "feeds", "advisories", "vex", "baseline", "reachability"}
    assert inputs["release"] == {"name": "juice-shop", "version": "11.1.2",
                                 "digest": RELEASE.digest}
    assert inputs["sboms"] == {f"sbom/{SHOP_SBOM}": sbom(SHOP_SBOM).digest}
    assert inputs["feeds"][0] == {"source": "osv", "ecosystem": "Go",
                                  "snapshot": "2026-02-18T05:30:00Z", "digest": FEED_DIGEST}
    # Every advisory that named a shop package, matched or not: MAL-2025-46969 names chalk
    # (only its malicious 5.6.1, which the shop does not have).
    assert inputs["advisories"]["MAL-2025-46969"] == record("MAL-2025-46969").digest
    assert inputs["packages"]["npm/lodash"] == ["2.4.2", "4.17.19"]


@pytest.mark.parametrize(
    ("path", "value"),
    [(("outcome",), "pass"), (("rules", 1, "outcome"), "not-triggered"),
     (("inputs", "baseline"), {"name": "x", "digest": "sha256:00"}),
     (("findings", 0, "suppressed"), True), (("policy", "digest"), "sha256:" + "0" * 64)],
)
def test_tampering_is_detected(path: tuple, value: object) -> None:
    doc = copy.deepcopy(gate().verdict.to_json())
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(VerdictFormatError, match="decision digest does not match"):
        check_verdict_document(doc)


def test_a_wrong_verdict_id_or_schema_is_detected() -> None:
    doc = gate().verdict.to_json()
    with pytest.raises(VerdictFormatError, match="verdict id"):
        check_verdict_document({**doc, "verdict_id": "verdict-000000000000"})
    with pytest.raises(VerdictFormatError, match="not a verdict document"):
        check_verdict_document({**doc, "schema": "other"})
    with pytest.raises(VerdictFormatError, match="missing"):
        decision_digest_of({"inputs": {}})


def test_svr_predicate_for_a_blocked_release() -> None:
    doc = gate().verdict.to_json()
    pred = svr_predicate(doc, verifier_id=VERIFIER, policy_uri=POLICY_URI)
    hexdigest = doc["policy"]["digest"].removeprefix("sha256:")
    assert SVR_PREDICATE_TYPE == "https://in-toto.io/attestation/svr/v0.2"
    assert pred["verifier"] == {"id": VERIFIER, "policies": [
        {"uri": POLICY_URI, "digest": {"sha256": hexdigest}, "name": "prod-gate"}]}
    assert pred["timeCreated"] == pred["timeVerified"] == "2026-02-18T08:31:00Z"
    assert pred["policy"] == {"uri": POLICY_URI, "digest": {"sha256": hexdigest}}
    # Only rules that did not trigger are asserted; the gate blocked, so no GATE_PASSED.
    assert pred["properties"] == [
        "STELLAOPS_RULE_FEEDS_FRESH_PASSED", "STELLAOPS_RULE_REACHABLE_HIGH_PASSED",
        "STELLAOPS_RULE_TOO_MANY_HIGHS_PASSED"]
    assert pred["verifiedLevels"] == pred["properties"]
    # The full explanation rides along, and its digest can be checked from the predicate alone.
    explanation = pred["stellaopsVerdict"]
    assert explanation == doc
    check_verdict_document(explanation)
    names = [a["name"] for a in pred["inputAttestations"]]
    assert names == ["release:juice-shop@11.1.2", f"sbom:sbom/{SHOP_SBOM}",
                     "feed:osv@2026-02-18T05:30:00Z"]
    assert pred["inputAttestations"][0]["digest"] == {
        "sha256": RELEASE.digest.removeprefix("sha256:")}


def test_svr_predicate_for_passing_and_warning_gates() -> None:
    passing = gate(policy([{"id": "few", "condition": "counts.findings > 100",
                            "action": "block", "message": "m"}])).verdict.to_json()
    pred = svr_predicate(passing, verifier_id=VERIFIER, policy_uri=POLICY_URI)
    assert pred["properties"] == ["STELLAOPS_GATE_PASSED", "STELLAOPS_RULE_FEEDS_FRESH_PASSED",
                                  "STELLAOPS_RULE_FEW_PASSED"]
    warning = gate(policy([{"id": "any", "condition": "counts.findings > 0",
                            "action": "warn", "message": "m"}])).verdict.to_json()
    assert svr_predicate(warning, verifier_id=VERIFIER, policy_uri=POLICY_URI)["properties"] \
        == ["STELLAOPS_GATE_PASSED_WITH_WARNINGS", "STELLAOPS_RULE_FEEDS_FRESH_PASSED"]


def test_svr_predicate_is_deterministic_and_canonicalisable() -> None:
    a = svr_predicate(gate().verdict.to_json(), verifier_id=VERIFIER, policy_uri=POLICY_URI,
                      input_attestations=[{"name": "provenance", "digest": {"sha256": "ab"}}])
    b = svr_predicate(gate().verdict.to_json(), verifier_id=VERIFIER, policy_uri=POLICY_URI,
                      input_attestations=[{"name": "provenance", "digest": {"sha256": "ab"}}])
    assert canonical_bytes(a) == canonical_bytes(b)
    assert a["inputAttestations"][-1] == {"name": "provenance", "digest": {"sha256": "ab"}}
