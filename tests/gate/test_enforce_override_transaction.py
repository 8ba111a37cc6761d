"""A stale-feeds override is decided in one write transaction: if the run changed
while the approver typed the passphrase (here: it was cancelled), the override is
refused whole — no signed evidence in the evidence table or the site log."""

from __future__ import annotations

import pytest

from app.errors import NotNow
from app.services import actions, evidence, identity, promotions
from app.services.gate_override import override_stale_feeds
from engine.run import events as ev
from models.tlog_store import entries_on_record, latest_checkpoint
from tests.gate.conftest import run_to_gate
from tests.gate.test_override import STALE
from tests.support.factories import passphrase_of, who
from tests.support.gate_data import POLICY, add_shop_release, store_feed, store_policy_doc


def test_an_override_refused_after_authentication_leaves_no_evidence(site, monkeypatch):
    store_feed(site, STALE)
    store_policy_doc(site, {**POLICY, "rules": POLICY["rules"][2:]})
    pid, state = run_to_gate(site, add_shop_release(site))
    assert state.step("gate-eval").status == "failed"
    before = len(evidence.list_evidence(site, pid))
    authenticate = identity.authenticate

    def slow_passphrase(site_, name, passphrase):  # meanwhile, an operator cancels the run
        actions.act(site, pid, "cancel", who(site, "olga"), "change window closed")
        return authenticate(site_, name, passphrase)

    monkeypatch.setattr(identity, "authenticate", slow_passphrase)
    with pytest.raises(NotNow, match="the run has ended"):
        override_stale_feeds(site, pid, "bob", "feed mirror down", passphrase_of("bob"))
    assert len(evidence.list_evidence(site, pid)) == before
    events, _ = promotions.load_run(site, pid)
    assert not any(e.type == ev.OVERRIDE_RECORDED for e in events)
    with site.db.read() as session:
        size = latest_checkpoint(session).size
        assert entries_on_record(session, size) == size
