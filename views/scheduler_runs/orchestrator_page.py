"""Operations → Orchestrator: the executors advancing runs now — each holds its run's
lease, whether it is this app, ``stella run`` or a scheduler tick — and the scheduled
jobs queued behind them. A lease whose holder stopped without letting go shows as
STALE or GONE; the next executor takes it over."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.executor import LEASE_TTL
from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import Refresher
from app.qt.scheduler_runner import SchedulerRunner
from app.screens.scheduler_screens import OrchestratorScreen, orchestrator_screen
from views.scheduler_runs.common import heading, make_table, runner_text, title_row
from views.scheduler_runs.models import LEASE_COLUMNS, QUEUE_COLUMNS, RowTableModel

REFRESH_EVERY_MS = 5_000  # heartbeats age while the page is open


class OrchestratorPage(QWidget):
    loaded = Signal(object)  # OrchestratorScreen
    timeline_requested = Signal(str)  # promotion id
    schedule_requested = Signal(str)  # schedule id

    def __init__(self, ctx: GuiContext, runner: SchedulerRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orchestratorPage")
        self.ctx = ctx
        self.runner = runner
        self.snapshot: OrchestratorScreen | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top, self.refresh_button = title_row("Orchestrator", self.refresh)
        layout.addLayout(top)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("orchestratorSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        layout.addWidget(heading("Executors now (one run lease per run)"))
        self.leases = RowTableModel(LEASE_COLUMNS, key=lambda v: v.promotion_id, parent=self)
        self.lease_table = make_table(self.leases, "leasesTable", stretch=3)
        layout.addWidget(self.lease_table, 1)
        self.no_leases = QLabel("No executor is advancing a run right now. Runs move when "
                                "someone presses <b>Run executor</b>, runs <code>stella run"
                                "</code>, or a scheduled job's window opens.")
        self.no_leases.setObjectName("emptyState")
        self.no_leases.setWordWrap(True)
        layout.addWidget(self.no_leases)
        row = QHBoxLayout()
        self.open_run_button = QPushButton("Open run")
        self.open_run_button.clicked.connect(self._open_run)
        row.addWidget(self.open_run_button)
        row.addStretch(1)
        layout.addLayout(row)

        layout.addWidget(heading("Queued scheduled jobs"))
        self.queue = RowTableModel(QUEUE_COLUMNS, key=lambda i: i.id, parent=self)
        self.queue_table = make_table(self.queue, "queueTable", stretch=4, wrap=True)
        self.queue_table.activated.connect(self._open_job)
        layout.addWidget(self.queue_table, 2)
        self.no_queue = QLabel("No scheduled job is waiting.")
        self.no_queue.setObjectName("emptyState")
        layout.addWidget(self.no_queue)

        self.lease_table.selectionModel().selectionChanged.connect(lambda *_: self._buttons())
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks, 1_000)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_EVERY_MS)
        self._timer.timeout.connect(self.refresh)
        ctx.changes.changed.connect(self._on_change)
        ctx.executors.running_changed.connect(self._refresh_if_shown)
        self._buttons()

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site = self.ctx.site
        return lambda: orchestrator_screen(site)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._timer.start()
        self.refresh()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def _refresh_if_shown(self) -> None:
        if self.isVisible():
            self.refresh()

    def _on_change(self, change: Change) -> None:
        if self.isVisible() and (change.changes.schedules or change.changes.promotions):
            self.refresh()

    def _loaded(self, screen: OrchestratorScreen) -> None:
        self.snapshot = screen
        self.leases.set_rows(screen.leases)
        self.queue.set_rows(screen.queued)
        self.lease_table.setVisible(bool(screen.leases))
        self.no_leases.setVisible(not screen.leases)
        self.queue_table.setVisible(bool(screen.queued))
        self.no_queue.setVisible(not screen.queued)
        in_app = sorted(self.ctx.executors.running())
        live = sum(1 for lease in screen.leases if lease.state == "live")
        self.summary.setText(
            f"{live} live executor(s), {len(screen.leases) - live} lease(s) whose holder "
            f"stopped; {len(screen.queued)} scheduled job(s) queued. In this app: "
            + (f"executing {escape(', '.join(in_app))}" if in_app else "no executor running")
            + f"; {runner_text(self.runner)}. A lease lapses "
            f"{LEASE_TTL.total_seconds():.0f} s after its holder's last heartbeat.")
        self._buttons()
        self.loaded.emit(screen)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(f"<span style='color:#c62828'>Cannot load the orchestrator: "
                             f"{escape(failure.message)}</span>")

    def _buttons(self) -> None:
        self.open_run_button.setEnabled(self.lease_table.selectionModel().hasSelection())

    def _open_run(self) -> None:
        rows = self.lease_table.selectionModel().selectedRows()
        if rows:
            self.timeline_requested.emit(self.leases.row(rows[0].row()).promotion_id)

    def _open_job(self, index) -> None:
        self.schedule_requested.emit(self.queue.row(index.row()).id)
