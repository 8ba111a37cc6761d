"""The run view's chain line says a history is incomplete when its last events were
deleted behind the product's back, and why."""

from __future__ import annotations

from sqlalchemy import delete

from models.tables import RunEvent
from tests.views.conftest import new_promotion, open_run


def test_the_chain_line_names_a_cut_history(qtbot, window, site):
    whole = new_promotion(site)
    cut = new_promotion(site, "eu-stage")
    view = open_run(qtbot, window, whole)
    assert "verified" in view.header.chain.text()
    with site.db.write() as session:  # a database writer deletes the run's last event
        session.execute(delete(RunEvent).where(RunEvent.promotion_id == cut, RunEvent.seq == 1))
    view = open_run(qtbot, window, cut)
    assert "incomplete" in view.header.chain.text()
    tip = view.header.chain.toolTip()
    assert f"promotion {cut}" in tip and "history was cut" in tip
