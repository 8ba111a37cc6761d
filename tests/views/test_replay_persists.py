"""A replay's result stays where it was asked for — through live refreshes, in a
reopened Step Detail and in Replay/Verify's list — and a click while a replay runs
is not a second request."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from app.services import replay
from tests.views.test_gate_detail import _open


def test_the_result_stays_through_refreshes_a_reopened_detail_and_the_list(qtbot, window, site):
    pid, dialog, overview = _open(qtbot, window, site)
    with qtbot.waitSignal(overview.replayed, timeout=10_000):
        qtbot.mouseClick(overview.replay_button, Qt.MouseButton.LeftButton)
    assert "✓ match" in overview.replay_label.text()
    view = window.promotions.run_view
    for _ in range(3):  # live refreshes re-show the step; the result must not go away
        with qtbot.waitSignal(view.snapshot_loaded, timeout=5000):
            view.refresh()
        assert "✓ match" in overview.replay_label.text() and "rr-001" in overview.replay_label.text()
    dialog.close()
    reopened = view.open_step_detail("gate-eval")
    qtbot.addWidget(reopened)
    qtbot.waitUntil(lambda: reopened.overview.detail is not None)
    assert "✓ match" in reopened.overview.replay_label.text()
    page = window.gate_screens.open_replay(pid)
    qtbot.waitUntil(lambda: page.requests.rowCount() == 1)
    assert page.requests.row(0).request_id == "rr-001"


def test_a_second_click_while_a_replay_runs_stores_nothing_new(qtbot, window, site, monkeypatch):
    pid, _dialog, overview = _open(qtbot, window, site)
    started = []
    real = replay.replay_verdict

    def slow_replay(*args, **kwargs):
        started.append(args[1])
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(replay, "replay_verdict", slow_replay)
    assert overview.request_replay()
    qtbot.waitUntil(lambda: bool(started))
    assert overview.replaying
    assert not overview.request_replay()  # the key or a second click: refused
    overview.replay_button.click()  # disabled: nothing
    qtbot.waitUntil(lambda: not overview.replaying, timeout=10_000)
    assert len(started) == 1
    assert [r.request_id for r in replay.requests(site, pid)] == ["rr-001"]
