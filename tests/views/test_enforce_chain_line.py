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


def test_the_chain_line_names_an_event_no_key_signed(qtbot, window, site):
    """A row appended by a database writer with the product's own code: chain and log
    hold, but no key signed it."""
    from app.services import promotions
    from engine.run import events as ev
    from models import run_store

    pid = new_promotion(site)
    with site.db.write() as session:
        _, state = promotions.load_run_in(session, pid)
        [added] = run_store.append(session, pid, state.head, [
            ev.NewEvent(ev.RUN_PAUSED, actor="olga", at=site.now(), reason="look")])
    view = open_run(qtbot, window, pid)
    assert "not signed" in view.header.chain.text()
    tip = view.header.chain.toolTip()
    assert f"promotion {pid}" in tip and f"event #{added.seq} (run.paused by olga) carries no " \
        "signature" in tip
