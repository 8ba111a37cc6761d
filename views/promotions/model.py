"""The promotions table: a thin adapter over frozen ``PromotionSummary`` rows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont

from app.services.promotions import PromotionSummary
from views.common.format import short, slot_time, when
from views.common.palette import status_colour
from views.common.row_model import RowModel

ID, RELEASE, VERSION, DIGEST, ENVS, STATUS, CURRENT, CREATED = range(8)
HEADERS = ("ID", "Release", "Version", "Digest", "From → To", "Status", "Current step", "Created")

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class PromotionTableModel(RowModel[PromotionSummary]):
    HEADERS = HEADERS

    def row_key(self, row: PromotionSummary) -> str:
        return row.id

    def summary(self, row: int) -> PromotionSummary:
        return self._rows[row]

    def cell(self, row: PromotionSummary, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == SORT_ROLE:
            return _sort_key(row, column)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return status_colour(row.shown_status)
        if role == Qt.ItemDataRole.FontRole and column == STATUS:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == DIGEST:
                return row.release_digest
            if column == STATUS and row.shown_status == "scheduled":
                return (f"scheduled: its schedule starts it at {when(row.scheduled_at)}; only the "
                        "site agent starts it, inside its window")
            if column == STATUS:
                return f"{row.status} — {row.event_count} events in the chain"
        return None


def _display(row: PromotionSummary, column: int) -> str:
    if column == ID:
        return row.id
    if column == RELEASE:
        return row.release_name
    if column == VERSION:
        return row.release_version
    if column == DIGEST:
        return short(row.release_digest)
    if column == ENVS:
        return f"{row.from_env} → {row.to_env}" if row.from_env else f"→ {row.to_env}"
    if column == STATUS:
        if row.shown_status == "scheduled":
            return f"SCHEDULED {slot_time(row.scheduled_at)}"
        return row.status.upper()
    if column == CURRENT:
        return row.current_title or "—"
    if column == CREATED:
        return when(row.created_at)
    return ""


def _sort_key(row: PromotionSummary, column: int) -> str:
    if column == CREATED:
        return row.created_at
    if column == DIGEST:
        return row.release_digest
    return _display(row, column)


class PromotionFilterProxy(QSortFilterProxyModel):
    """Sorts by raw values and filters on any column (case-insensitive)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
