"""Pieces the scheduling pages share: titles, tables, the scheduler's state in words,
and cancel / retry of a job behind a reason dialog."""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from app.qt.changes import ChangeSet
from app.qt.context import GuiContext
from app.qt.operation import Operation
from app.qt.scheduler_runner import SchedulerRunner
from app.screens import session
from app.services import scheduler
from views.common.page import LIST_ROWS, read_only_table
from views.common.reason_dialog import ReasonDialog
from views.scheduler_runs.models import RowTableModel

MAX_COLUMN_PX = 340
ACTIONS = {
    "cancel": ("Cancel job…", "cancel this scheduled job: no further attempts",
               scheduler.cancel_schedule),
    "retry": ("Retry…", "retry this dead-lettered job in a new window starting now",
              scheduler.retry_dead_letter),
}


def heading(text: str) -> QLabel:
    label = QLabel(f"<b>{escape(text)}</b>")
    label.setObjectName("sectionHeading")
    return label


def title_row(title: str, refresh: Callable[[], None]) -> tuple[QHBoxLayout, QPushButton]:
    row = QHBoxLayout()
    label = QLabel(title)
    label.setObjectName("pageTitle")
    row.addWidget(label)
    row.addStretch(1)
    button = QPushButton("Refresh")
    button.clicked.connect(refresh)
    row.addWidget(button)
    return row, button


def make_table(model: RowTableModel, name: str, stretch: int | None = None,
               wrap: bool = False) -> QTableView:
    """A read-only, row-selecting table; ``stretch`` is the column that takes the room,
    and with ``wrap`` its long texts wrap onto more lines instead of being cut."""
    view = read_only_table(model, name, stretch=stretch, wrap=wrap, min_rows=LIST_ROWS)
    view.horizontalHeader().setMaximumSectionSize(MAX_COLUMN_PX)
    return view


def runner_text(runner: SchedulerRunner | None) -> str:
    """Where the in-app scheduler stands, in a few words."""
    if runner is None:
        return "this app does not run the scheduler"
    if runner.busy:
        return "the scheduler is ticking now"
    parts = [f"this app ticks every {runner.interval_ms / 1000:g} s" if runner.active
             else "the site agent starts due jobs (Tick now ticks once in this app)"]
    if runner.last_tick_monotonic is not None and runner.last_report is not None:
        ago = time.monotonic() - runner.last_tick_monotonic
        parts.append(f"last tick {ago:.0f} s ago ran {runner.last_report.ran} job(s)")
    elif runner.active:
        parts.append("first tick pending")
    return ", ".join(parts)


def job_action(parent: QWidget, ctx: GuiContext, action: str, schedule_id: str, what: str,
               done: Callable[[object], None]) -> ReasonDialog:
    """Ask for the reason, then cancel or retry ``schedule_id`` in a worker; the
    service's refusal goes to the error presenter."""
    label, purpose, call = ACTIONS[action]
    subject = (f"<b>{escape(label.rstrip('…'))}</b> {escape(schedule_id)} — {escape(what)}<br>"
               f"This will {escape(purpose)}.<br>Acting as <b>{escape(ctx.actor or '')}</b>")
    dialog = ReasonDialog(action, label, subject, reason_required=True, parent=parent)
    dialog.setObjectName(f"{action}JobDialog")
    dialog.finish_layout()
    site, actor = ctx.site, ctx.actor or ""
    passphrase = session.passphrase_for(ctx.session, actor)

    def submit() -> None:
        reason = dialog.request().reason or ""
        (Operation(parent, lambda: call(site, schedule_id,  # the actor proves who they are
                                        session.confirm(site, actor, passphrase).name, reason),
                   tasks=ctx.tasks)
         .broadcasts(ctx.changes, ChangeSet(schedules=True), initiator=parent)
         .success(done)
         .run())

    dialog.accepted.connect(submit)
    dialog.finished.connect(lambda _code: dialog.deleteLater())
    dialog.open()
    return dialog
