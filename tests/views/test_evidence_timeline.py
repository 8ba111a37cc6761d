"""The Evidence Timeline (seed §14.7) and the Evidence pages of the navigation."""

from __future__ import annotations

from app.qt.changes import ChangeSet
from app.screens.evidence_snapshots import NO_TRUST_ROOT, NOT_SEALED
from app.services import evidence
from tests.support import exporting
from tests.support.factories import who
from tests.views.conftest import open_run, sign_in_as
from tests.views.evidence_helpers import finish, install_trust_root, promotion
from views.evidence.model import NAME, NOTE, STATE
from views.evidence.view import EvidenceTimelineView

STEPS = ["Promotion Created", "Inputs Materialized", "Gate Eval (Policy)", "Approval",
         "Deploy Workflow Start", "Deploy Canary 10%", "Deploy Canary 50%", "Deploy 100%",
         "Post-Deploy Verify", "Seal Evidence", "Promotion Complete"]


def _view(qtbot, gui, pid: str) -> EvidenceTimelineView:
    sign_in_as(gui, "audrey")  # an auditor may export
    view = EvidenceTimelineView(gui)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show_promotion(pid)
    return view


def _children(view: EvidenceTimelineView, step: str) -> list[tuple[str, str]]:
    model = view.model
    parent = model.index(model.checkpoint_row(step), 0)
    return [(model.index(r, NAME, parent).data(), model.index(r, STATE, parent).data())
            for r in range(model.rowCount(parent))]


def test_mid_run_shows_what_exists_now_and_what_seals_at_finalize(qtbot, gui, site):
    install_trust_root(site)
    pid = promotion(site, until="gate-eval")
    view = _view(qtbot, gui, pid)
    model = view.model
    titles = [model.index(r, NAME).data().split(" ", 1)[1] for r in range(model.rowCount())]
    assert titles == STEPS  # checkpoints in run order
    assert _children(view, "inputs-materialized") == [("✓ resolved-inputs", "captured")]
    assert _children(view, "gate-eval") == [("✓ policy-decision", "captured")]
    assert _children(view, "deploy-10") == [("○ deployment-deploy-10", "pending")]
    assert _children(view, "seal-evidence") == [
        ("○ proof-chain", "pending"), ("○ auditor bundle (.tar.gz)", "not exported"),
        ("○ evidence pack (.tar.gz)", "not exported")]
    # eu-stage needs no approval: nothing will be captured there
    assert model.index(model.checkpoint_row("approval"), NOTE).data() == \
        "nothing is captured at this checkpoint"
    assert view.seal_badge.text() == "NOT SEALED"
    assert view.pack_button.text() == "Export Pack (partial)" and view.pack_button.isEnabled()
    assert not view.auditor_button.isEnabled()
    assert view.auditor_button.toolTip() == f"Not now: {NOT_SEALED}"
    assert not view.proof_button.isEnabled()
    assert not view.packet_button.isEnabled()  # nothing selected yet


def test_generate_auditor_bundle_is_enabled_once_sealed(qtbot, gui, site):
    install_trust_root(site)
    pid = promotion(site, until="gate-eval")
    view = _view(qtbot, gui, pid)
    assert not view.auditor_button.isEnabled()
    finish(site, pid)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        gui.changes.broadcast(ChangeSet.run(pid))
    assert view.seal_badge.text() == "SEALED"
    assert view.auditor_button.isEnabled()
    assert view.pack_button.text() == "Export Evidence Pack"
    assert view.proof_button.isEnabled()
    assert _children(view, "seal-evidence")[0] == ("✓ proof-chain", "captured")
    assert "sealed in the proof chain" in view.model.index(
        0, NOTE, view.model.index(view.model.checkpoint_row("gate-eval"), 0)).data()


def test_sealed_without_a_trust_root_says_why_there_is_no_auditor_bundle(qtbot, gui, site):
    pid = promotion(site)
    view = _view(qtbot, gui, pid)
    assert view.timeline.sealed
    note = view.model.index(view.model.checkpoint_row("approval"), NOTE).data()
    assert note == "skipped (no approval required): nothing to capture"
    assert not view.auditor_button.isEnabled()
    assert view.auditor_button.toolTip() == f"Not now: {NO_TRUST_ROOT}"


def test_an_export_is_shown_under_the_seal_once_recorded(qtbot, gui, site, tmp_path):
    install_trust_root(site)
    pid = promotion(site)
    out = tmp_path / "out"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    view = _view(qtbot, gui, pid)
    name, state = _children(view, "seal-evidence")[1]
    assert (name, state) == (f"✓ {outcome.files.archive.name}", "exported")
    assert view.exports_label.text() == "1 export(s) recorded in the chain of custody"


def test_selecting_an_item_opens_its_packet(qtbot, gui, site):
    pid = promotion(site, until="gate-eval")
    view = _view(qtbot, gui, pid)
    assert view.select_entry("gate-eval", "policy-decision")
    assert view.packet_button.isEnabled()
    with qtbot.waitSignal(view.packets.opened, timeout=10_000) as opened:
        view.packet_button.click()
    dialog = opened.args[0]
    qtbot.addWidget(dialog)
    assert dialog.packet.record.id == evidence.list_evidence(site, pid)[1].id
    assert view.select_entry("deploy-10", "deployment-deploy-10")
    assert not view.packet_button.isEnabled()  # pending: nothing to open yet


def test_the_run_view_opens_the_timeline_of_its_promotion(qtbot, window, site):
    pid = promotion(site, until="gate-eval")
    run_view = open_run(qtbot, window, pid)
    with qtbot.waitSignal(run_view.evidence_timeline_opened) as opened:
        run_view.evidence_button.click()
    dialog = opened.args[0]
    qtbot.addWidget(dialog)
    assert dialog.promotion_id == pid
    qtbot.waitUntil(lambda: dialog.view.timeline is not None)
    assert dialog.view.timeline.captured_count == 2


def test_evidence_pages_of_the_navigation(qtbot, window, site, tmp_path):
    install_trust_root(site)
    sealed = promotion(site)
    open_ = promotion(site, until="gate-eval")
    out = tmp_path / "out"
    out.mkdir()
    exporting.export(site, sealed, "evidence", out, who(site, "audrey"))
    window.refresh_all()

    packets = window.navigate("evidence-packets")
    qtbot.waitUntil(lambda: packets.loaded_once and packets.model.rowCount() == 5)
    packets.filter_edit.setText(open_)
    assert packets.proxy.rowCount() == 2
    packets.filter_edit.clear()

    chains = window.navigate("proof-chains")
    qtbot.waitUntil(lambda: chains.loaded_once)
    assert [chains.model.row(r).promotion_id for r in range(chains.model.rowCount())] == [sealed]
    chains.select_row(chains.model.row(0).record.id)
    assert chains.items.rowCount() == 2

    center = window.navigate("export-center")
    qtbot.waitUntil(lambda: center.loaded_once and center.model.rowCount() == 1)
    record = center.model.row(0)
    assert record.present and record.record.promotion_id == sealed
    center.select_row((sealed, record.record.seq))
    assert center.audit_button.isEnabled()

    bundles = window.evidence_pages.page("evidence-bundles")
    with qtbot.waitSignal(bundles.auditor.verified, timeout=15_000) as verified:
        center.audit_button.click()
    assert window.current_page() is bundles
    assert verified.args[0].ok

    chains.timeline_requested.emit(open_)
    page = window.current_page()
    assert page is window.evidence_pages.page("evidence")
    qtbot.waitUntil(lambda: page.view.timeline is not None
                    and page.view.timeline.promotion_id == open_)
