"""Twenty approvers press Approve at once: the decisions that lose the race leave no
evidence anywhere — not in the evidence table, the site log, the seal or the export.
Each decision is one write transaction (guard, evidence, event), so a refused one
rolls back whole."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.errors import NotNow
from app.executor import Executor
from app.services import approvals, evidence, promotions
from engine.crypto import dsse
from engine.evidence import statements
from engine.run import events as ev
from models.tables import EvidenceItem
from models.tlog_store import entries_on_record, latest_checkpoint
from tests.exports.conftest import extract
from tests.support import exporting
from tests.support.doubles import doubles_registry
from tests.support.factories import (
    add_environment,
    add_release,
    add_user,
    passphrase_of,
    who,
)

RACERS = 20
REQUIRED = 2


def _approvers(site) -> list[str]:
    names = [f"appr{i:02d}" for i in range(RACERS)]
    for name in names:
        add_user(site, name, "approver")  # enrolled by the admin, with their own key
    return names


def test_twenty_concurrent_approvals_leave_no_refused_evidence(trusted_site, tmp_path):
    site = trusted_site
    names = _approvers(site)
    add_environment(site, "eu-prod-2", approvals_required=REQUIRED)
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod-2", who(site, "alice"))
    assert Executor(site, pid, doubles_registry()).run().why == "waiting for approval"

    start = threading.Barrier(RACERS)
    won: list[str] = []
    lost: list[str] = []

    def race(name: str) -> None:
        start.wait()
        try:
            approvals.approve(site, pid, name, passphrase_of(name), "window agreed")
            won.append(name)
        except NotNow as exc:
            lost.append(f"{name}: {exc.message}")

    threads = [threading.Thread(target=race, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(won) == REQUIRED and len(lost) == RACERS - REQUIRED, lost

    events, state = promotions.load_run(site, pid)
    granted = [e for e in events if e.type == ev.APPROVAL_GRANTED]
    assert sorted(e.actor for e in granted) == sorted(won)
    assert state.step("approval").status == "succeeded"

    # the database: one approval item per winner, each the one its event names
    items = [i for i in evidence.list_evidence(site, pid) if i.predicate_type == statements.APPROVAL]
    assert sorted(i.name for i in items) == sorted(f"approval-{n}" for n in won)
    assert {i.digest for i in items} == {e.data["evidence"] for e in granted}
    # the site log: every entry under the signed checkpoint is a record we keep
    with site.db.read() as session:
        size = latest_checkpoint(session).size
        assert entries_on_record(session, size) == size
        assert session.scalar(select(func.count()).select_from(EvidenceItem)
                              .where(EvidenceItem.predicate_type == statements.APPROVAL)) == REQUIRED

    # the seal and the export
    Executor(site, pid, doubles_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "completed", state.status
    seal = next(i for i in evidence.list_evidence(site, pid)
                if i.predicate_type == statements.PROOF_CHAIN)
    sealed = dsse.Envelope.from_bytes(evidence.envelope_bytes(site, seal.id)).payload
    for name in names:
        assert (f"approval-{name}".encode() in sealed) == (name in won)
    out = tmp_path / "out"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    folder = extract(out / outcome.files.archive.name, tmp_path / "x")
    shipped = sorted(p.name for p in folder.glob("evidence/*/approval-*.dsse.json"))
    assert shipped == sorted(f"approval-{n}.dsse.json" for n in won)
