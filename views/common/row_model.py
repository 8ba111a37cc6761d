"""The one table model over a list of frozen rows that every list screen adapts.

Subclasses name their ``HEADERS``, say which value identifies a row (``row_key``) and
answer ``cell(row, column, role)``; counting, headers, index checks and the "update in
place or reset" rule live here once, so a refresh keeps the selection everywhere.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from engine.text import terminal_safe

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


class RowModel(QAbstractTableModel, Generic[R]):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []

    # -- what a subclass says -------------------------------------------------------
    def row_key(self, row: R) -> Hashable:
        """The value that identifies a row across refreshes (default: the frozen row itself;
        subclasses name their id so an edited row updates in place)."""
        return row

    def cell(self, row: R, column: int, role: int) -> Any:
        """The value of one cell for one role, or None; every subclass says its cells."""
        return None

    def changed_span(self, old: Sequence[R], new: Sequence[R]) -> tuple[int, int] | None:
        """The first and last row to announce when the keys are unchanged (None: no signal).

        One signal for the whole span keeps views from re-measuring row by row.
        """
        changed = [n for n, (a, b) in enumerate(zip(old, new, strict=True))
                   if a is not b and a != b]  # a loader may hand back the unchanged rows
        return (changed[0], changed[-1]) if changed else None

    # -- data in --------------------------------------------------------------------
    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace the rows; the same keys in the same order update in place."""
        rows = list(rows)
        if [self.row_key(r) for r in rows] == [self.row_key(r) for r in self._rows]:
            span = self.changed_span(self._rows, rows)
            self._rows = rows
            if span is not None:
                self.dataChanged.emit(self.index(span[0], 0),
                                      self.index(span[1], len(self.HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row(self, number: int) -> R:
        return self._rows[number]

    def rows(self) -> list[R]:
        """The rows shown (replaced, never changed in place: a worker may read it)."""
        return self._rows

    def row_of(self, key: Hashable) -> int | None:
        for number, row in enumerate(self._rows):
            if self.row_key(row) == key:
                return number
        return None

    # -- Qt model -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self.HEADERS):
            return None
        value = self.cell(self._rows[index.row()], index.column(), role)
        if role in _TEXT_ROLES and isinstance(value, str):
            return terminal_safe(value)  # names and messages may come from bundles or users
        return value
