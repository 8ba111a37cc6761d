"""The promotions table: a thin adapter over frozen ``PromotionSummary`` rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from app.services.promotions import PromotionSummary
from views.common.format import short, when
from views.common.palette import status_colour

ID, RELEASE, VERSION, DIGEST, ENVS, STATUS, CURRENT, CREATED = range(8)
HEADERS = ("ID", "Release", "Version", "Digest", "From → To", "Status", "Current step", "Created")

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


class PromotionTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PromotionSummary] = []

    # -- data in ------------------------------------------------------------
    def set_rows(self, rows: Sequence[PromotionSummary]) -> None:
        """Replace the rows; same ids in the same order update in place (keeps selection)."""
        rows = list(rows)
        if [r.id for r in rows] == [r.id for r in self._rows]:
            changed = [n for n, (old, new) in enumerate(zip(self._rows, rows, strict=True))
                       if old != new]
            self._rows = list(rows)
            if changed:  # one signal for the changed span keeps views from re-measuring per row
                self.dataChanged.emit(self.index(changed[0], 0),
                                      self.index(changed[-1], len(HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_of(self, promotion_id: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.id == promotion_id:
                return number
        return None

    def summary(self, row: int) -> PromotionSummary:
        return self._rows[row]

    # -- Qt model -------------------------------------------------------------
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
            return _display(row, column)
        if role == SORT_ROLE:
            return _sort_key(row, column)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return status_colour(row.status)
        if role == Qt.ItemDataRole.FontRole and column == STATUS:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == DIGEST:
                return row.release_digest
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
