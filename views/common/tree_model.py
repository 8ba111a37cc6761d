"""A two-level tree over frozen values: groups at the top, their children below.

A child's internal id is its group's row + 1 (groups have 0), so ``parent()`` needs no
lookup. Subclasses set ``HEADERS``, keep their groups in ``self._groups`` (reset
around changes) and say ``children``, ``group_cell`` and ``child_cell``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

G = TypeVar("G")
C = TypeVar("C")
Index = QModelIndex | QPersistentModelIndex


class TwoLevelTreeModel(QAbstractItemModel, Generic[G, C]):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._groups: tuple[G, ...] = ()

    # -- what a subclass says -------------------------------------------------------
    def children_of(self, group: G) -> Sequence[C]:
        """The rows under ``group`` (default: none)."""
        return ()

    def group_cell(self, group: G, column: int, role: int) -> Any:
        return None

    def child_cell(self, group: G, child: C, column: int, role: int) -> Any:
        return None

    # -- structure ----------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if row < 0 or not 0 <= column < len(self.HEADERS):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < len(self._groups) else QModelIndex()
        if parent.internalId() != 0 or parent.row() >= len(self._groups) \
                or row >= len(self.children_of(self._groups[parent.row()])):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == 0 and parent.column() == 0 and parent.row() < len(self._groups):
            return len(self.children_of(self._groups[parent.row()]))
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            if index.row() >= len(self._groups):
                return None
            return self.group_cell(self._groups[index.row()], index.column(), role)
        group = self._groups[index.internalId() - 1]
        children = self.children_of(group)
        if index.row() >= len(children):
            return None
        return self.child_cell(group, children[index.row()], index.column(), role)
