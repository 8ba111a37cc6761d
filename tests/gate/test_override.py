"""Stale feeds block; an approver's signed, reasoned override lets the gate proceed, visibly."""

from __future__ import annotations

import base64
import json

import pytest

from app.errors import NotNow, Rejected
from app.executor import Executor
from app.services import evidence, gate, promotions, replay
from app.services.actions import act
from app.services.gate_override import MissingReason, override_stale_feeds
from app.services.identity import AuthenticationFailed, change_role
from engine.evidence import statements
from engine.run import events as ev
from tests.gate.conftest import run_to_gate
from tests.support.factories import admin, who
from tests.support.gate_data import (
    POLICY,
    add_shop_release,
    gate_registry,
    store_feed,
    store_policy_doc,
)

STALE = "2026-02-17T06:00:00Z"  # 26.5 hours before the test clock; the policy allows 24
PASSPHRASE = "bob-passphrase"


@pytest.fixture
def stale_site(site):
    store_feed(site, STALE)
    store_policy_doc(site, {**POLICY, "rules": POLICY["rules"][2:]})  # feeds and "unfixed"
    return site


def _blocked(site) -> str:
    pid, state = run_to_gate(site, add_shop_release(site))
    assert state.step("gate-eval").status == "failed"
    return pid


def test_stale_feeds_block_with_the_reason_in_the_verdict(stale_site):
    pid = _blocked(stale_site)
    document = gate.latest_verdict(stale_site, pid).document
    feeds_fresh = next(r for r in document["rules"] if r["id"] == "feeds-fresh")
    assert (feeds_fresh["outcome"], feeds_fresh["action"]) == ("triggered", "block")
    assert feeds_fresh["details"] == ["osv/npm: 26.5h old, more than 24h"]
    assert promotions.load_run(stale_site, pid)[1].step("gate-eval").error.startswith(
        "BLOCK — feeds-fresh: Vulnerability feed data is stale")


def test_an_approvers_override_lets_the_retried_gate_proceed_visibly(stale_site):
    site = stale_site
    pid = _blocked(site)
    blocked = gate.latest_verdict(site, pid)
    result = override_stale_feeds(site, pid, "bob", "CVE feed mirror down; change CR-5120",
                                  PASSPHRASE)
    events, _ = promotions.load_run(site, pid)
    recorded = events[-1]
    assert (recorded.type, recorded.actor, recorded.reason, recorded.step) == (
        ev.OVERRIDE_RECORDED, "bob", "CVE feed mirror down; change CR-5120", "gate-eval")
    assert recorded.data["feeds"] == [blocked.document["inputs"]["feeds"][0]["digest"]]
    # Signed with bob's own key, as an approval statement, and logged.
    item = next(e for e in evidence.list_evidence(site, pid) if e.digest == result.evidence_digest)
    assert (item.name, item.predicate_type) == ("override-stale-feeds-bob", statements.APPROVAL)
    envelope = json.loads(evidence.envelope_bytes(site, item.id))
    assert envelope["signatures"][0]["keyid"] == recorded.data["keyid"]
    predicate = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
    assert predicate["verdict"]["verdict_id"] == blocked.record.verdict_id
    # The operator retries the gate: it proceeds with a warning that names the override.
    act(site, pid, "retry", who(site, "olga"), "feeds override recorded")
    Executor(site, pid, gate_registry()).run(until="gate-eval")
    step = promotions.load_run(site, pid)[1].step("gate-eval")
    assert (step.status, step.outputs["outcome"]) == ("warned", "warn")
    assert step.outputs["override"]["approver"] == "bob"
    after = gate.latest_verdict(site, pid)
    rule = next(r for r in after.document["rules"] if r["id"] == "feeds-fresh")
    assert (rule["outcome"], rule["action"]) == ("triggered", "warn")
    assert rule["message"] == ("OVERRIDDEN by bob at 2026-02-18T08:30:00Z: stale feed data "
                               "accepted — CVE feed mirror down; change CR-5120")
    # The evaluated policy is the imported one plus the override: its own digest.
    assert after.document["policy"]["digest"] != after.record.base_policy_digest
    assert after.record.base_policy_digest == blocked.document["policy"]["digest"]
    # Both verdicts replay to their recorded digests.
    for stored in (blocked, after):
        assert replay.replay_verdict(site, stored.record.verdict_id, "audrey").result == "match"


def test_an_override_covers_only_the_snapshots_it_answered(stale_site):
    site = stale_site
    pid = _blocked(site)
    override_stale_feeds(site, pid, "bob", "mirror down", PASSPHRASE)
    store_feed(site, "2026-02-17T07:00:00Z")  # another snapshot, still stale
    act(site, pid, "retry", who(site, "olga"), "retry")
    Executor(site, pid, gate_registry()).run(until="gate-eval")
    step = promotions.load_run(site, pid)[1].step("gate-eval")
    assert step.status == "failed" and "feeds-fresh" in step.error
    assert "override" not in step.outputs


def test_override_refusals(stale_site):
    site = stale_site
    with pytest.raises(NotNow, match="the gate has not evaluated this promotion yet"):
        pid = promotions.create_promotion(site, add_shop_release(site, "11.1.0"), "eu-stage",
                                          who(site, "alice"))
        override_stale_feeds(site, pid, "bob", "why", PASSPHRASE)
    pid = _blocked(site)
    with pytest.raises(MissingReason, match="a reason is required"):
        override_stale_feeds(site, pid, "bob", "  ", PASSPHRASE)
    with pytest.raises(Rejected, match="olga is 'operator' and may not override stale feeds"):
        override_stale_feeds(site, pid, "olga", "why", PASSPHRASE)
    with pytest.raises(AuthenticationFailed, match="carol acts with their own key"):
        override_stale_feeds(site, pid, "carol", "why", None)
    with pytest.raises(AuthenticationFailed, match="wrong passphrase for bob"):
        override_stale_feeds(site, pid, "bob", "why", "not the passphrase")
    # The requester never overrides their own promotion, whatever their role is now.
    change_role(site, admin(site), "alice", "approver")
    with pytest.raises(NotNow, match="alice requested this promotion"):
        override_stale_feeds(site, pid, "alice", "why", PASSPHRASE)
    events, _ = promotions.load_run(site, pid)
    assert not any(e.type == ev.OVERRIDE_RECORDED for e in events)


def test_no_override_when_the_gate_did_not_block_on_feeds(site):
    store_feed(site)
    store_policy_doc(site)
    pid, _ = run_to_gate(site, add_shop_release(site))  # fresh feeds, blocked by criticals
    with pytest.raises(NotNow, match="did not block on stale feeds"):
        override_stale_feeds(site, pid, "bob", "why", PASSPHRASE)
