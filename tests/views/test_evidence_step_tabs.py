"""Step Detail's Evidence and Artifacts tabs (seed §14.4) on runs with real evidence."""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication

from app.executor import Executor
from app.services import actions, evidence, promotions
from app.services.promotions import load_run_in
from engine.run import events as ev
from models import run_store
from tests.support.doubles import doubles_registry
from tests.support.factories import who
from tests.views.conftest import open_run
from tests.views.evidence_helpers import finish, promotion
from views.step_detail.artifacts_tab import ArtifactsTab
from views.step_detail.evidence_tab import KIND, LOG_INDEX, NAME, RECEIPT, StepEvidenceTab


def _tab(qtbot, gui, pid: str, step: str) -> StepEvidenceTab:
    tab = StepEvidenceTab(gui, pid, step)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.receipts_verified, timeout=10_000):
        tab.refresh()
    return tab


def _names(tab: StepEvidenceTab) -> list[str]:
    return [tab.model.index(r, NAME).data() for r in range(tab.model.rowCount())]


def test_gate_eval_items_with_the_proof_chain_pending_then_sealed(qtbot, gui, site):
    pid = promotion(site, until="gate-eval")
    tab = _tab(qtbot, gui, pid, "gate-eval")
    assert _names(tab) == ["✓ policy-decision"]
    record = evidence.list_evidence(site, pid)[1]
    assert tab.model.index(0, KIND).data() == record.predicate_type
    assert tab.model.index(0, LOG_INDEX).data() == str(record.log_index)
    assert tab.model.index(0, RECEIPT).data() == "✓ verified"
    assert "○" in tab.proof_line.text() and "pending until “Seal Evidence”" in \
        tab.proof_line.text()
    assert not tab.proof_button.isEnabled()
    assert "sealed at “Seal Evidence”" in tab.proof_button.toolTip()
    assert "Inclusion verified locally" in tab.receipt_status.text()
    assert f"logIndex       {record.log_index}" in tab.receipt_text.toPlainText()

    finish(site, pid)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.refresh()
    assert tab.proof_button.isEnabled()
    assert "✓" in tab.proof_line.text() and "seals this step's 1 item(s)" in \
        tab.proof_line.text()


def test_seal_step_shows_the_proof_chain_pending_before_it_runs(qtbot, gui, site):
    pid = promotion(site, until="post-deploy-verify")
    tab = _tab(qtbot, gui, pid, "seal-evidence")
    assert _names(tab) == ["○ proof-chain"]
    assert tab.model.index(0, RECEIPT).data() == "—"
    tab.table.selectRow(0)
    assert not tab.packet_button.isEnabled()

    finish(site, pid)
    with qtbot.waitSignal(tab.receipts_verified, timeout=10_000):
        tab.refresh()
    assert _names(tab) == ["✓ proof-chain"]
    assert tab.model.index(0, RECEIPT).data() == "✓ verified"


def test_reruns_keep_every_attempt(qtbot, gui, site):
    pid = promotion(site, until="gate-eval")
    with site.db.write() as session:  # the gate failed, as a real gate could report
        _, state = load_run_in(session, pid)
        run_store.append(session, pid, state.head, [ev.NewEvent(
            ev.STEP_FAILED, "system:executor", site.now(), step="gate-eval",
            data={"error": "feed sync delay"})])
    actions.act(site, pid, "retry", who(site, "olga"), "feed sync finished")
    Executor(site, pid, doubles_registry()).run(until="gate-eval")
    tab = _tab(qtbot, gui, pid, "gate-eval")
    assert _names(tab) == ["✓ policy-decision", "✓ policy-decision"]
    assert [tab.model.row(r).attempt for r in range(2)] == [1, 2]
    assert "2 item(s) in 2 attempt(s)" in tab.summary.text()
    assert [tab.model.index(r, RECEIPT).data() for r in range(2)] == ["✓ verified"] * 2


def test_open_packet_and_proof_chain_show_statement_and_signer(qtbot, gui, site):
    pid = promotion(site)
    tab = _tab(qtbot, gui, pid, "gate-eval")
    tab.table.selectRow(0)
    with qtbot.waitSignal(tab.packets.opened, timeout=10_000) as opened:
        tab.packet_button.click()
    dialog = opened.args[0]
    qtbot.addWidget(dialog)
    statement = json.loads(dialog.text.toPlainText())
    assert statement["predicateType"] == "urn:stellaops:test-double:gate-eval"
    assert statement["subject"][0]["name"] == "platform@1.3.0-rc1"
    assert dialog.text.isReadOnly()
    keyid = site.row().site_key_id
    assert dialog.packet.keyids == (keyid,)
    assert keyid in dialog.signers.text() and "site key" in dialog.signers.text()
    assert "signature verifies" in dialog.signers.text()

    with qtbot.waitSignal(tab.packets.opened, timeout=10_000) as opened:
        tab.proof_button.click()
    chain = opened.args[0]
    qtbot.addWidget(chain)
    body = json.loads(chain.text.toPlainText())
    assert body["predicateType"] == "urn:stellaops:proof-chain:v1"
    assert [e["name"] for e in body["predicate"]["evidence"]] == ["resolved-inputs",
                                                                "policy-decision"]


def test_copy_digest_puts_the_full_digest_on_the_clipboard(qtbot, gui, site):
    pid = promotion(site, until="gate-eval")
    tab = _tab(qtbot, gui, pid, "gate-eval")
    tab.table.selectRow(0)
    tab.copy_button.click()
    assert QGuiApplication.clipboard().text() == evidence.list_evidence(site, pid)[1].digest


def test_artifacts_tab_lists_the_manifest_and_digest_outputs(qtbot, gui, site):
    pid = promotion(site)
    tab = ArtifactsTab(gui, pid, "seal-evidence")
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.refresh()
    rows = {tab.model.row(r).name: tab.model.row(r) for r in range(tab.model.rowCount())}
    _, state = promotions.load_run(site, pid)
    assert rows["release.json"].digest == state.release["digest"]
    assert rows["api: registry.local/platform/api"].digest == "sha256:" + "ab" * 32
    seal = evidence.list_evidence(site, pid)[-1]
    assert rows["proof_chain"].digest == seal.digest and rows["proof_chain"].source == \
        "step output"
    assert "✓" in tab.manifest_status.text()
    assert json.loads(tab.manifest_text.toPlainText())["name"] == "platform"


def test_step_detail_dialog_has_the_real_tabs(qtbot, window, site):
    pid = promotion(site, until="gate-eval")
    view = open_run(qtbot, window, pid)
    dialog = view.open_step_detail("gate-eval")
    qtbot.addWidget(dialog)
    assert dialog.tabs.widget(2) is dialog.artifacts and dialog.tabs.widget(3) is dialog.evidence
    qtbot.waitUntil(lambda: dialog.evidence.model.rowCount() == 1
                    and dialog.artifacts.model.rowCount() >= 1)
