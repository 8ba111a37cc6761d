"""The stage timeline as a table: one row per step of the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.qt.snapshots import RunSnapshot
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


def timeline_rows(snapshot: RunSnapshot) -> list[TimelineRow]:
    state = snapshot.state
    rows = []
    for view, status in zip(state.steps, snapshot.statuses, strict=True):
        detail = view.error or view.summary
        if status == "waiting" and view.waiting_for and not detail:
            detail = f"waiting for {view.waiting_for}"
        elif status == "running" and not detail:
            detail = "in progress"
        rows.append(TimelineRow(
            step=view.name,
            time=clock_time(view.started_at),
            mark=mark(status),
            title=view.title + (f"  (attempt {view.attempt})" if view.attempt > 1 else ""),
            status=status,
            duration=duration(view),
            summary=detail,
            current=view.name == state.current_step,
        ))
    return rows


class TimelineTableModel(RowModel[TimelineRow]):
    HEADERS = HEADERS

    def row_key(self, row: TimelineRow) -> str:
        return row.step

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
            return "Double-click for the step's detail, logs and outputs"
        return None
