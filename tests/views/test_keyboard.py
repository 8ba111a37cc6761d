"""Keyboard first: Tab leaves every table, Enter opens the selected row's detail,
and every shortcut of Help → Keyboard shortcuts does what it says."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication

from tests.views.conftest import new_promotion, open_run
from views.common.shortcuts import BY_KEY, SHORTCUTS
from views.run_timeline.model import STEP_ROLE

RUN_ACTIONS = ("pause", "resume", "continue", "rollback", "approve", "reject")


def press(qtbot, widget, key: str) -> None:
    """Press the first key sequence of shortcut ``key`` as a user would."""
    sequence = BY_KEY[key].sequences()[0]
    combo = sequence[0]
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


def active(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_no_table_or_list_traps_the_tab_key(qtbot, window):
    for key in list(window.pages):
        window.navigate(key)
    views = window.findChildren(QAbstractItemView)
    assert len(views) > 20
    trapping = [v.objectName() or type(v).__name__ for v in views if v.tabKeyNavigation()]
    assert not trapping


def test_tab_moves_out_of_the_promotions_table_without_changing_the_selection(
        qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    new_promotion(site, "eu-stage")
    open_run(qtbot, window, pid)
    active(qtbot, window)
    table = window.promotions.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    assert window.promotions.selected_id() == pid


def test_enter_on_a_timeline_row_opens_its_step_detail(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    active(qtbot, window)
    row = next(r for r in range(view.model.rowCount())
               if view.model.data(view.model.index(r, 0), STEP_ROLE))
    step = view.model.data(view.model.index(row, 0), STEP_ROLE)
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(row, 0))
    with qtbot.waitSignal(view.step_detail_opened, timeout=3000) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args[0].step == step
    opened.args[0].close()


def test_enter_on_a_promotion_takes_the_keyboard_to_its_run(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    open_run(qtbot, window, pid)
    active(qtbot, window)
    table = window.promotions.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.promotions.run_view.table.hasFocus()
    assert window.promotions.run_view.promotion_id == pid


@pytest.mark.parametrize("action", RUN_ACTIONS)
def test_each_run_action_shortcut_starts_its_action(qtbot, window, site, action):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    active(qtbot, window)
    started: list[str] = []
    view.start_action = lambda a: started.append(a)  # what the button would start
    button = view.actions_bar.buttons[action]
    button.setEnabled(True)
    press(qtbot, view.table, action)
    assert started == [action]
    # a disabled button: its key does nothing but say why
    button.setEnabled(False)
    press(qtbot, view.table, action)
    assert started == [action]


def test_the_view_shortcuts_open_what_they_name(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    active(qtbot, window)
    with qtbot.waitSignal(view.step_detail_opened, timeout=3000) as detail:
        press(qtbot, view.table, "step-detail")
    detail.args[0].close()
    active(qtbot, window)
    with qtbot.waitSignal(view.evidence_timeline_opened, timeout=3000) as evidence:
        press(qtbot, view.table, "evidence-timeline")
    evidence.args[0].close()
    active(qtbot, window)
    with qtbot.waitSignal(view.export_opened, timeout=3000) as export:
        press(qtbot, view.table, "export")
    assert export.args[0].promotion_id == pid
    export.args[0].close()
    active(qtbot, window)
    with qtbot.waitSignal(view.replay_requested, timeout=3000) as replay:
        press(qtbot, view.table, "replay")
    assert replay.args == [pid]


def test_refresh_answers_f5_and_ctrl_r_and_f1_lists_every_shortcut(qtbot, window, monkeypatch):
    refreshed: list[bool] = []
    window.refresh_action.triggered.disconnect()
    window.refresh_action.triggered.connect(lambda: refreshed.append(True))
    active(qtbot, window)
    qtbot.keyClick(window.nav, Qt.Key.Key_F5)
    qtbot.keyClick(window.nav, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert refreshed == [True, True]
    shortcuts = {s.toString() for s in window.refresh_action.shortcuts()}
    assert shortcuts == {"F5", "Ctrl+R"}
    # no other action of the window claims Ctrl+R (it used to run the executor)
    claims = [a.objectName() or a.text() for a in window.findChildren(type(window.refresh_action))
              if QKeySequence("Ctrl+R") in a.shortcuts() and a is not window.refresh_action]
    assert not claims
    qtbot.keyClick(window.nav, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    listed = {dialog.table.item(row, 1).text() for row in range(dialog.table.rowCount())}
    assert listed == {s.title for s in SHORTCUTS}
    dialog.close()


def test_buttons_have_mnemonics_and_name_their_shortcut(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    for action, button in view.actions_bar.buttons.items():
        assert "&" in button.text(), action
        assert button.accessibleName() and "&" not in button.accessibleName()
    letters = [b.text()[b.text().index("&") + 1].lower() for b in view.actions_bar.buttons.values()]
    assert len(letters) == len(set(letters)), "two buttons answer to the same Alt+letter"
    assert "Ctrl+Shift+P" in view.actions_bar.buttons["pause"].toolTip() \
        or "Not now" in view.actions_bar.buttons["pause"].toolTip()


def test_the_timeline_keeps_the_current_step_in_view(qtbot, window, site):
    from app.executor import Executor
    from tests.support.doubles import doubles_registry
    from views.common.page import list_height

    pid = new_promotion(site, "eu-stage")
    Executor(site, pid, doubles_registry(auto_continue=False)).run()  # waits at deploy-10
    view = open_run(qtbot, window, pid)
    view.table.setFixedHeight(list_height(view.table, 3))  # a short timeline: it must scroll
    view.table.scrollToTop()
    with qtbot.waitSignal(view.snapshot_loaded, timeout=5000):
        view.refresh()
    current = view.snapshot.state.current_step
    assert current == "deploy-10"
    row = max(r for r in range(view.model.rowCount())
              if view.model.data(view.model.index(r, 0), STEP_ROLE) == current)
    assert row >= 3  # below the three rows the table shows
    assert view.table.verticalScrollBar().value() > 0
    shown = view.table.visualRect(view.model.index(row, 0))
    assert view.table.viewport().rect().contains(shown.center())
