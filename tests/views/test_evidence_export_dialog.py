"""The export dialog: medium or folder, progress, a clean cancel, the custody result."""

from __future__ import annotations

from pathlib import Path

import pytest

from airgap_bundles.media import Medium
from app.screens.audit_snapshots import audit_bundle
from app.services import promotions
from engine.run import events as ev
from tests.views.conftest import sign_in_as
from tests.views.evidence_helpers import install_trust_root, promotion
from views.export_dialog.dialog import ExportDialog


@pytest.fixture
def sealed(gui, site):
    install_trust_root(site)
    sign_in_as(gui, "audrey")
    return promotion(site)


def _dialog(qtbot, gui, pid: str | None, kind: str = "evidence", media=()) -> ExportDialog:
    dialog = ExportDialog(gui, pid, kind, media_source=lambda: list(media))
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.state_loaded, timeout=10_000):
        dialog.load()
    qtbot.waitUntil(lambda: not dialog.destination._looking)
    return dialog


def _custody_events(site, pid: str) -> list:
    events, _ = promotions.load_run(site, pid)
    return [e for e in events if e.type == ev.EXPORT_RECORDED]


def test_auditor_bundle_into_a_folder_with_progress_verifies(qtbot, gui, site, sealed, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dialog = _dialog(qtbot, gui, sealed, "auditor")
    assert dialog.auditor_radio.isChecked() and dialog.auditor_radio.isEnabled()
    assert not dialog.export_button.isEnabled()  # no destination yet
    assert "No removable medium" in dialog.destination.media_state.text()
    dialog.destination.set_folder(str(out))
    assert dialog.export_button.isEnabled()
    seen = []
    with qtbot.waitSignal(dialog.finished_export, timeout=30_000) as done:
        dialog.export_button.click()
        assert dialog.running and dialog.cancel_button.isEnabled()
        assert not dialog.close_button.isEnabled()
        dialog.worker.signals.progress.connect(
            lambda p: seen.append((p.phase, p.done, p.total, dialog.progress.value())))
    outcome = done.args[0]
    assert {phase for phase, *_ in seen} == {"writing", "verifying"}
    last = [s for s in seen if s[0] == "verifying"][-1]
    assert last[1] == last[2]  # every byte read back
    assert any(0 < bar < 1000 for *_, bar in seen)  # the bar moved in between
    assert dialog.progress.value() == dialog.progress.maximum()
    assert "✓ Exported, read back and verified" in dialog.status.text()
    text = dialog.result_text.toPlainText()
    assert outcome.files.archive.sha256 in text and "custody" in text
    assert f"event #{outcome.custody_event}" in text
    archive = out / outcome.files.archive.name
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [archive.name, outcome.custody_file.name])
    assert audit_bundle(archive).ok
    assert [e.seq for e in _custody_events(site, sealed)] == [outcome.custody_event]
    qtbot.waitUntil(lambda: not dialog.running)
    assert dialog.close_button.isEnabled()


def test_cancel_leaves_nothing_and_records_nothing(qtbot, gui, site, sealed, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dialog = _dialog(qtbot, gui, sealed, "auditor")
    dialog.destination.set_folder(str(out))
    with qtbot.waitSignal(dialog.failed_export, timeout=30_000) as failed:
        dialog.start()
        dialog.cancel()  # set before the writer's first block: it stops there
    assert "cancelled" in failed.args[0]
    assert dialog.status.text() == "✗ Nothing was exported"
    assert "temporary files were removed" in dialog.result_text.toPlainText()
    assert list(out.iterdir()) == []
    assert _custody_events(site, sealed) == []
    qtbot.waitUntil(lambda: not dialog.running)
    assert dialog.export_button.isEnabled()


def test_a_partial_pack_needs_confirming(qtbot, gui, site, tmp_path):
    sign_in_as(gui, "olga")
    pid = promotion(site, until="gate-eval")
    out = tmp_path / "out"
    out.mkdir()
    dialog = _dialog(qtbot, gui, pid)
    assert not dialog.auditor_radio.isEnabled()
    assert "not sealed yet" in dialog.auditor_radio.toolTip()
    assert dialog.partial_check.isVisibleTo(dialog)
    dialog.destination.set_folder(str(out))
    assert not dialog.export_button.isEnabled()
    assert "partial" in dialog.export_button.toolTip()
    dialog.partial_check.setChecked(True)
    with qtbot.waitSignal(dialog.finished_export, timeout=30_000) as done:
        dialog.export_button.click()
    assert done.args[0].partial
    assert "PARTIAL" in dialog.result_text.toPlainText()


def test_a_detected_medium_is_offered_and_recorded(qtbot, gui, site, sealed, tmp_path):
    stick = tmp_path / "media" / "EVIDENCE"
    stick.mkdir(parents=True)
    medium = Medium(stick, "/dev/sdz1", "EVIDENCE", "vfat", True, 16 << 30, 12 << 30)
    dialog = _dialog(qtbot, gui, sealed, "auditor", media=[medium])
    assert dialog.destination.medium_radio.isChecked()
    assert dialog.destination.media_combo.currentText() == \
        f"EVIDENCE — {stick} (12.0 GiB free of 16.0 GiB, vfat)"
    with qtbot.waitSignal(dialog.finished_export, timeout=30_000) as done:
        dialog.export_button.click()
    assert (stick / done.args[0].files.archive.name).is_file()
    assert _custody_events(site, sealed)[-1].data["medium"] == "EVIDENCE"


def test_split_size_is_checked_and_parts_verify(qtbot, gui, site, sealed, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dialog = _dialog(qtbot, gui, sealed, "auditor")
    dialog.destination.set_folder(str(out))
    dialog.split_check.setChecked(True)
    dialog.split_edit.setText("lots")
    assert not dialog.export_button.isEnabled()
    assert "is not a size" in dialog.split_note.text()
    dialog.split_edit.setText("20K")
    assert dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.finished_export, timeout=30_000) as done:
        dialog.export_button.click()
    parts = done.args[0].files.parts
    assert len(parts) > 1
    assert audit_bundle(out / parts[0].name).ok


def test_a_missing_folder_fails_with_its_message(qtbot, gui, site, sealed, tmp_path):
    dialog = _dialog(qtbot, gui, sealed)
    dialog.destination.set_folder(str(tmp_path / "not-there"))
    with qtbot.waitSignal(dialog.failed_export, timeout=30_000) as failed:
        dialog.export_button.click()
    assert "is not a folder" in failed.args[0]
    assert dialog.status.text() == "✗ The export failed"
    assert "is not a folder" in dialog.result_text.toPlainText()
    assert not Path(tmp_path / "not-there").exists()


def test_without_a_promotion_the_dialog_offers_a_choice(qtbot, gui, site, sealed):
    other = promotion(site, until="gate-eval")
    dialog = ExportDialog(gui, None, media_source=list, preselect=other)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.state_loaded, timeout=10_000) as loaded:
        dialog.load()
    assert loaded.args[0].promotion_id == other
    assert dialog.promotion_combo.count() == 2
    with qtbot.waitSignal(dialog.state_loaded, timeout=10_000) as loaded:
        dialog.promotion_combo.setCurrentIndex(dialog.promotion_combo.findData(sealed))
    assert loaded.args[0].sealed and dialog.auditor_radio.isEnabled()
