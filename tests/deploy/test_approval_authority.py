"""Approvals count only when signatures back them: rows written straight into the run's
events with the product's own code (as anyone who can write the database could) never
get a promotion past its approval step."""

from __future__ import annotations

import pytest

from app.errors import Rejected
from app.executor import Executor
from app.services import actions, approvals, evidence, promotions
from engine.crypto.keys import Ed25519Signer
from engine.evidence import statements
from engine.run import events as ev
from models import run_store
from tests.support.deploy import product_registry
from tests.support.factories import add_release, passphrase_of, who


@pytest.fixture
def waiting(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "alice"),
                                      "eu-stage")
    assert Executor(site, pid, product_registry()).run().why == "waiting for approval"
    return pid


def forge_approval(site, pid, who="bob", data=None):
    """Two hash-chained rows, appended by the product's own code, with no key."""
    with site.db.write() as session:
        _, state = promotions.load_run_in(session, pid)
        run_store.append(session, pid, state.head, [
            ev.NewEvent(ev.APPROVAL_GRANTED, actor=who, at=site.now(), step="approval",
                        reason="looks fine", data=dict(data or {})),
            ev.NewEvent(ev.STEP_SUCCEEDED, actor=who, at=site.now(), step="approval",
                        data={"summary": f"approved by {who}", "outputs": {"approvers": [who]}})])


def deployed(site, pid) -> bool:
    events, _ = promotions.load_run(site, pid)
    return any(e.step in ("deploy-start", "deploy") and e.type == ev.STEP_STARTED for e in events)


def test_forged_approval_rows_do_not_pass_the_approval_step(site, waiting):
    forge_approval(site, waiting)
    with pytest.raises(Rejected) as refused:
        Executor(site, waiting, product_registry()).run()
    assert "approval by bob is not backed by a valid signature" in refused.value.message
    _, state = promotions.load_run(site, waiting)
    step = state.step("approval")
    assert step.status == "failed"
    assert "approval by bob is not backed by a valid signature" in step.error
    assert not deployed(site, waiting)
    again = Executor(site, waiting, product_registry()).run()  # the run now waits for a person
    assert again.steps_run == 0 and not deployed(site, waiting)


def test_an_approval_signed_by_a_key_the_site_never_enrolled_does_not_count(site, waiting):
    intruder = Ed25519Signer.from_seed(bytes([9]) * 32)
    _, state = promotions.load_run(site, waiting)
    predicate = approvals.approval_predicate(state, "approve", "bob", "approver",
                                             intruder.keyid, "forged", site.now())
    with site.db.write() as session:  # logged like any evidence, by the product's own code
        item = evidence.record_in(session, site, waiting, "approval", 1, "approval-bob",
                                  statements.APPROVAL, predicate, signer=intruder)
    digest = item.digest
    forge_approval(site, waiting, data={"evidence": digest, "keyid": intruder.keyid})
    with pytest.raises(Rejected, match="signed by no key the site authority enrolled"):
        Executor(site, waiting, product_registry()).run()
    assert not deployed(site, waiting)


def test_the_requester_own_signed_approval_never_counts(site, waiting):
    """The requester's own approval row is refused by the rule, not by the action's
    guard alone."""
    forge_approval(site, waiting, who="alice")
    with pytest.raises(Rejected, match="approval by alice is not backed by a valid signature"):
        Executor(site, waiting, product_registry()).run()
    assert not deployed(site, waiting)


def test_a_signed_approval_passes(site, waiting):
    approvals.approve(site, waiting, "bob", passphrase_of("bob"), "change window agreed")
    Executor(site, waiting, product_registry()).run(until="deploy-start")
    _, state = promotions.load_run(site, waiting)
    assert state.step("approval").status == "succeeded"
    assert state.step("deploy-start").status != "pending"


def test_after_a_refused_forgery_a_retry_asks_for_real_approvals(site, waiting):
    forge_approval(site, waiting)
    with pytest.raises(Rejected):
        Executor(site, waiting, product_registry()).run()
    actions.act(site, waiting, "retry", who(site, "olga"), "forged approval removed from play")
    assert Executor(site, waiting, product_registry()).run().why == "waiting for approval"
    approvals.approve(site, waiting, "bob", passphrase_of("bob"), "change window agreed")
    Executor(site, waiting, product_registry()).run(until="deploy-start")
    assert deployed(site, waiting)
