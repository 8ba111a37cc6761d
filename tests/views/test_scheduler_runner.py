"""The in-app scheduler: one tick at a time (a request meanwhile runs exactly one
more), what a tick touched is broadcast, and shutdown waits for a running tick."""

from __future__ import annotations

from app.qt.changes import ChangeSet
from app.qt.scheduler_runner import SCHEDULER, SchedulerRunner
from app.services import scheduler
from tests.support.doubles import doubles_registry
from tests.views.conftest import new_promotion


def test_requests_during_a_tick_coalesce_into_one_more(qtbot, gui):
    runner = gui.scheduler
    reports = []
    runner.ticked.connect(reports.append)
    assert runner.tick_now() and runner.busy
    assert runner.tick_now() and runner.tick_now()  # both while the first runs
    qtbot.waitUntil(lambda: len(reports) == 2 and not runner.busy, timeout=10_000)
    qtbot.wait(200)
    assert len(reports) == 2


def test_a_tick_broadcasts_the_runs_it_moved_and_the_schedules(qtbot, gui, site):
    pid = new_promotion(site, "eu-stage")
    scheduler.create_schedule(site, pid, at="now", window="1h", actor="olga",
                              until="inputs-materialized")
    changes = []
    gui.changes.changed.connect(lambda change: changes.append(change))
    with qtbot.waitSignal(gui.scheduler.ticked, timeout=10_000) as ticked:
        gui.scheduler.tick_now()
    assert ticked.args[0].ran == 1 and ticked.args[0].promotions == frozenset({pid})
    assert any(c.initiator == SCHEDULER and c.changes == ChangeSet.run(pid, logs=True)
               for c in changes), "the run's progress was not broadcast while it moved"
    last = changes[-1]
    assert last.initiator == SCHEDULER and last.changes.schedules
    assert last.changes.touches(pid)


def test_the_timer_ticks_on_its_own_and_stops_on_shutdown(qtbot, gui, site):
    runner = SchedulerRunner(site, doubles_registry, gui.changes, interval_ms=50, parent=gui)
    reports = []
    runner.ticked.connect(reports.append)
    runner.start(first_delay_ms=0)
    assert runner.active
    qtbot.waitUntil(lambda: len(reports) >= 2, timeout=10_000)
    assert runner.shutdown(5_000)
    assert not runner.active and not runner.tick_now()
