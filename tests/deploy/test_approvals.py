"""Approvals with separation of duties: signed by the approver's own key, never by the
requester, never by an auditor, never without a reason — each refusal explained and
nothing written when refused."""

from __future__ import annotations

import json

import pytest

from app.errors import NotNow, Rejected
from app.executor import Executor
from app.services import actions, approvals, evidence, identity, promotions, setup
from app.site_keys import site_signer
from app.steps.base import SUCCEEDED, StepOutcome
from engine.crypto import dsse
from engine.crypto.errors import SignatureThresholdError
from engine.crypto.keys import PublicKey
from engine.evidence import statements
from engine.run import events as ev
from tests.support.deploy import product_registry
from tests.support.factories import add_environment, add_release, add_user, who

PASS = {"alice": "alice-passphrase", "bob": "bob-passphrase", "carol": "carol-passphrase",
        "audrey": "audrey-passphrase"}


@pytest.fixture
def waiting(site):
    """P-0001: platform 1.3.0-rc1 → eu-prod (1 approval required), requested by alice."""
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "alice"), "eu-stage")
    result = Executor(site, pid, product_registry()).run()
    assert result.why == "waiting for approval"
    return pid


def unchanged(site, pid, before):
    events, _ = promotions.load_run(site, pid)
    assert len(events) == before[0] and len(evidence.list_evidence(site, pid)) == before[1]


def counts(site, pid):
    return len(promotions.load_run(site, pid)[0]), len(evidence.list_evidence(site, pid))


def test_the_requester_can_never_approve(site, waiting):
    before = counts(site, waiting)
    with pytest.raises(NotNow) as refused:
        approvals.approve(site, waiting, "alice", PASS["alice"], "I am sure")
    assert refused.value.message == ("approve refused: alice requested this promotion and cannot "
                                     "approve or reject it (separation of duties)")
    with pytest.raises(NotNow, match="separation of duties"):
        approvals.reject(site, waiting, "alice", PASS["alice"], "changed my mind")
    with pytest.raises(NotNow, match="separation of duties"):  # the engine guard, without keys too
        actions.act(site, waiting, "approve", who(site, "alice"), "direct")
    unchanged(site, waiting, before)


def test_an_auditor_cannot_act(site, waiting):
    before = counts(site, waiting)
    with pytest.raises(Rejected) as refused:
        approvals.approve(site, waiting, "audrey", PASS["audrey"], "looks fine to me")
    assert refused.value.message == "audrey is 'auditor' and may not approve; that needs the role approver"
    for action in ("pause", "cancel", "mark-failed"):
        with pytest.raises(Rejected, match=f"audrey is 'auditor' and may not {action}; that needs "
                                           "the role operator or release-manager"):
            actions.act(site, waiting, action, who(site, "audrey"), "read-only users cannot act")
    unchanged(site, waiting, before)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_missing_reason_is_refused(site, waiting, reason):
    before = counts(site, waiting)
    with pytest.raises(approvals.MissingReason) as refused:
        approvals.approve(site, waiting, "bob", PASS["bob"], reason)
    assert refused.value.message == "approve refused: a reason is required; say why with --reason"
    with pytest.raises(NotNow, match="approve refused: a reason is required"):
        actions.act(site, waiting, "approve", who(site, "bob"), reason)
    unchanged(site, waiting, before)


def test_a_wrong_passphrase_or_a_missing_key_is_refused(site, waiting):
    before = counts(site, waiting)
    with pytest.raises(identity.AuthenticationFailed, match="^wrong passphrase for bob's key$"):
        approvals.approve(site, waiting, "bob", "guess-guess", "ok")
    add_user(site, "dan", "approver")
    identity.key_path(site, "dan").unlink()
    with pytest.raises(identity.AuthenticationFailed, match="dan's key file .* is missing"):
        approvals.approve(site, waiting, "dan", "dan-passphrase", "ok")
    unchanged(site, waiting, before)


def test_an_approval_is_signed_by_the_approver_own_key(site, waiting):
    result = approvals.approve(site, waiting, "bob", PASS["bob"], "change window agreed")
    assert result.state.step("approval").status == "succeeded"
    item = next(i for i in evidence.list_evidence(site, waiting) if i.name == "approval-bob")
    assert (item.step, item.predicate_type, item.digest) == ("approval", statements.APPROVAL,
                                                            result.evidence_digest)
    envelope = dsse.Envelope.from_bytes(evidence.envelope_bytes(site, item.id))
    bob = PublicKey.from_pem(setup.get_user(site, "bob").public_key_pem)
    dsse.verify(envelope, {bob.keyid: bob}, 1, "application/vnd.in-toto+json")
    site_key = site_signer(site.paths.keys).public_key
    with pytest.raises(SignatureThresholdError):
        dsse.verify(envelope, {site_key.keyid: site_key}, 1, "application/vnd.in-toto+json")
    body = json.loads(envelope.payload)["predicate"]
    assert body["decision"] == "approved" and body["approver"] == {
        "name": "bob", "role": "approver", "keyid": bob.keyid}
    assert body["reason"] == "change window agreed" and body["requester"] == "alice"
    events, _ = promotions.load_run(site, waiting)
    granted = next(e for e in events if e.type == ev.APPROVAL_GRANTED)
    assert (granted.actor, granted.reason) == ("bob", "change window agreed")
    signed = dict(granted.data)
    assert signed.pop("signature")["keyid"] == bob.keyid  # the event itself is signed by bob
    assert signed == {"evidence": item.digest, "keyid": bob.keyid, "log_index": item.log_index}
    assert body["eventChain"]["head"] == events[granted.seq - 1].hash  # bound to the run as it stood


def test_an_environment_can_require_two_distinct_approvers(site):
    add_environment(site, "eu-prod-2", approvals_required=2)
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod-2", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.step("approval").waiting_detail["required"] == 2
    assert approvals.approve(site, pid, "bob", PASS["bob"], "ok").state.step("approval").status == "waiting"
    with pytest.raises(NotNow, match="bob has already approved this promotion"):
        approvals.approve(site, pid, "bob", PASS["bob"], "again")
    final = approvals.approve(site, pid, "carol", PASS["carol"], "ok too").state
    assert final.step("approval").status == "succeeded"
    assert final.step("approval").outputs["approvers"] == ["bob", "carol"]


def test_a_rejection_is_signed_and_stops_the_run(site, waiting):
    result = approvals.reject(site, waiting, "carol", PASS["carol"], "CVE under review")
    step = result.state.step("approval")
    assert step.status == "failed" and step.error == "rejected by carol: CVE under review"
    names = [i.name for i in evidence.list_evidence(site, waiting)]
    assert "rejection-carol" in names
    with pytest.raises(NotNow, match="no approval is waiting"):
        approvals.approve(site, waiting, "bob", PASS["bob"], "too late")


class GateAsking:
    def run(self, ctx):
        return StepOutcome(SUCCEEDED, summary="require-approval",
                           outputs={"outcome": "require-approval", "verdict_id": "v-1"})


def test_the_approval_step_skips_or_waits_as_environment_and_gate_say(site):
    add_release(site)
    skipped = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, skipped, product_registry()).run(until="approval")
    step = promotions.load_run(site, skipped)[1].step("approval")
    assert (step.status, step.summary) == ("skipped", "no approval required")
    asked = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, asked, product_registry(gate_eval=GateAsking())).run()
    step = promotions.load_run(site, asked)[1].step("approval")
    assert (step.status, step.waiting_for) == ("waiting", "approval")
    assert step.waiting_detail["required"] == 1
    assert step.waiting_detail["why"] == ["the policy gate requires approval"]
