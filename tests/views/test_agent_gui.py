"""The GUI is a client of the site agent: it shows it, starts runs through it, and
quitting never interrupts a run (a real ``stella agent`` process with step doubles)."""

from __future__ import annotations

import socket
import threading
import time

from PySide6.QtWidgets import QMessageBox

from app.executor import Executor
from app.services import promotions
from app.services.run_requests import request_run
from tests.support.agent_process import start_agent, stop_agent
from tests.support.doubles import doubles_registry
from tests.support.factories import who
from tests.views.conftest import new_promotion, open_run, sign_in_as


def run_status(site, pid: str) -> str:
    return promotions.load_run(site, pid)[1].status


def listed_status(window, pid: str) -> str | None:
    model = window.promotions.model
    row = model.row_of(pid)
    return model.summary(row).status if row is not None else None


def test_the_status_bar_shows_the_agent_and_start_run_takes_effect(qtbot, window, site,
                                                                   tmp_path):
    pid = new_promotion(site)  # into eu-prod: it waits for an approval once started
    qtbot.waitUntil(lambda: window.ctx.agent.status is not None)
    assert "Agent: not running" in window.agent_label.text()
    assert not window.agent_button.isHidden() and window.agent_action.isEnabled()
    assert window.agent_action.shortcut().isEmpty()  # Ctrl+R is free for Refresh
    proc = start_agent(site.paths.home, tmp_path / "agent.log")
    try:
        window.ctx.agent.check()
        qtbot.waitUntil(lambda: window.ctx.agent.status.running, timeout=5_000)
        text = window.agent_label.text()
        assert "Agent: running since" in text and socket.gethostname() in text
        assert str(proc.pid) in window.agent_label.toolTip()
        assert window.agent_button.isHidden() and not window.agent_action.isEnabled()

        view = open_run(qtbot, window, pid)
        qtbot.waitUntil(lambda: view.run_button.text() == "▶ Start run"
                        and view.run_button.isEnabled())
        began = time.monotonic()
        view.run_button.click()
        qtbot.waitUntil(lambda: view.snapshot.status_of("approval") == "waiting",
                        timeout=10_000)
        print(f"Start run took effect on screen in {time.monotonic() - began:.2f} s")
        assert not view.run_button.isEnabled()  # the agent has it from now on
    finally:
        assert stop_agent(proc) == 0


def test_quitting_leaves_a_live_run_running_under_the_agent(qtbot, window, site, tmp_path):
    pid = new_promotion(site, "eu-stage")
    request_run(site, pid, who(site, "olga"), "canary tonight")
    proc = start_agent(site.paths.home, tmp_path / "agent.log", step_delay=0.6)
    try:
        window.ctx.agent.check()
        qtbot.waitUntil(lambda: window.ctx.agent.status is not None
                        and window.ctx.agent.status.running, timeout=5_000)
        window.refresh_all()
        qtbot.waitUntil(lambda: listed_status(window, pid) == "running", timeout=15_000)
        began = time.monotonic()
        assert window.close()  # no question: the agent has the run, not this app
        assert time.monotonic() - began < 2.0 and not window.isVisible()
        assert run_status(site, pid) == "running"
        deadline = time.monotonic() + 30
        while run_status(site, pid) != "completed" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert run_status(site, pid) == "completed"  # it went on after the app had quit
    finally:
        assert stop_agent(proc) == 0


def test_quitting_with_a_live_run_and_no_agent_asks(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    stop = threading.Event()
    executor = Executor(site, pid, doubles_registry(delay=5.0), should_stop=stop.is_set)
    worker = threading.Thread(target=executor.run)  # e.g. a `stella run` in a terminal
    worker.start()
    try:
        qtbot.waitUntil(lambda: window.ctx.agent.status is not None)
        window.refresh_all()
        qtbot.waitUntil(lambda: listed_status(window, pid) == "running", timeout=10_000)
        assert not window.close()  # not yet: it asks first
        box = window.quit_box
        assert box is not None and pid in box.text() and "no agent runs" in box.text()
        box.button(QMessageBox.StandardButton.Cancel).click()
        qtbot.waitUntil(lambda: window.quit_box is None)
        assert window.isVisible()  # cancelled: the window stays
        assert not window.close() and window.quit_box is not None  # asked again
        quit_anyway = next(b for b in window.quit_box.buttons() if b.text() == "Quit anyway")
        quit_anyway.click()
        qtbot.waitUntil(lambda: not window.isVisible())
    finally:
        stop.set()
        worker.join(30)


def test_an_auditor_cannot_start_the_agent(qtbot, window):
    """Auditors are read-only: the toolbar's and the status bar's Start agent are off for
    them, as every run action is, and on again for an operator."""
    qtbot.waitUntil(lambda: window.ctx.agent.status is not None)
    assert window.agent_action.isEnabled()  # alice, a release manager, may start it
    sign_in_as(window, "audrey")
    qtbot.waitUntil(lambda: not window.agent_action.isEnabled())
    assert not window.agent_button.isEnabled()
    sign_in_as(window, "olga")
    qtbot.waitUntil(window.agent_action.isEnabled)
    assert window.agent_button.isEnabled()
