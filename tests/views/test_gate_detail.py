"""Step Detail of Gate Eval (seed §14.4) on a real verdict, and its Qt models."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.executor import Executor
from app.screens.gate_screens import gate_detail
from app.services import promotions
from tests.support.factories import who
from tests.support.gate_data import (
    add_shop_release,
    gate_registry,
    gated_promotion,
)
from tests.views.conftest import open_run
from views.gate_detail.models import (
    SEVERITY,
    FindingFilterProxy,
    FindingTableModel,
    RuleTableModel,
)
from views.gate_detail.overview import GateOverviewTab


def _gated(site) -> str:
    return gated_promotion(site)


def _open(qtbot, window, site):
    pid = _gated(site)
    view = open_run(qtbot, window, pid)
    dialog = view.open_step_detail("gate-eval")
    qtbot.addWidget(dialog)
    overview = dialog.overview
    assert isinstance(overview, GateOverviewTab)
    qtbot.waitUntil(lambda: overview.detail is not None)
    return pid, dialog, overview


def test_timing_result_inputs_and_outputs(qtbot, window, site):
    pid, dialog, overview = _open(qtbot, window, site)
    detail = overview.detail
    assert overview.fields["start"].text() == "Feb 18 2026, 08:30:00 UTC"
    assert overview.fields["duration"].text() == "0s"
    assert overview.result_badge.text() == "BLOCK (1 WARN)"
    inputs = overview.fields["inputs"].text()
    assert detail.release["digest"][:19] in inputs and "osv/npm 3h" in inputs
    assert "baseline eu-stage (0 known" in inputs and "1 SBOM(s), 1 VEX" in inputs
    outputs = overview.fields["outputs"].text()
    assert f"<b>{detail.verdict_id}</b>" in outputs and detail.decision_digest in outputs
    assert "prod-gate v7" in overview.fields["policy"].text()
    assert overview.fields["error"].isVisible()
    assert "no-critical: Critical vulnerabilities" in overview.fields["error"].text()
    assert overview.tabs.tabText(0) == "Rules (4, 2 triggered)"
    assert overview.tabs.tabText(2).startswith("Inputs (")


def test_rules_table_explains_every_rule(qtbot, window, site):
    _, _, overview = _open(qtbot, window, site)
    rules = {overview.rules.row(r).id: overview.rules.row(r) for r in
             range(overview.rules.rowCount())}
    assert list(rules) == ["feeds-fresh", "no-critical", "reachable-high", "unfixed"]
    assert overview.rules.index(0, 0).data() == "feeds-fresh (built in)"
    assert overview.rules.index(1, 2).data() == "TRIGGERED"
    assert overview.rules.index(1, 3).data() == "2"  # jf85 is suppressed by the VEX document
    assert rules["no-critical"].explanation == ("Critical vulnerabilities must be fixed before "
                                                "prod — 2 finding(s)")
    assert rules["reachable-high"].explanation.startswith("Not triggered: High findings")


def test_findings_filter_and_sort(qtbot, window, site):
    _, _, overview = _open(qtbot, window, site)
    proxy = overview.proxy
    assert overview.count_label.text() == "28 of 28 shown"
    # sorted by severity, worst first
    assert proxy.index(0, SEVERITY).data() == "CRITICAL"
    assert proxy.index(proxy.rowCount() - 1, SEVERITY).data() in ("LOW", "MEDIUM", "UNKNOWN")
    qtbot.keyClicks(overview.filter_edit, "lodash 2.4.2")
    assert overview.count_label.text() == "4 of 28 shown"
    overview.hide_suppressed.setChecked(True)
    assert overview.count_label.text() == "3 of 28 shown"
    overview.filter_edit.clear()
    overview.hide_suppressed.setChecked(False)
    overview.findings_view.sortByColumn(SEVERITY, Qt.SortOrder.AscendingOrder)
    assert proxy.index(proxy.rowCount() - 1, SEVERITY).data() == "CRITICAL"


def test_replay_this_verdict(qtbot, window, site):
    _, _, overview = _open(qtbot, window, site)
    assert overview.replay_label.text() == "Not replayed yet."
    with qtbot.waitSignal(overview.replayed, timeout=10_000) as signal:
        qtbot.mouseClick(overview.replay_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].result == "match"
    assert "✓ match" in overview.replay_label.text() and "rr-001" in overview.replay_label.text()


def test_a_gate_step_without_verdict_says_so(qtbot, window, site):
    pid = promotions.create_promotion(site, add_shop_release(site), "eu-stage", who(site, "alice"))
    Executor(site, pid, gate_registry()).run(until="gate-eval")  # no policy: fails, no verdict
    view = open_run(qtbot, window, pid)
    dialog = view.open_step_detail("gate-eval")
    qtbot.addWidget(dialog)
    overview = dialog.overview
    qtbot.waitUntil(lambda: overview.result_badge.text() == "FAILED")
    assert overview.empty.isVisible() and not overview.tabs.isVisible()
    assert "no gate policy has been imported" in overview.fields["error"].text()
    assert not overview.replay_button.isEnabled()


def test_models_pass_the_model_tester(qtmodeltester, site):
    pid = _gated(site)
    detail = gate_detail(site, pid)
    rules = RuleTableModel()
    rules.set_rows(detail.rules)
    qtmodeltester.check(rules)
    findings = FindingTableModel()
    findings.set_rows(detail.findings)
    qtmodeltester.check(findings)
    proxy = FindingFilterProxy()
    proxy.setSourceModel(findings)
    proxy.set_text("npm")
    qtmodeltester.check(proxy)
