"""A thin table model over frozen rows, described by columns, and its filter proxy.

The list screens show many kinds of frozen values (evidence records, proof chains,
receipts, scheduled jobs, leases, users, findings…); each table is the same adapter
with its own column list, so no screen re-implements ``data()``. A status column is
coloured and bold (the word is there too: colour is never the only signal); a column
with a ``limit`` cuts long texts and its tooltip has them whole.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from views.common.row_model import RowModel

R = TypeVar("R")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the frozen row itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3  # a status column's word, lower case
KEY_ROLE = Qt.ItemDataRole.UserRole + 4  # the row's key


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    tooltip: Callable[[R], str | None] | None = None
    colour: Callable[[R], str | None] | None = None  # a hex colour, or None for the default
    sort: Callable[[R], Any] | None = None
    bold: bool = False
    status: Callable[[str], Any] | None = None  # the colour of the cell's own (status) word
    limit: int | None = None  # characters shown; the tooltip has the rest


def cut(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    line = text.replace("\n", " ")
    return line if len(line) <= limit else line[:limit - 1] + "…"


class RowTableModel(RowModel[R]):
    def __init__(self, columns: Sequence[Column[R]], key: Callable[[R], Hashable],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.HEADERS = tuple(c.title for c in self.columns)
        self._key = key

    def row_key(self, row: R) -> Hashable:
        return self._key(row)

    def rows(self) -> list[R]:
        return list(self._rows)

    def refresh_column(self, column: int) -> None:
        """Say that one column changed for every row (e.g. receipts verified later)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def cell(self, row: R, column_number: int, role: int) -> Any:
        column = self.columns[column_number]
        if role == Qt.ItemDataRole.DisplayRole:
            text = column.text(row)
            return cut(text, column.limit) if column.limit is not None else text
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.tooltip:
                return column.tooltip(row)
            return (column.text(row) or None) if column.limit is not None else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.colour:
                colour = column.colour(row)
                return QColor(colour) if colour else None
            return column.status(column.text(row).lower()) if column.status else None
        if role == Qt.ItemDataRole.FontRole and (column.bold or column.status):
            font = QFont()
            font.setBold(True)
            return font
        if role == ROW_ROLE:
            return row
        if role == KEY_ROLE:
            return self._key(row)
        if role == SORT_ROLE:
            return column.sort(row) if column.sort else column.text(row)
        if role == STATUS_ROLE and column.status:
            return column.text(row).lower()
        return None


class RowFilterProxy(QSortFilterProxyModel):
    """Sorts by each column's sort key; the filter matches any column, any case."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
