"""The Schedule Promotion dialog (seed §14.9): pre-filled from the promotion, the
preconditions of the mock, Create Schedule in a worker, the link to Scheduler Runs."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from app.services import scheduler
from tests.views.conftest import new_promotion, sign_in_as
from views.schedule.dialog import WARN_ONLY, ScheduleDialog, default_start


def open_dialog(qtbot, gui, pid):
    dialog = ScheduleDialog(gui, pid)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=5000):
        dialog.show()
    return dialog


def test_default_start_is_the_next_full_hour_at_least_ten_minutes_away():
    assert default_start(datetime(2026, 2, 18, 8, 30, tzinfo=UTC)) == \
        datetime(2026, 2, 18, 9, 0, tzinfo=UTC)
    assert default_start(datetime(2026, 2, 18, 8, 55, tzinfo=UTC)) == \
        datetime(2026, 2, 18, 10, 0, tzinfo=UTC)


def test_the_dialog_is_pre_filled_as_the_mock_draws_it(qtbot, gui, site):
    pid = new_promotion(site)
    sign_in_as(gui, "olga")
    dialog = open_dialog(qtbot, gui, pid)
    label = dialog.promotion_label.text()
    assert f"<b>platform 1.3.0-rc1 → eu-prod (from eu-stage)</b> · {pid}" in label
    assert "Now: Inputs Materialized — PENDING" in label
    assert dialog.start_edit.text() == "Feb 18 2026, 09:00 UTC"
    assert dialog.window_combo.currentText() == "2h"
    checked = {kind: box.isChecked() for kind, box in dialog.checks.items()}
    assert checked == {"feeds-fresh": True, "sbom-rescans-complete": True,
                       "integrations-healthy": False}
    assert dialog.modes["integrations-healthy"].currentText() == WARN_ONLY
    assert not dialog.modes["integrations-healthy"].isEnabled()
    stages = [dialog.until_combo.itemText(i) for i in range(dialog.until_combo.count())]
    assert stages[:3] == ["Whole run", "Until Inputs Materialized", "Until Gate Eval (Policy)"]
    assert "Until Promotion Created" not in stages  # already done
    assert dialog.create_button.isEnabled()
    assert dialog.request() == {"at": datetime(2026, 2, 18, 9, 0, tzinfo=UTC), "window": "2h",
                                "requires": ["feeds-fresh<1h", "sbom-rescans-complete"],
                                "warns": [], "until": None}


def test_create_schedule_writes_the_job_and_links_to_scheduler_runs(qtbot, gui, site):
    pid = new_promotion(site)
    sign_in_as(gui, "olga")
    dialog = open_dialog(qtbot, gui, pid)
    qtbot.mouseClick(dialog.checks["integrations-healthy"], Qt.MouseButton.LeftButton)
    assert dialog.modes["integrations-healthy"].isEnabled()
    dialog.feed_age.setCurrentText("30m")
    dialog.modes["sbom-rescans-complete"].setCurrentText(WARN_ONLY)
    dialog.window_combo.setCurrentText("4h")
    dialog.until_combo.setCurrentIndex(dialog.until_combo.findData("gate-eval"))
    with qtbot.waitSignal(dialog.created, timeout=5000) as created:
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    info = created.args[0]
    assert info.id == "S-0001"
    stored = scheduler.get_schedule(site, "S-0001")
    assert stored.created_by == "olga" and stored.until_step == "gate-eval"
    assert stored.window.text() == "2026-02-18 09:00 UTC – 13:00 (4h)"
    assert [(p.spec, p.blocking) for p in stored.preconditions] == [
        ("feeds-fresh<30m", True), ("sbom-rescans-complete", False),
        ("integrations-healthy", False)]
    assert "Created <b>S-0001</b>: waiting: opens at 2026-02-18 09:00 UTC" in dialog.result_label.text()
    assert not dialog.create_button.isEnabled()  # one job per dialog
    with qtbot.waitSignal(dialog.open_runs_requested) as link:
        dialog.runs_link.linkActivated.emit("runs")
    assert link.args == ["S-0001"]


def test_a_refusal_is_shown_in_the_dialog_and_create_stays_possible(qtbot, gui, site):
    pid = new_promotion(site)
    sign_in_as(gui, "olga")
    dialog = open_dialog(qtbot, gui, pid)
    dialog.window_combo.setCurrentText("forever")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_label.isVisible() and "not a duration" in dialog.result_label.text())
    assert "window 'forever' is not a duration" in dialog.result_label.text()
    assert dialog.create_button.isEnabled()
    assert scheduler.list_schedules(site) == []


def test_a_promotion_with_a_schedule_says_so_and_shows_it(qtbot, gui, site):
    pid = new_promotion(site)
    scheduler.create_schedule(site, pid, at="+2h", window="4h", actor="olga",
                              requires=["feeds-fresh<24h"], warns=["integrations-healthy"],
                              until="gate-eval")
    sign_in_as(gui, "olga")
    dialog = open_dialog(qtbot, gui, pid)
    assert "already has schedule <b>S-0001</b>, shown here: waiting: opens at" \
        in dialog.result_label.text()
    assert not dialog.create_button.isEnabled()
    # the schedule's own values, not the defaults of a new one
    assert dialog.start_edit.text() == "Feb 18 2026, 10:30 UTC"
    assert dialog.window_combo.currentText() == "4h"
    assert dialog.until_combo.currentData() == "gate-eval"
    checked = {kind: box.isChecked() for kind, box in dialog.checks.items()}
    assert checked == {"feeds-fresh": True, "sbom-rescans-complete": False,
                       "integrations-healthy": True}
    assert dialog.feed_age.currentText() == "1d"
    assert dialog.modes["feeds-fresh"].currentText() != WARN_ONLY
    assert dialog.modes["integrations-healthy"].currentText() == WARN_ONLY
    assert not dialog.preconditions.isEnabled() and not dialog.start_edit.isEnabled()
    with qtbot.waitSignal(dialog.open_runs_requested) as link:
        dialog.runs_link.linkActivated.emit("runs")
    assert link.args == ["S-0001"]


def test_nobody_acting_cannot_create(qtbot, gui, site):
    pid = new_promotion(site)
    dialog = open_dialog(qtbot, gui, pid)
    assert not dialog.create_button.isEnabled()
    assert "acting as" in dialog.create_button.toolTip()
    sign_in_as(gui, "olga")
    assert dialog.create_button.isEnabled()


def test_a_closed_dialog_no_longer_listens(qtbot, gui, site):
    pid = new_promotion(site)
    dialog = open_dialog(qtbot, gui, pid)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    gone = []
    dialog.destroyed.connect(lambda *_: gone.append(True))
    dialog.close()
    qtbot.waitUntil(lambda: bool(gone), timeout=5000)
    sign_in_as(gui, "olga")  # would touch the deleted dialog if it were still connected
    sign_in_as(gui, "bob")
