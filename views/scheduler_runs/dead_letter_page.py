"""Operations → Dead Letter: scheduled jobs that failed for good or missed their window,
with why; an operator retries one with a reason (a new window starting now) or
cancels it. The data health banner counts the open ones."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import Refresher
from app.screens.scheduler_screens import RunsScreen, runs_screen
from app.services.scheduler import DeadLetterInfo
from views.scheduler_runs.common import job_action, make_table, title_row
from views.scheduler_runs.models import DEAD_LETTER_COLUMNS, RowTableModel

EMPTY = ("The dead-letter list is empty. A scheduled job lands here when it fails for good "
         "(a step that needs an operator, or too many failed attempts) or misses its window, "
         "with the reason; retry it from here with a reason of your own.")


class DeadLetterPage(QWidget):
    loaded = Signal(object)  # RunsScreen
    schedule_requested = Signal(str)  # schedule id, to show on Scheduler Runs
    timeline_requested = Signal(str)  # promotion id
    action_done = Signal(str, object)  # action, ScheduleInfo

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deadLetterPage")
        self.ctx = ctx
        self.snapshot: RunsScreen | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top, self.refresh_button = title_row("Dead Letter", self.refresh)
        self.show_retried = QCheckBox("Show retried")
        self.show_retried.setToolTip("Also list dead letters an operator already retried or "
                                     "cancelled, with who did it and why")
        self.show_retried.toggled.connect(lambda _on: self._show())
        top.insertWidget(top.count() - 1, self.show_retried)
        layout.addLayout(top)
        self.summary = QLabel("Loading…")
        self.summary.setObjectName("deadLetterSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = RowTableModel(DEAD_LETTER_COLUMNS, key=lambda d: d.id, parent=self)
        self.table = make_table(self.model, "deadLetterTable", stretch=4, wrap=True)
        layout.addWidget(self.table, 2)
        self.empty = QLabel(EMPTY)
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("deadLetterReason")
        self.reason.setAccessibleName("Reason")
        self.reason.setReadOnly(True)
        self.reason.setMaximumHeight(140)
        self.reason.setPlaceholderText("Select a dead letter to read why")
        layout.addWidget(self.reason)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton("Retry…")
        self.retry_button.setObjectName("retryDeadLetter")
        self.retry_button.clicked.connect(lambda: self.start_action("retry"))
        self.cancel_button = QPushButton("Cancel job…")
        self.cancel_button.clicked.connect(lambda: self.start_action("cancel"))
        self.runs_button = QPushButton("Show in Scheduler Runs")
        self.runs_button.clicked.connect(self._show_in_runs)
        self.run_button = QPushButton("Open run")
        self.run_button.clicked.connect(self._open_run)
        for button in (self.retry_button, self.cancel_button, self.runs_button, self.run_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks, 1_000)
        ctx.changes.changed.connect(self._on_change)
        ctx.actor_changed.connect(self._actor_changed)
        self._selected()

    @Slot(str)
    def _actor_changed(self, _name: str) -> None:
        self._selected()

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site = self.ctx.site
        return lambda: runs_screen(site)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.changes.schedules:
            self.refresh()

    def _loaded(self, screen: RunsScreen) -> None:
        self.snapshot = screen
        self._show()
        self.loaded.emit(screen)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(f"<span style='color:#c62828'>Cannot load the dead-letter list: "
                             f"{escape(failure.message)}</span>")

    def _show(self) -> None:
        screen = self.snapshot
        if screen is None:
            return
        letters = [d for d in screen.dead_letters if d.open or self.show_retried.isChecked()]
        self.model.set_rows(letters)
        open_count = sum(1 for d in screen.dead_letters if d.open)
        retried = len(screen.dead_letters) - open_count
        self.summary.setText(
            (f"<b>{open_count} job(s) failed for good</b> and wait for an operator; the data "
             "health banner counts them. Retry one with a reason: it gets a new window "
             "starting now." if open_count else "No job waits on the dead-letter list.")
            + (f" {retried} earlier one(s) were retried or cancelled." if retried else ""))
        self.table.setVisible(bool(letters))
        self.empty.setVisible(not letters)
        if letters and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self._selected()

    def selected(self) -> DeadLetterInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _selected(self) -> None:
        letter = self.selected()
        self.reason.setPlainText("" if letter is None else
                                 f"{letter.schedule_id} ({letter.promotion_id} {letter.release} → "
                                 f"{letter.to_env}), slot {letter.slot}:\n{letter.reason}"
                                 + ("" if letter.open else
                                    f"\nRetried {letter.retried_at} by {letter.retried_by}: "
                                    f"{letter.retry_reason}"))
        can_act = letter is not None and letter.open and bool(self.ctx.actor)
        self.retry_button.setEnabled(can_act)
        self.cancel_button.setEnabled(can_act)
        self.runs_button.setEnabled(letter is not None)
        self.run_button.setEnabled(letter is not None)
        hint = "" if self.ctx.actor else "Choose who you are acting as (toolbar: Acting as)"
        self.retry_button.setToolTip(hint or "Retry in a new window starting now (a reason is "
                                             "recorded)")

    def start_action(self, action: str):
        letter = self.selected()
        if letter is None or not letter.open:
            return None
        return job_action(self, self.ctx, action, letter.schedule_id,
                          f"{letter.promotion_id} {letter.release} → {letter.to_env}",
                          lambda result: self.action_done.emit(action, result))

    def _show_in_runs(self) -> None:
        letter = self.selected()
        if letter is not None:
            self.schedule_requested.emit(letter.schedule_id)

    def _open_run(self) -> None:
        letter = self.selected()
        if letter is not None:
            self.timeline_requested.emit(letter.promotion_id)
