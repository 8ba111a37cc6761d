"""The Qt bridge: operations, failures as values, coalesced refreshes, the poller."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject

from app.errors import NotNow
from app.qt.changes import POLLER, ChangeBroadcaster, ChangeSet
from app.qt.errors import Failure, error_hub
from app.qt.operation import Operation
from app.qt.poller import RunPoller
from app.qt.refresher import Refresher
from app.qt.worker import TaskManager
from app.services import actions
from tests.support.factories import who
from tests.views.conftest import new_promotion


@pytest.fixture
def tasks(qtbot):
    manager = TaskManager()
    yield manager
    manager.close()
    assert manager.wait(5000)


def test_success_runs_off_thread_and_calls_back_on_the_gui_thread(qtbot, tasks):
    parent = QObject()
    seen = {}
    done = []
    op = (Operation(parent, lambda: threading.current_thread() is threading.main_thread(),
                    tasks=tasks)
          .success(lambda value: seen.update(in_worker_main=value,
                                             callback_main=threading.current_thread()
                                             is threading.main_thread()))
          .finally_(lambda: done.append(True)))
    op.run()
    qtbot.waitUntil(lambda: done == [True])
    assert seen == {"in_worker_main": False, "callback_main": True}


def test_our_errors_arrive_as_their_message(qtbot, tasks):
    failures: list[Failure] = []

    def refuse():
        raise NotNow("pause refused: the run is already paused")

    Operation(None, refuse, tasks=tasks).failure(failures.append).run()
    qtbot.waitUntil(lambda: len(failures) == 1)
    assert failures[0] == Failure("pause refused: the run is already paused", "Not allowed now",
                                  "NotNow", True)


def test_unexpected_errors_go_to_the_hub_without_a_traceback(qtbot, tasks, caplog):
    def bug():
        raise ValueError("boom")

    with qtbot.waitSignal(error_hub().failed) as reported:
        Operation(None, bug, tasks=tasks).run()
    failure = reported.args[0]
    assert failure.message == "Unexpected error (ValueError): boom. The details are in the log."
    assert not failure.expected
    assert "Traceback" in caplog.text  # the log keeps the details for the developer


def test_result_is_dropped_when_the_parent_is_gone(qtbot, tasks):
    parent = QObject()
    gate = threading.Event()
    called = []
    worker = Operation(parent, lambda: gate.wait(5), tasks=tasks).success(called.append).run()
    parent.deleteLater()
    qtbot.waitUntil(lambda: _deleted(parent))
    with qtbot.waitSignal(worker.signals.finished):
        gate.set()
    qtbot.wait(20)
    assert called == []


def _deleted(obj: QObject) -> bool:
    try:
        obj.objectName()
    except RuntimeError:
        return True
    return False


def test_success_broadcasts_what_changed(qtbot, tasks):
    broadcaster = ChangeBroadcaster()
    initiator = object()
    with qtbot.waitSignal(broadcaster.changed) as changed:
        Operation(None, lambda: 1, tasks=tasks).broadcasts(
            broadcaster, ChangeSet.run("P-0001"), initiator).run()
    change = changed.args[0]
    assert change.changes.touches("P-0001") and change.initiator is initiator


def test_refresher_coalesces_requests_made_while_busy(qtbot, tasks):
    parent = QObject()
    gate = threading.Event()
    results = []
    refresher = Refresher(parent, lambda: (lambda: gate.wait(5) and len(results)),
                          results.append, tasks=tasks)
    for _ in range(5):
        refresher.request()
    assert refresher.runs == 1
    gate.set()
    qtbot.waitUntil(lambda: len(results) == 2)
    qtbot.wait(30)
    assert refresher.runs == 2 and not refresher.busy


def test_refresher_keeps_a_minimum_interval(qtbot, tasks):
    parent = QObject()
    results = []
    refresher = Refresher(parent, lambda: (lambda: 1), results.append, tasks=tasks,
                          min_interval_ms=200)
    refresher.request()
    qtbot.waitUntil(lambda: len(results) == 1)
    refresher.request()
    assert refresher.busy  # waiting for the interval, not running yet
    qtbot.wait(50)
    assert len(results) == 1
    qtbot.waitUntil(lambda: len(results) == 2, timeout=1000)


def test_poller_broadcasts_all_then_only_what_changed(qtbot, tasks, site):
    first = new_promotion(site, "eu-stage")
    second = new_promotion(site, "eu-stage")
    broadcaster = ChangeBroadcaster()
    poller = RunPoller(site, broadcaster, interval_ms=50, tasks=tasks)
    with qtbot.waitSignal(broadcaster.changed) as initial:
        poller.start()
    assert initial.args[0].changes.promotions == {first, second}
    assert initial.args[0].initiator == POLLER
    actions.act(site, second, "pause", who(site, "olga"), "maintenance window")
    with qtbot.waitSignal(broadcaster.changed) as later:
        pass
    assert later.args[0].changes.promotions == {second}
    assert not later.args[0].changes.promotion_list
    poller.stop()
