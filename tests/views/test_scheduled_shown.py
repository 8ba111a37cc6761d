"""A promotion waiting for its schedule shows SCHEDULED with its slot, in the list and
in the run view, not PENDING."""

from __future__ import annotations

from datetime import timedelta

from app.services import promotions, scheduler
from tests.support.factories import START
from tests.views.conftest import new_promotion, open_run, sign_in_as
from views.promotions.model import STATUS


def test_a_scheduled_promotion_shows_scheduled_with_its_slot(qtbot, window, site):
    pid = new_promotion(site)
    other = new_promotion(site)
    scheduler.create_schedule(site, pid, at=START + timedelta(hours=14, minutes=30),
                              window=timedelta(hours=2), actor="olga")
    window.refresh_all()
    model = window.promotions.model
    qtbot.waitUntil(lambda: model.row_of(pid) is not None and model.row_of(other) is not None)
    shown = model.index(model.row_of(pid), STATUS).data()
    assert shown == "SCHEDULED Feb 18 23:00 UTC"
    assert model.index(model.row_of(other), STATUS).data() == "PENDING"
    view = open_run(qtbot, window, pid)
    assert view.header.status_badge.text() == "SCHEDULED Feb 18 23:00 UTC"
    assert "only the site agent starts it" in view.header.status_badge.toolTip()


def test_run_now_instead_of_the_slot_asks_for_a_reason(qtbot, window, site):
    pid = new_promotion(site)
    info = scheduler.create_schedule(site, pid, at=START + timedelta(hours=14, minutes=30),
                                     window=timedelta(hours=2), actor="olga")
    sign_in_as(window, "olga")  # olga's key signs the run.requested event
    view = open_run(qtbot, window, pid)
    qtbot.waitUntil(lambda: view.snapshot.schedule_id == info.id)
    dialog = view.run_now()
    assert dialog.windowTitle() == "Run now instead of at Feb 18 23:00 UTC"
    assert not dialog.ok_button.isEnabled()  # no reason, no run
    dialog.reason_edit.setText("INC-42: the fix cannot wait for the window")
    assert dialog.ok_button.isEnabled()
    with qtbot.waitSignal(view.action_recorded, timeout=10_000):
        dialog.ok_button.click()
    done = scheduler.get_schedule(site, info.id)
    assert done.status == "cancelled" and done.cancel_reason.endswith("cannot wait for the window")
    events, _ = promotions.load_run(site, pid)
    assert events[-1].type == "run.requested" and events[-1].actor == "olga"
    qtbot.waitUntil(lambda: view.snapshot.schedule_id is None)
    assert view.header.status_badge.text() == "PENDING"
