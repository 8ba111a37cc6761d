"""The evidence screens' Qt models, without widgets and with pytest-qt's model tester."""

from __future__ import annotations

from PySide6.QtCore import Qt

from airgap_bundles.audit.report import FILES, INCLUSION, SIGNATURES, VerifyReport
from app.screens.audit_snapshots import result_of
from app.screens.evidence_snapshots import load_evidence_timeline
from tests.views.evidence_helpers import promotion
from views.auditor.model import MESSAGE, RESULT, AuditTreeModel
from views.common.columns import ROW_ROLE, Column, RowFilterProxy, RowTableModel
from views.evidence.model import DIGEST, ENTRY_ROLE, NAME, EvidenceTreeModel


def test_evidence_tree_model(qtmodeltester, site):
    pid = promotion(site, until="gate-eval")
    timeline = load_evidence_timeline(site, pid, "audrey")
    model = EvidenceTreeModel()
    model.set_checkpoints(timeline.checkpoints)
    qtmodeltester.check(model)
    gate = model.index(model.checkpoint_row("gate-eval"), 0)
    assert model.rowCount(gate) == 1
    entry = model.index(0, NAME, gate).data(ENTRY_ROLE)
    assert entry.name == "policy-decision" and entry.captured
    assert model.index(0, DIGEST, gate).data(Qt.ItemDataRole.ToolTipRole) == entry.digest
    assert model.parent(model.index(0, NAME, gate)) == gate
    assert model.rowCount(model.index(0, NAME, gate)) == 0  # entries have no children
    model.set_checkpoints(())
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_row_table_model_and_proxy(qtmodeltester, qtbot):
    columns = [Column("Name", lambda r: r[0], colour=lambda r: "#c62828" if r[1] < 0 else None),
               Column("Value", lambda r: str(r[1]), sort=lambda r: r[1])]
    model = RowTableModel(columns, lambda r: r[0])
    model.set_rows([("b", 10), ("a", -2), ("c", 3)])
    qtmodeltester.check(model)
    proxy = RowFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.sort(1, Qt.SortOrder.AscendingOrder)  # numerically, not as text
    assert [proxy.index(r, 0).data() for r in range(3)] == ["a", "c", "b"]
    proxy.setFilterFixedString("B")
    assert [proxy.index(r, 0).data(ROW_ROLE) for r in range(proxy.rowCount())] == [("b", 10)]
    assert model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole).name() == "#c62828"
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_rows([("b", 11), ("a", -2), ("c", 3)])  # same keys: updated in place
    assert model.index(0, 1).data() == "11"


def _report() -> VerifyReport:
    report = VerifyReport("x.tar.gz")
    report.passed(FILES, "index.json", "signed")
    report.passed(FILES, "evidence/a.dsse.json", "sha256 matches")
    report.failed(SIGNATURES, "evidence/a.dsse.json", "signature does not verify")
    report.note(INCLUSION, "x.tar.gz", "no custody receipt beside the archive")
    report.complete = True
    return report


def test_audit_tree_model(qtmodeltester):
    result = result_of(_report())
    assert not result.ok and result.failing_items == ("evidence/a.dsse.json",)
    model = AuditTreeModel()
    model.set_result(result)
    qtmodeltester.check(model)
    assert [model.index(r, RESULT).data() for r in range(3)] == ["✓ pass", "✗ FAIL", "· note"]
    item = model.index(model.item_row("evidence/a.dsse.json"), 0)
    assert model.rowCount(item) == 2
    assert model.index(1, MESSAGE, item).data() == "signature does not verify"
    model.set_only_failures(True)
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and model.rowCount(model.index(0, 0)) == 1
    model.set_result(None)
    assert model.rowCount() == 0
