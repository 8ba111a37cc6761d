"""A promotion waiting for its schedule shows SCHEDULED with its slot, in the list and
in the run view, not PENDING."""

from __future__ import annotations

from datetime import timedelta

from app.services import scheduler
from tests.support.factories import START
from tests.views.conftest import new_promotion, open_run
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
    assert "agent starts it" in view.header.status_detail.text()
