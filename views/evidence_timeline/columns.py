"""A thin table model over frozen rows, described by columns, and its filter proxy.

The evidence screens list several kinds of frozen values (evidence records, proof
chains, custody receipts, artifacts); each table is the same adapter with its own
column list, so no screen re-implements ``data()``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

R = TypeVar("R")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    tooltip: Callable[[R], str | None] | None = None
    colour: Callable[[R], str | None] | None = None  # a hex colour, or None for the default
    sort: Callable[[R], Any] | None = None
    bold: bool = False


class RowTableModel(QAbstractTableModel, Generic[R]):
    def __init__(self, columns: Sequence[Column[R]], key: Callable[[R], Hashable],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._key = key
        self._rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace the rows; the same keys in the same order update in place."""
        rows = list(rows)
        if [self._key(r) for r in rows] == [self._key(r) for r in self._rows]:
            changed = [n for n, (old, new) in enumerate(zip(self._rows, rows, strict=True))
                       if old != new]
            self._rows = rows
            if changed:
                self.dataChanged.emit(self.index(changed[0], 0),
                                      self.index(changed[-1], len(self.columns) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, number: int) -> R:
        return self._rows[number]

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_of(self, key: Hashable) -> int | None:
        for number, row in enumerate(self._rows):
            if self._key(row) == key:
                return number
        return None

    def refresh_column(self, column: int) -> None:
        """Say that one column changed for every row (e.g. receipts verified later)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return self.columns[section].title
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self.columns):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else None
        if role == Qt.ItemDataRole.ForegroundRole and column.colour:
            colour = column.colour(row)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.FontRole and column.bold:
            font = QFont()
            font.setBold(True)
            return font
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else column.text(row)
        return None


class RowFilterProxy(QSortFilterProxyModel):
    """Sorts by each column's sort key; the filter matches any column, any case."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
