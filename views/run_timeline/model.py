"""The stage timeline as a table: one row per step of the run, preceded by a row for
each earlier attempt of that step (attempt 1 ROLLED-BACK, with its reason and ticket),
so a retry never hides what happened before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.cli.render import attempt_text, step_text
from app.screens.snapshots import RunSnapshot
from views.common.format import clock_time, duration, mark
from views.common.palette import status_colour
from views.common.row_model import RowModel

TIME, MARK, STEP, STATUS, DURATION, SUMMARY = range(6)
HEADERS = ("Time", "", "Step", "Status", "Duration", "Summary")

STEP_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class TimelineRow:
    step: str
    time: str
    mark: str
    title: str
    status: str
    duration: str
    summary: str
    current: bool
    attempt: int = 0  # an earlier attempt's number; 0 for the step's current row

    @property
    def key(self) -> str:
        return f"{self.step}#{self.attempt}" if self.attempt else self.step


def timeline_rows(snapshot: RunSnapshot) -> list[TimelineRow]:
    state = snapshot.state
    rows = []
    for view, status in zip(state.steps, snapshot.statuses, strict=True):
        for earlier in view.attempts:
            rows.append(TimelineRow(
                step=view.name, time=clock_time(earlier.started_at), mark=mark(earlier.status),
                title=f"{view.title}  (attempt {earlier.number})", status=earlier.status,
                duration=duration(earlier), summary=attempt_text(earlier), current=False,
                attempt=earlier.number))
        detail = step_text(view, status)
        if status == "waiting" and view.waiting_for and not detail:
            detail = f"waiting for {view.waiting_for}"
        elif status == "running" and not detail:
            detail = "in progress"
        rows.append(TimelineRow(
            step=view.name,
            time=clock_time(view.started_at),
            mark=mark(status),
            title=view.title + (f"  (attempt {view.attempt})" if view.attempt > 1 or view.attempts else ""),
            status=status,
            duration=duration(view),
            summary=detail,
            current=view.name == state.current_step,
        ))
    return rows


class TimelineTableModel(RowModel[TimelineRow]):
    HEADERS = HEADERS

    def row_key(self, row: TimelineRow) -> str:
        return row.key

    def clear(self) -> None:
        self.set_rows([])

    def cell(self, row: TimelineRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.time, row.mark, row.title, row.status.upper(), row.duration,
                    row.summary)[column]
        if role == STEP_ROLE:
            return row.step
        if role == Qt.ItemDataRole.ForegroundRole and column in (MARK, STATUS):
            return status_colour(row.status)
        if role == Qt.ItemDataRole.FontRole and (row.current or column == MARK):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (MARK, DURATION):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == SUMMARY and row.summary:
                return row.summary
            if row.attempt:
                return "An earlier attempt of this step; double-click for the step's detail"
            return "Double-click for the step's detail, logs and outputs"
        return None
