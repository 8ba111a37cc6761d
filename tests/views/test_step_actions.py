"""Step Detail offers Retry step, Mark failed and Pause where the run allows them
(seed §14.4); each asks for its reason through the run view, as the quick actions do."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.executor import Executor
from tests.support.doubles import doubles_registry
from tests.views.conftest import new_promotion, open_run


def test_the_current_step_offers_what_the_run_allows(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    Executor(site, pid, doubles_registry(auto_continue=False)).run()  # waits at deploy-10
    view = open_run(qtbot, window, pid)
    qtbot.waitUntil(lambda: view.snapshot.state.current_step == "deploy-10")
    dialog = view.open_step_detail("deploy-10")
    qtbot.addWidget(dialog)
    buttons = dialog.action_buttons
    assert "pause" not in buttons  # the Deploy Stage View has its own Pause
    mark = buttons["mark-failed"]
    assert mark.isEnabled() == (view.snapshot.refusal("mark-failed") is None)
    assert mark.isEnabled()
    assert buttons["retry"].isEnabled() == (view.snapshot.refusal("retry") is None)
    qtbot.mouseClick(mark, Qt.MouseButton.LeftButton)
    asked = view.active_dialog
    assert asked is not None and asked.action == "mark-failed"
    asked.reject()

    done = view.open_step_detail("inputs-materialized")
    qtbot.addWidget(done)
    for action, button in done.action_buttons.items():
        assert not button.isEnabled(), action
        assert button.toolTip() == "Not now: this is not the step the run is at"
    assert done.action_buttons["pause"].text() == "&Pause run"
