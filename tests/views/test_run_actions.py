from __future__ import annotations

from PySide6.QtCore import Qt

from app.executor import Executor
from app.screens.session import sign_in
from app.services import promotions
from tests.support.doubles import doubles_registry
from tests.support.factories import who
from tests.views.conftest import new_promotion, open_run, sign_in_as
from views.common.reason_dialog import RollbackDialog


def _fill_and_accept(qtbot, dialog, reason: str) -> None:
    assert not dialog.ok_button.isEnabled(), "OK must wait for a reason"
    qtbot.keyClicks(dialog.reason_edit, "   ")
    assert not dialog.ok_button.isEnabled(), "blank is not a reason"
    dialog.reason_edit.clear()
    qtbot.keyClicks(dialog.reason_edit, reason)
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_pause_with_a_reason_appends_the_event(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    pause = view.actions_bar.buttons["pause"]
    assert pause.isEnabled()
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    dialog = view.active_dialog
    assert dialog is not None and dialog.action == "pause"
    with qtbot.waitSignal(view.action_recorded, timeout=5000):
        _fill_and_accept(qtbot, dialog, "change freeze until 14:00")
    qtbot.waitUntil(lambda: view.header.status_badge.text() == "PAUSED")
    events, state = promotions.load_run(site, pid)
    assert events[-1].type == "run.paused"
    assert events[-1].actor == "alice"
    assert events[-1].reason == "change freeze until 14:00"
    assert state.status == "paused"
    # the buttons follow the new state: resume now, pause not
    qtbot.waitUntil(lambda: view.actions_bar.buttons["resume"].isEnabled())
    assert not pause.isEnabled()
    assert pause.toolTip() == "Not now: the run is already paused"
    row = window.promotions.model.row_of(pid)
    qtbot.waitUntil(lambda: window.promotions.model.summary(row).status == "paused")


def test_cancelling_the_dialog_changes_nothing(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    qtbot.mouseClick(view.actions_bar.buttons["cancel"], Qt.MouseButton.LeftButton)
    dialog = view.active_dialog
    dialog.reject()
    events, _ = promotions.load_run(site, pid)
    assert [e.type for e in events] == ["run.created", "step.succeeded"]


def test_approve_is_refused_to_the_requester_and_allowed_to_an_approver(qtbot, window, site):
    pid = new_promotion(site)
    Executor(site, pid, doubles_registry()).run()
    view = open_run(qtbot, window, pid)
    approve = view.actions_bar.buttons["approve"]
    assert not approve.isEnabled()
    assert "separation of duties" in approve.toolTip()
    assert "alice requested this promotion" in approve.toolTip()

    sign_in_as(window, "olga")  # an operator: the engine allows it, the role does not
    qtbot.waitUntil(lambda: view.snapshot.actor == "olga")
    assert not approve.isEnabled()
    assert "needs the role approver" in approve.toolTip()


    window.ctx.sign_in(sign_in(site, "bob", "bob-passphrase"))
    qtbot.waitUntil(lambda: view.snapshot.actor == "bob" and approve.isEnabled())
    qtbot.mouseClick(approve, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.action_recorded):
        _fill_and_accept(qtbot, view.active_dialog, "gate passed, change CR-77")
    qtbot.waitUntil(lambda: view.snapshot.status_of("approval") == "succeeded")
    events, _ = promotions.load_run(site, pid)
    assert [e.type for e in events[-2:]] == ["approval.granted", "step.succeeded"]
    assert events[-2].actor == "bob"
    assert events[-2].data["keyid"] == window.ctx.session.key_id


def test_rollback_shows_scope_preview_and_records_the_ticket(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    Executor(site, pid, doubles_registry()).run(until="deploy-50")
    view = open_run(qtbot, window, pid)
    assert view.snapshot.state.current_step == "deploy-100"
    rollback = view.actions_bar.buttons["rollback"]
    assert rollback.isEnabled()
    qtbot.mouseClick(rollback, Qt.MouseButton.LeftButton)
    dialog = view.active_dialog
    assert isinstance(dialog, RollbackDialog)
    # deploy-100 has not started, so there is no single stage to undo
    assert {s: b.isEnabled() for s, b in dialog.scope_buttons.items()} == \
        {"step": False, "stage": True, "full": True}
    assert "not a canary stage that has deployed" in dialog.scope_buttons["step"].toolTip()
    qtbot.waitUntil(lambda: dialog.scope() == "full" and "t05" in dialog.preview_text.toPlainText())
    with qtbot.waitSignal(dialog.preview_ready) as ready:
        dialog.select_scope("stage")
    assert ready.args[0]["steps"] == ["deploy-10", "deploy-50"]
    assert "t05: 1.3.0-rc1 → 1.2.4" in dialog.preview_text.toPlainText()
    qtbot.keyClicks(dialog.ticket_edit, "INC-1234")
    with qtbot.waitSignal(view.action_recorded):
        _fill_and_accept(qtbot, dialog, "elevated latency on t01")
    events, state = promotions.load_run(site, pid)
    last = events[-1]
    assert last.type == "rollback.requested"
    assert last.data["scope"] == "stage" and last.data["ticket"] == "INC-1234"
    assert [t["target"] for t in last.data["preview"]["targets"]] == \
        ["t01", "t02", "t03", "t04", "t05"]
    qtbot.waitUntil(lambda: "rollback (stage) requested" in view.now_label.text())


def test_a_refused_action_shows_the_message_not_a_traceback(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, pid)
    qtbot.mouseClick(view.actions_bar.buttons["pause"], Qt.MouseButton.LeftButton)
    dialog = view.active_dialog
    # meanwhile someone else pauses the run from the command line
    from app.services import actions

    actions.act(site, pid, "pause", who(site, "olga"), "from the CLI")
    with qtbot.waitSignal(window.errors.presented) as shown:
        _fill_and_accept(qtbot, dialog, "me too")
    assert shown.args[0] == "pause refused: the run is already paused"
    assert "Traceback" not in shown.args[0]
    box = window.errors.boxes[-1]
    assert box.text() == shown.args[0]
    box.accept()
