"""Rows of the Feeds and Platform Health pages as Qt table models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

_Index = QModelIndex | QPersistentModelIndex
STATUS_COLOURS = {"OK": "#2e7d32", "WARN": "#b26a00", "FAIL": "#c62828", "FAILED": "#c62828",
                  "INTERRUPTED": "#ad1457", "DEAD-LETTERED": "#c62828"}


class RecordTableModel(QAbstractTableModel):
    """Rows of any frozen record, one column per ``(header, getter)``; a ``status``
    column is coloured by OK/WARN/FAIL."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], str]]],
                 status_column: int | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._status = status_column
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        if list(rows) == self._rows:
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, number: int) -> Any:
        return self._rows[number]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._columns):
            return self._columns[section][0]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        text = self._columns[index.column()][1](self._rows[index.row()])
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if index.column() == self._status:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(STATUS_COLOURS.get(text, "#455a64"))
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None
