"""Operations → Scheduler Runs, Dead Letter and Orchestrator: real data, status colours,
diagnostics of each attempt, cancel and retry with a reason, the in-app scheduler
tick, and the way back to the run."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from app.services import scheduler, scheduler_tick
from models.tables import RunLease
from tests.support.doubles import doubles_registry
from tests.views.conftest import new_promotion, open_run, sign_in_as
from views.common.palette import status_colour
from views.scheduler_runs.dead_letter_page import DeadLetterPage
from views.scheduler_runs.models import STATUS_ROLE
from views.scheduler_runs.orchestrator_page import OrchestratorPage
from views.scheduler_runs.runs_page import SchedulerRunsPage


def tick(site):
    return scheduler_tick.tick(site, scheduler_tick.executor_runner(doubles_registry()))


def three_jobs(site):
    """S-0001 waits on stale feeds, S-0002 is dead-lettered, S-0003 succeeded."""
    waiting = new_promotion(site, "eu-stage")
    scheduler.create_schedule(site, waiting, at="now", window="2h", actor="olga",
                              requires=["feeds-fresh<1h"])
    dead = new_promotion(site, "eu-stage")
    scheduler.create_schedule(site, dead, at="now", window="1h", actor="olga",
                              requires=["feeds-fresh<1h"])
    done = new_promotion(site, "eu-stage")
    scheduler.create_schedule(site, done, at="now", window="3h", actor="olga",
                              until="gate-eval")
    tick(site)
    site.clock.advance(90 * 60)  # S-0002's window closes while it waits
    tick(site)
    return waiting, dead, done


def runs_page(qtbot, gui):
    page = SchedulerRunsPage(gui, gui.scheduler)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.show()
    return page


def test_empty_page_says_how_to_schedule(qtbot, gui):
    page = runs_page(qtbot, gui)
    assert page.empty.isVisible() and not page.table.isVisible()
    assert not page.attempts_table.isVisible()
    assert "Schedule…" in page.empty.text()
    assert page.summary.text().startswith("No scheduled jobs")


def test_jobs_their_status_colours_and_attempt_diagnostics(qtbot, qtmodeltester, gui, site):
    three_jobs(site)
    sign_in_as(gui, "olga")
    page = runs_page(qtbot, gui)
    model = page.schedules
    qtmodeltester.check(model)
    rows = {model.row(r).id: r for r in range(model.rowCount())}
    assert set(rows) == {"S-0001", "S-0002", "S-0003"}
    status = next(c for c, col in enumerate(model.columns) if col.title == "Status")
    for job, word, palette in (("S-0001", "SCHEDULED", "waiting"),
                               ("S-0002", "DEAD-LETTERED", "failed"),
                               ("S-0003", "SUCCEEDED", "succeeded")):
        index = model.index(rows[job], status)
        assert index.data() == word
        assert index.data(Qt.ItemDataRole.ForegroundRole) == status_colour(palette)
        assert index.data(STATUS_ROLE) == word.lower()
    assert "1 scheduled · 1 dead-lettered · 1 succeeded" in page.summary.text()

    assert page.select("S-0001")
    qtbot.waitUntil(lambda: page.attempts.rowCount() == 1)
    assert "Attempts of S-0001" in page.attempts_heading.text()
    (attempt,) = page.attempts.rows()
    assert attempt.status == "waiting" and attempt.checks == 2
    why = page.attempts.index(0, 5)
    assert why.data().startswith("blocked: feeds-fresh<1h — no feed snapshot")
    assert "Attempt 1 of slot" in page.diagnostics.toPlainText()
    assert "seen by 2 ticks" in page.diagnostics.toPlainText()
    assert page.cancel_button.isEnabled() and not page.retry_button.isEnabled()

    page.select("S-0002")
    qtbot.waitUntil(lambda: page.retry_button.isEnabled())
    where = model.index(rows["S-0002"], len(model.columns) - 1).data()
    assert where.startswith("dead-lettered: missed its window")


def test_cancel_a_job_with_a_reason(qtbot, gui, site):
    pid = new_promotion(site, "eu-stage")
    scheduler.create_schedule(site, pid, at="+1h", window="2h", actor="olga")
    sign_in_as(gui, "olga")
    page = runs_page(qtbot, gui)
    page.select("S-0001")
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    dialog = page.active_dialog
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "change freeze this week")
    with qtbot.waitSignal(page.action_done, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert scheduler.get_schedule(site, "S-0001").cancel_reason == "change freeze this week"
    qtbot.waitUntil(lambda: page.schedules.row(0).status == "cancelled")
    assert not page.cancel_button.isEnabled()


def test_tick_now_runs_a_due_job_in_the_app(qtbot, gui, site):
    pid = new_promotion(site, "eu-stage")
    scheduler.create_schedule(site, pid, at="now", window="1h", actor="olga",
                              until="inputs-materialized")
    page = runs_page(qtbot, gui)
    assert page.schedules.row(0).status == "scheduled"
    with qtbot.waitSignal(gui.scheduler.ticked, timeout=10_000) as ticked:
        qtbot.mouseClick(page.tick_button, Qt.MouseButton.LeftButton)
    assert ticked.args[0].ran == 1
    qtbot.waitUntil(lambda: page.schedules.row(0).status == "succeeded", timeout=5000)
    assert "last tick" in page.summary.text() and "ran 1 job(s)" in page.summary.text()


def test_dead_letter_page_retries_with_a_reason(qtbot, gui, site):
    three_jobs(site)
    sign_in_as(gui, "olga")
    page = DeadLetterPage(gui)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.show()
    assert page.model.rowCount() == 1
    assert "1 job(s) failed for good" in page.summary.text()
    assert "missed its window" in page.reason.toPlainText()
    dialog = page.start_action("retry")
    qtbot.keyClicks(dialog.reason_edit, "feeds imported from the morning medium")
    with qtbot.waitSignal(page.action_done, timeout=5000) as done:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert done.args[1].status == "scheduled"
    qtbot.waitUntil(lambda: page.empty.isVisible())
    page.show_retried.setChecked(True)
    assert page.model.rowCount() == 1
    retried = page.model.index(0, 5).data()
    assert "by olga: feeds imported from the morning medium" in retried


def test_orchestrator_shows_leases_and_the_queue(qtbot, gui, site):
    pid = new_promotion(site, "eu-stage")
    scheduler.create_schedule(site, pid, at="+1h", window="2h", actor="olga")
    with site.db.write() as session:
        session.add(RunLease(promotion_id=pid, owner="ci-runner:4242:abcd", host="ci-runner",
                             pid=4242, heartbeat_at=site.clock.now() - timedelta(seconds=5)))
    page = OrchestratorPage(gui, gui.scheduler)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.show()
    (lease,) = page.leases.rows()
    assert (lease.promotion_id, lease.state, lease.host) == (pid, "live", "ci-runner")
    assert page.leases.index(0, 3).data() == "process 4242"
    assert page.leases.index(0, 5).data() == "5s ago"
    (queued,) = page.queue.rows()
    assert queued.id == "S-0001" and "opens at" in queued.state_text
    assert page.summary.text().startswith("1 live executor(s), 0 lease(s) whose holder stopped; "
                                          "1 scheduled job(s) queued")


def test_the_run_view_schedules_and_the_operations_pages_lead_back(qtbot, window, site):
    pid = new_promotion(site, "eu-stage")
    sign_in_as(window, "olga")
    view = open_run(qtbot, window, pid)
    qtbot.mouseClick(view.schedule_button, Qt.MouseButton.LeftButton)
    dialog = window.scheduler_screens.dialog
    assert dialog is not None and dialog.promotion_id == pid
    qtbot.waitUntil(lambda: dialog.form is not None and dialog.create_button.isEnabled())
    with qtbot.waitSignal(dialog.created, timeout=5000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    dialog.runs_link.linkActivated.emit("runs")
    page = window.current_page()
    assert isinstance(page, SchedulerRunsPage)
    qtbot.waitUntil(lambda: page.selected() is not None and page.selected().id == "S-0001")
    with qtbot.waitSignal(page.timeline_requested):
        qtbot.mouseClick(page.open_run_button, Qt.MouseButton.LeftButton)
    assert window.current_page() is window.promotions
    assert window.promotions.selected_id() == pid
    for key in ("orchestrator", "dead-letter"):
        assert type(window.navigate(key)).__name__ in ("OrchestratorPage", "DeadLetterPage")
