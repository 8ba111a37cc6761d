"""Rows of the Feeds and Platform Health pages as Qt table models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from views.common.row_model import RowModel

STATUS_COLOURS = {"OK": "#2e7d32", "WARN": "#b26a00", "FAIL": "#c62828", "FAILED": "#c62828",
                  "INTERRUPTED": "#ad1457", "DEAD-LETTERED": "#c62828"}


class RecordTableModel(RowModel[Any]):
    """Rows of any frozen record, one column per ``(header, getter)``; a ``status``
    column is coloured by OK/WARN/FAIL."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], str]]],
                 status_column: int | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self.HEADERS = tuple(header for header, _ in self._columns)
        self._status = status_column

    def cell(self, row: Any, column: int, role: int) -> Any:
        text = self._columns[column][1](row)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if column == self._status:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(STATUS_COLOURS.get(text, "#455a64"))
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None
