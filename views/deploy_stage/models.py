"""The Deploy Stage View's targets table: a thin adapter over
:class:`app.screens.deploy_snapshots.StageTarget` rows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from app.screens.deploy_snapshots import HEALTHY, UNHEALTHY, StageTarget
from views.common.palette import status_hex
from views.common.row_model import RowModel

TARGET, VERSION, HEALTH, NOTES, LOGS = range(5)
HEADERS = ("Target", "Version", "Health", "Notes", "Logs")
HEALTH_MARKS = {HEALTHY: "✓", UNHEALTHY: "✗"}
HEALTH_COLOURS = {HEALTHY: status_hex("succeeded"), UNHEALTHY: status_hex("failed")}
PENDING_MARK = "○"
LOG_LINK = "[open]"
TARGET_ROLE = Qt.ItemDataRole.UserRole + 1


class StageTargetTableModel(RowModel[StageTarget]):
    """Same targets update in place: a live stage refreshes often, and a reset would
    lose the selection and scroll position."""

    HEADERS = HEADERS

    def row_key(self, row: StageTarget) -> str:
        return row.name

    def cell(self, row: StageTarget, column: int, role: int) -> Any:
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
