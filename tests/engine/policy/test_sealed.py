"""Re-evaluation from replay material (engine.policy.sealed): the same decision as the
original evaluation, the override rebuilt from its record alone, bad material refused."""

from __future__ import annotations

from typing import Any

import pytest

from engine.clock import rfc3339
from engine.policy import Baseline, GateInputError, Policy
from engine.policy.sealed import (
    OVERRIDE_EXTENSION,
    REPLAY_SCHEMA,
    SealedGate,
    apply_stale_feeds_override,
    override_record,
)
from engine.vuln import VexDocument
from tests.engine.policy import scenario
from tests.engine.vuln.data import full_index, sbom

STALE = "2026-02-17T06:00:00Z"
OVERRIDE = {"rule": "feeds-fresh", "approver": "bob", "reason": "OSV mirror down; CR-5120",
            "at": "2026-02-18T08:40:00Z", "event": "e" * 64, "verdict_id": "verdict-0123456789ab",
            "feeds": [scenario.FEED_DIGEST], "evidence": "sha256:" + "a" * 64}
VEX = VexDocument.from_json({
    "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.test/vex/1",
    "author": "Shop security team", "timestamp": "2026-02-10T00:00:00Z", "version": 1,
    "statements": [{"vulnerability": {"name": "GHSA-35jh-r3h4-6jhm"},
                    "products": [{"@id": "pkg:npm/lodash@2.4.2"}], "status": "not_affected",
                    "justification": "vulnerable_code_not_in_execute_path"}]}, name="vex/a.json")


def replay_material(policy: Policy, *, feeds_snapshot: str = "2026-02-18T05:30:00Z",
                    override: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "schema": REPLAY_SCHEMA, "release": scenario.RELEASE.digest, "environment": "eu-prod",
        "evaluated_at": rfc3339(scenario.AT),
        "sboms": [{"path": f"sbom/{scenario.SHOP_SBOM}", "digest": "ignored"}],
        "vex": [{"path": "vex/a.json", "digest": "ignored"}],
        "feeds": [{"source": f.source, "ecosystem": f.ecosystem, "snapshot": f.snapshot,
                   "digest": f.digest} for f in scenario.fresh_feeds(feeds_snapshot)],
        "policy": policy.digest, "override": override,
        "baseline": {"name": "eu-prod", "known": ["GHSA-35jh-r3h4-6jhm"]},
        "observed": ["pkg:npm/lodash@2.4.2"], **extra,
    }


def sealed(replay: dict[str, Any], policy: Policy) -> SealedGate:
    return SealedGate.from_replay(replay, release=scenario.RELEASE,
                                  sboms=[sbom(scenario.SHOP_SBOM)], vex=[VEX],
                                  index=full_index(), base_policy=policy)


def test_re_evaluation_gives_the_decision_of_the_original_evaluation():
    policy = scenario.policy()
    replay = replay_material(policy)
    original = scenario.gate(policy, vex=[VEX],
                             baseline=Baseline("eu-prod", frozenset({"GHSA-35jh-r3h4-6jhm"})),
                             observed={"pkg:npm/lodash@2.4.2"})
    again = sealed(replay, policy).evaluate().verdict
    assert again.to_json() == original.verdict.to_json()
    assert again.inputs["baseline"]["name"] == "eu-prod"
    assert again.inputs["reachability"] is not None


def test_the_override_is_rebuilt_from_its_record_alone():
    policy = scenario.policy()
    gate = sealed(replay_material(policy, feeds_snapshot=STALE, override=OVERRIDE), policy)
    assert gate.policy.digest != policy.digest
    assert gate.policy.document[OVERRIDE_EXTENSION] == {**OVERRIDE, "basePolicy": policy.digest}
    verdict = gate.evaluate().verdict
    feeds_fresh = verdict.rule("feeds-fresh")
    assert (feeds_fresh.outcome, feeds_fresh.action) == ("triggered", "warn")
    assert feeds_fresh.message.startswith("OVERRIDDEN by bob at 2026-02-18T08:40:00Z")
    assert verdict.policy["digest"] == gate.policy.digest
    # Without the override the same stale data blocks.
    plain = sealed(replay_material(policy, feeds_snapshot=STALE), policy).evaluate().verdict
    assert plain.outcome == "block" and plain.decision_digest != verdict.decision_digest


def test_a_policy_with_its_own_feeds_fresh_rule_has_that_rule_lowered():
    rule = {"id": "feeds-fresh", "condition": "feeds.exists(s, s.stale)", "action": "block",
            "message": "stale"}
    policy = scenario.policy([rule])
    derived = apply_stale_feeds_override(policy, OVERRIDE)
    rules = derived.document["rules"]
    assert len(rules) == 1 and rules[0]["action"] == "warn"
    assert rules[0]["condition"] == rule["condition"]
    assert not derived.rules[0].rule.builtin


@pytest.mark.parametrize(("change", "field"), [
    ({"approver": None}, "override.approver"),
    ({"feeds": "sha256:x"}, "override.feeds"),
    ({"evidence": 3}, "override.evidence"),
])
def test_a_malformed_override_record_is_refused(change, field):
    with pytest.raises(GateInputError, match=field):
        override_record({**OVERRIDE, **change})


@pytest.mark.parametrize(("change", "field"), [
    ({"schema": "other"}, "replay"),
    ({"release": "sha256:" + "0" * 64}, "replay.release"),
    ({"policy": "sha256:" + "0" * 64}, "replay.policy"),
    ({"evaluated_at": "yesterday"}, "replay.evaluated_at"),
    ({"environment": ""}, "replay.environment"),
    ({"feeds": [{"source": "osv"}]}, r"replay.feeds\[0\]"),
    ({"baseline": {"name": "eu-prod", "known": [1]}}, "replay.baseline"),
    ({"observed": "pkg:npm/lodash"}, "replay.observed"),
])
def test_replay_material_that_does_not_name_these_inputs_is_refused(change, field):
    policy = scenario.policy()
    with pytest.raises(GateInputError, match=field):
        sealed({**replay_material(policy), **change}, policy)


def test_unknown_baseline_and_observations_stay_unknown():
    policy = scenario.policy()
    gate = sealed(replay_material(policy, baseline=None, observed=None), policy)
    assert gate.baseline is None and gate.observed is None
    inputs = gate.evaluate().verdict.inputs
    assert inputs["baseline"] is None and inputs["reachability"] is None
