"""The Deploy Stage View's targets table: a thin adapter over
:class:`app.qt.deploy_snapshots.StageTarget` rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.qt.deploy_snapshots import HEALTHY, UNHEALTHY, StageTarget
from views.common.palette import status_hex

TARGET, VERSION, HEALTH, NOTES, LOGS = range(5)
HEADERS = ("Target", "Version", "Health", "Notes", "Logs")
HEALTH_MARKS = {HEALTHY: "✓", UNHEALTHY: "✗"}
HEALTH_COLOURS = {HEALTHY: status_hex("succeeded"), UNHEALTHY: status_hex("failed")}
PENDING_MARK = "○"
LOG_LINK = "[open]"
TARGET_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class StageTargetTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StageTarget] = []

    def set_rows(self, rows: Sequence[StageTarget]) -> None:
        """Same targets: changed rows are updated in place (a live stage refreshes
        often; a reset would lose the selection and scroll position)."""
        rows = list(rows)
        if [r.name for r in rows] == [r.name for r in self._rows]:
            changed = [n for n, (old, new) in enumerate(zip(self._rows, rows, strict=True)) if old != new]
            self._rows = rows
            if changed:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, number: int) -> StageTarget:
        return self._rows[number]

    def row_of(self, name: str) -> int | None:
        return next((n for n, row in enumerate(self._rows) if row.name == name), None)

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
            return (row.name, row.version, HEALTH_MARKS.get(row.health, PENDING_MARK), row.notes,
                    LOG_LINK)[column]
        if role == TARGET_ROLE:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{row.name}: {'in this stage' if row.in_stage else 'not in this stage'}",
                    row.version_detail, row.health, row.notes,
                    f"Open the step's log lines about {row.name}")[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == HEALTH:
                return QColor(HEALTH_COLOURS.get(row.health, status_hex("pending")))
            if column == LOGS:
                return QColor(status_hex("running"))
            if not row.in_stage:
                return QColor("#78909c")
            return None
        if role == Qt.ItemDataRole.FontRole and (column == HEALTH or (column == VERSION and row.on_release)):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (HEALTH, LOGS):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
