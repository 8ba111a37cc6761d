"""The Schedule dialog warns when a blocking precondition already fails now (feeds
seven hours old against "< 1 h"), and stops warning once the form asks for less."""

from __future__ import annotations

from datetime import timedelta

from engine.canonical import sha256_digest
from engine.clock import rfc3339
from tests.support.factories import START
from tests.support.gate_data import store_feed
from tests.views.conftest import new_promotion
from views.schedule.dialog import ScheduleDialog


def test_the_dialog_warns_about_a_blocking_precondition_failing_now(qtbot, gui, site):
    taken = rfc3339(START - timedelta(hours=7))
    store_feed(site, taken, ecosystems=["npm"], records=[],
               digest=sha256_digest(taken.encode()))
    pid = new_promotion(site)
    dialog = ScheduleDialog(gui, pid)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as shown:
        dialog.show()
    feeds = [line for line in shown.args[0] if "feed" in line.lower()]
    assert feeds, shown.args[0]
    assert "7h" in feeds[0] or "7 h" in feeds[0], feeds[0]
    assert not dialog.precheck.isHidden()
    assert "Already failing now" in dialog.precheck.text()
    assert dialog.result_label.isHidden()  # a warning, not a refusal

    dialog.feed_age.setCurrentText("12h")  # asking for less: the feed holds
    dialog.checks["sbom-rescans-complete"].setChecked(False)
    qtbot.waitUntil(lambda: dialog.failing_now == () and dialog.precheck.isHidden(),
                    timeout=10_000)
