"""Rollback / Re-run (seed §14.6) on a real run: the impact preview computed before
execution, a required reason, the rollback carried out through the drivers, and
the re-run and pause choices."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.executor import Executor
from app.services import actions, evidence, promotions
from engine.run import events as ev
from tests.support.deploy import advancing_wait
from tests.support.factories import who
from tests.support.stage_fakes import StageEnv
from tests.views.conftest import sign_in_as
from tests.views.deploy_helpers import GATE, TARGETS, run_view, stage_of, start
from views.common.reason_dialog import RollbackDialog
from views.deploy_stage.rollback_dialog import PAUSE, RERUN, ROLLBACK, RollbackRerunDialog


def at_fifty(site) -> tuple[StageEnv, str]:
    """Canary 10% held and continued; canary 50% held, waiting for continue."""
    env = StageEnv(site, "fake-prod", TARGETS, GATE, advancing_wait(site.clock))
    pid = start(env)
    Executor(site, pid, env.registry()).run()
    actions.act(site, pid, "continue", who(site, "olga"))
    Executor(site, pid, env.registry()).run()
    return env, pid


def test_the_dialog_previews_the_impact_and_rolls_back_with_a_reason(qtbot, site, gui):
    env, pid = at_fifty(site)
    sign_in_as(gui, "olga")
    view = run_view(qtbot, gui, pid)
    qtbot.mouseClick(view.actions_bar.buttons["rollback"], Qt.MouseButton.LeftButton)
    dialog = view.active_dialog
    assert isinstance(dialog, RollbackRerunDialog) and isinstance(dialog, RollbackDialog)
    assert dialog.windowTitle() == "Rollback / Re-run" and dialog.ok_button.text() == "Execute"
    assert "Promotion P-0001:</b> platform 1.3.0-rc1 → fake-prod" in dialog.findChild(
        type(view.now_label), "dialogSubject").text()
    assert dialog.choice() == ROLLBACK and dialog.scope() == "full"
    qtbot.waitUntil(lambda: "Per target:" in dialog.preview_text.toPlainText())
    text = dialog.preview_text.toPlainText()
    assert "Rollback (full) of: deploy-start, deploy-10, deploy-50" in text
    assert "Returns to: 1.2.0, manifest sha256:c3c3c3c3c3c3…" in text
    assert "- 5 target(s) currently on the new bundle (1.3.0-rc1) → will revert to the previous bundle" in text
    assert "- 5 target(s) still old → unchanged (t06, t07, t08, t09, t10)" in text
    assert "  t05: 1.3.0-rc1 → 1.2.0" in text
    assert dialog.action_buttons[ROLLBACK].text().endswith("(1.2.0, manifest sha256:c3c3c3c3c3c3…)")

    with qtbot.waitSignal(dialog.preview_ready) as ready:
        dialog.select_scope("step")
    assert ready.args[0]["steps"] == ["deploy-50"]
    assert "- 1 target(s) on 1.3.0-rc1 since an earlier stage → unchanged by this scope (t01)" \
        in dialog.preview_text.toPlainText()
    assert "  t01: 1.3.0-rc1 → 1.3.0-rc1  (unchanged)" in dialog.preview_text.toPlainText()
    with qtbot.waitSignal(dialog.preview_ready):
        dialog.select_scope("full")

    assert not dialog.ok_button.isEnabled(), "a rollback needs a reason"
    qtbot.keyClicks(dialog.reason_edit, "   ")
    assert not dialog.ok_button.isEnabled(), "blank is not a reason"
    dialog.reason_edit.clear()
    qtbot.keyClicks(dialog.reason_edit, "incident #1234: elevated latency")
    qtbot.keyClicks(dialog.ticket_edit, "INC-1234")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(view.action_recorded):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    events, _ = promotions.load_run(site, pid)
    requested = events[-1]
    assert (requested.type, requested.actor, requested.reason) == (
        ev.ROLLBACK_REQUESTED, "olga", "incident #1234: elevated latency")
    assert requested.data["scope"] == "full" and requested.data["ticket"] == "INC-1234"
    assert [t["target"] for t in requested.data["preview"]["targets"]] == list(TARGETS[:5])

    Executor(site, pid, env.registry()).run()  # the rollback, through the drivers
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert set(env.versions().values()) == {"1.2.0"}
    names = [item.name for item in evidence.list_evidence(site, pid)]
    assert names[-2:] == ["rollback", "proof-chain"]  # appended, then the ended run sealed
    assert {"deployment-deploy-10", "deployment-deploy-50"} <= set(names)


def test_re_run_and_pause_are_choices_of_the_same_dialog(qtbot, site, gui):
    _env, pid = at_fifty(site)
    sign_in_as(gui, "olga")
    stage = stage_of(qtbot, run_view(qtbot, gui, pid), "deploy-50")
    assert stage.rollback_button.isEnabled()
    qtbot.mouseClick(stage.rollback_button, Qt.MouseButton.LeftButton)
    dialog = stage.launcher.active_dialog
    assert isinstance(dialog, RollbackRerunDialog)
    assert dialog.action_buttons[RERUN].text() == "Re-run current step (Deploy Canary 50%)"
    assert all(button.isEnabled() for button in dialog.action_buttons.values())
    dialog.choose(RERUN)
    assert not dialog.scope_box.isEnabled() and not dialog.preview_text.isEnabled()
    assert not dialog.ok_button.isEnabled(), "a re-run needs a reason too"
    qtbot.keyClicks(dialog.reason_edit, "transient scrape timeouts")
    assert dialog.ok_button.isEnabled()
    assert dialog.request().action == "retry" and dialog.request().scope is None
    dialog.choose(PAUSE)
    assert dialog.request().action == "pause"
    dialog.choose(RERUN)
    with qtbot.waitSignal(stage.launcher.recorded) as recorded:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert recorded.args == ["retry"]
    events, state = promotions.load_run(site, pid)
    assert (events[-1].type, events[-1].reason) == (ev.ACTION_RETRY, "transient scrape timeouts")
    assert state.step("deploy-50").status == "pending"


def test_choices_the_run_does_not_allow_are_disabled_with_the_reason(qtbot, site, gui):
    _env, pid = at_fifty(site)
    actions.act(site, pid, "pause", who(site, "olga"), "change freeze")
    sign_in_as(gui, "olga")
    stage = stage_of(qtbot, run_view(qtbot, gui, pid), "deploy-50")
    assert stage.pause_button.text() == "Resume" and stage.pause_button.isEnabled()
    qtbot.mouseClick(stage.rollback_button, Qt.MouseButton.LeftButton)
    dialog = stage.launcher.active_dialog
    assert not dialog.action_buttons[RERUN].isEnabled()
    assert dialog.action_buttons[RERUN].toolTip() == "Not now: the run is paused; resume it first"
    assert dialog.action_buttons[PAUSE].toolTip() == "Not now: the run is already paused"
    assert dialog.choice() == ROLLBACK  # still possible while paused
    dialog.reject()
