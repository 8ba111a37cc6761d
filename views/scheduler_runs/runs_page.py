"""Operations → Scheduler Runs (seed §14.9): every scheduled job, where it stands, and
the attempts of the selected one with why each waited, ran or failed.

From here an operator ticks the scheduler now, cancels a job (with a reason), retries
a dead-lettered one, or goes back to the run's timeline.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import Refresher
from app.qt.scheduler_runner import SchedulerRunner
from app.screens.scheduler_screens import RunsScreen, runs_screen
from app.services.scheduler import ScheduleInfo
from engine.schedule import job as jobs
from views.scheduler_runs.common import heading, job_action, make_table, runner_text, title_row
from views.scheduler_runs.models import ATTEMPT_COLUMNS, SCHEDULE_COLUMNS, RowTableModel

REFRESH_MIN_MS = 1_000
CLOCK_REFRESH_MS = 15_000  # "opens in …" moves on by itself


class SchedulerRunsPage(QWidget):
    loaded = Signal(object)  # RunsScreen
    timeline_requested = Signal(str)  # promotion id
    action_done = Signal(str, object)  # action, ScheduleInfo

    def __init__(self, ctx: GuiContext, runner: SchedulerRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("schedulerRunsPage")
        self.ctx = ctx
        self.runner = runner
        self.snapshot: RunsScreen | None = None
        self.active_dialog: QDialog | None = None
        self._pending_selection: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top, self.refresh_button = title_row("Scheduler Runs", self.refresh)
        self.tick_button = QPushButton("Tick now")
        self.tick_button.setObjectName("tickNow")
        self.tick_button.setToolTip("Run the jobs that are due now, as `stella scheduler tick` "
                                    "does")
        self.tick_button.clicked.connect(self.tick_now)
        self.tick_button.setEnabled(runner is not None)
        top.insertWidget(top.count() - 1, self.tick_button)
        layout.addLayout(top)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("schedulerSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.schedules = RowTableModel(SCHEDULE_COLUMNS, key=lambda i: i.id, parent=self)
        self.table = make_table(self.schedules, "schedulesTable",
                                stretch=len(SCHEDULE_COLUMNS) - 1, wrap=True)
        self.empty = QLabel("No scheduled promotions yet. Open a promotion's run and choose "
                            "<b>Schedule…</b> to run it (or a stage of it) in a time window, "
                            "once feeds are fresh and rescans complete. Jobs and every attempt "
                            "— why it waited, ran or failed — are listed here.")
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(heading("Scheduled jobs"))
        upper_layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.open_run_button = QPushButton("Open run")
        self.open_run_button.setToolTip("Back to the promotion's Run / Timeline")
        self.open_run_button.clicked.connect(self._open_run)
        self.cancel_button = QPushButton("Cancel job…")
        self.cancel_button.setObjectName("cancelSchedule")
        self.cancel_button.clicked.connect(lambda: self.start_action("cancel"))
        self.retry_button = QPushButton("Retry…")
        self.retry_button.setObjectName("retrySchedule")
        self.retry_button.setToolTip("Retry a dead-lettered job in a new window starting now")
        self.retry_button.clicked.connect(lambda: self.start_action("retry"))
        for button in (self.open_run_button, self.cancel_button, self.retry_button):
            actions.addWidget(button)
        actions.addStretch(1)
        upper_layout.addLayout(actions)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.attempts_heading = heading("Attempts")
        lower_layout.addWidget(self.attempts_heading)
        self.attempts = RowTableModel(ATTEMPT_COLUMNS, key=lambda a: a.id, parent=self)
        self.attempts_table = make_table(self.attempts, "attemptsTable", stretch=5)
        lower_layout.addWidget(self.attempts_table, 2)
        self.diagnostics = QPlainTextEdit()
        self.diagnostics.setObjectName("attemptDiagnostics")
        self.diagnostics.setReadOnly(True)
        self.diagnostics.setPlaceholderText("Select an attempt to read its diagnostics")
        self.diagnostics.setMaximumHeight(110)
        lower_layout.addWidget(self.diagnostics)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([300, 360])
        layout.addWidget(self.splitter, 1)
        layout.addStretch(0)  # takes the room while the splitter is hidden (no jobs)

        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.attempts_table.selectionModel().selectionChanged.connect(
            lambda *_: self._attempt_selected())
        self.table.activated.connect(lambda _index: self._open_run())
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    REFRESH_MIN_MS)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_REFRESH_MS)
        self._clock.timeout.connect(self.refresh)
        ctx.changes.changed.connect(self._on_change)
        ctx.actor_changed.connect(self._actor_changed)
        if runner is not None:
            runner.busy_changed.connect(self._runner_busy)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------
    @Slot(str)
    def _actor_changed(self, _name: str) -> None:
        self._update_buttons()

    @Slot(bool)
    def _runner_busy(self, _busy: bool) -> None:
        self._show_summary()

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site = self.ctx.site
        return lambda: runs_screen(site)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._clock.start()
        self.refresh()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._clock.stop()

    def _on_change(self, change: Change) -> None:
        if change.changes.schedules or change.changes.promotion_list \
                or (change.changes.promotions and self.snapshot and self.snapshot.schedules):
            self.refresh()

    def _loaded(self, screen: RunsScreen) -> None:
        self.snapshot = screen
        self.schedules.set_rows(screen.schedules)
        has_rows = bool(screen.schedules)
        self.splitter.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        wanted = self._pending_selection
        if wanted and self.select(wanted):
            self._pending_selection = None
        elif not self.table.selectionModel().hasSelection() and has_rows:
            self.table.selectRow(0)
        self._selected()
        self._show_summary()
        self.loaded.emit(screen)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(f"<span style='color:#c62828'>Cannot load the scheduler: "
                             f"{escape(failure.message)}</span>")

    def _show_summary(self) -> None:
        screen = self.snapshot
        if screen is None:
            return
        counts = screen.counts()
        parts = [f"{len(screen.schedules)} job(s)" if screen.schedules
                 else "No scheduled jobs"] + [
            f"{counts[s]} {s}" for s in (jobs.SCHEDULED, jobs.RUNNING, jobs.DEAD_LETTERED,
                                         jobs.SUCCEEDED, jobs.CANCELLED) if counts.get(s)]
        self.summary.setText(" · ".join(parts) + " &nbsp;—&nbsp; " + runner_text(self.runner)
                             + ". A timer or cron job may also run <code>stella scheduler "
                               "tick</code>; a slot never runs twice.")

    # -- selection -------------------------------------------------------------------
    def select(self, schedule_id: str) -> bool:
        """Select a job (now, or once it has loaded)."""
        row = self.schedules.row_of(schedule_id)
        if row is None:
            self._pending_selection = schedule_id
            self.refresh()
            return False
        self.table.selectionModel().select(
            self.schedules.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(self.schedules.index(row, 0))
        return True

    def selected(self) -> ScheduleInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.schedules.row(rows[0].row()) if rows else None

    def _selected(self) -> None:
        info = self.selected()
        if info is None or self.snapshot is None:
            self.attempts.set_rows([])
            self.attempts_heading.setText("<b>Attempts</b>")
        else:
            self.attempts.set_rows(self.snapshot.attempts_of(info.id))
            self.attempts_heading.setText(
                f"<b>Attempts of {escape(info.id)}</b> — {escape(info.promotion_id)} "
                f"{escape(info.release)} → {escape(info.to_env)}, newest first")
            if not self.attempts_table.selectionModel().hasSelection() and self.attempts.rows():
                self.attempts_table.selectRow(0)
        self._attempt_selected()
        self._update_buttons()

    def _attempt_selected(self) -> None:
        rows = self.attempts_table.selectionModel().selectedRows()
        if not rows:
            info = self.selected()
            self.diagnostics.setPlainText(info.state_text if info else "")
            return
        attempt = self.attempts.row(rows[0].row())
        checks = f", seen by {attempt.checks} ticks" if attempt.checks > 1 else ""
        self.diagnostics.setPlainText(
            f"Attempt {attempt.number} of slot {attempt.slot}: {attempt.status.upper()}{checks}\n"
            + "\n".join(attempt.diagnostics))

    def _update_buttons(self) -> None:
        info = self.selected()
        self.open_run_button.setEnabled(info is not None)
        actor = self.ctx.actor
        can_cancel = info is not None and info.status in jobs.ACTIVE and bool(actor)
        can_retry = info is not None and info.status == jobs.DEAD_LETTERED and bool(actor)
        self.cancel_button.setEnabled(can_cancel)
        self.retry_button.setEnabled(can_retry)
        hint = "" if actor else "Choose who you are acting as (toolbar: Acting as)"
        self.cancel_button.setToolTip(hint or "Stop this job: no further attempts")
        self.retry_button.setToolTip(hint or "Retry a dead-lettered job in a new window "
                                             "starting now")

    # -- actions ---------------------------------------------------------------------
    def tick_now(self) -> None:
        if self.runner is not None:
            self.runner.tick_now()
            self._show_summary()

    def _open_run(self) -> None:
        info = self.selected()
        if info is not None:
            self.timeline_requested.emit(info.promotion_id)

    def start_action(self, action: str):
        """Cancel or retry the selected job, behind a reason dialog (kept as active_dialog)."""
        info = self.selected()
        if info is None:
            return None
        what = f"{info.promotion_id} {info.release} → {info.to_env}"
        self.active_dialog = job_action(self, self.ctx, action, info.id, what,
                                        lambda result: self.action_done.emit(action, result))
        return self.active_dialog
