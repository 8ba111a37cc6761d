from __future__ import annotations

import json

from app.executor import Executor
from app.services import evidence, promotions
from engine.crypto import dsse
from engine.crypto.keys import load_private_key
from engine.evidence import statements
from engine.tlog.receipt import verify_receipt
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, who


def _verifier(site):
    from app.site_keys import log_signer

    return log_signer(site.paths.keys, site.row().log_origin).verifier


def test_sealed_run_has_logged_signed_evidence_and_a_proof_chain(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, doubles_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "completed"
    items = evidence.list_evidence(site, pid)
    assert [i.name for i in items] == ["resolved-inputs", "policy-decision", "proof-chain"]
    indexes = [i.log_index for i in items]  # the run's events are log entries in between
    assert indexes == sorted(indexes) and len(set(indexes)) == 3

    site_key = load_private_key(site.paths.keys / "site.key").public_key
    checkpoint, receipts = evidence.receipts(site, [i.log_index for i in items])
    for item, receipt in zip(items, receipts, strict=True):
        raw = evidence.envelope_bytes(site, item.id)
        envelope = dsse.Envelope.from_bytes(raw)
        dsse.verify(envelope, {site_key.keyid: site_key}, 1, "application/vnd.in-toto+json")
        verify_receipt(raw, receipt, _verifier(site))

    seal = json.loads(dsse.Envelope.from_bytes(evidence.envelope_bytes(site, items[-1].id)).payload)
    assert seal["predicateType"] == statements.PROOF_CHAIN
    assert [e["digest"] for e in seal["predicate"]["evidence"]] == [i.digest for i in items[:2]]
    events, _ = promotions.load_run(site, pid)
    assert seal["predicate"]["eventChain"]["head"] in {e.hash for e in events}


def test_rerun_keeps_old_evidence(site):
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, doubles_registry()).run(until="gate-eval")
    from app.services import actions
    from engine.run import events as ev
    from models import run_store

    with site.db.write() as session:  # the gate failed (as a real gate would report)
        events, state = promotions.load_run_in(session, pid)
        run_store.append(session, pid, state.head, [ev.NewEvent(
            ev.STEP_FAILED, "system:executor", site.now(), step="gate-eval",
            data={"error": "feed sync delay"})])
    actions.act(site, pid, "retry", who(site, "olga"), "feed sync finished")
    Executor(site, pid, doubles_registry()).run(until="gate-eval")
    names = [(i.name, i.attempt) for i in evidence.list_evidence(site, pid)]
    assert names == [("resolved-inputs", 1), ("policy-decision", 1), ("policy-decision", 2)]
