"""The stage timeline as a table: one row per step of the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from app.qt.snapshots import RunSnapshot
from views.common.format import clock_time, duration, mark
from views.common.palette import status_colour

TIME, MARK, STEP, STATUS, DURATION, SUMMARY = range(6)
HEADERS = ("Time", "", "Step", "Status", "Duration", "Summary")

STEP_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


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


class TimelineTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[TimelineRow] = []

    def set_rows(self, rows: list[TimelineRow]) -> None:
        """Same steps: changed rows are updated in place; other steps: reset."""
        if [r.step for r in rows] == [r.step for r in self._rows]:
            changed = [n for n, (old, new) in enumerate(zip(self._rows, rows, strict=True))
                       if old != new]
            self._rows = list(rows)
            if changed:  # one signal for the changed span keeps views from re-measuring per row
                self.dataChanged.emit(self.index(changed[0], 0),
                                      self.index(changed[-1], len(HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row(self, number: int) -> TimelineRow:
        return self._rows[number]

    def row_of(self, step: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.step == step:
                return number
        return None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
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
