"""The promotions table: a thin adapter over frozen ``PromotionSummary`` rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont

from app.services.promotion_summary import PromotionSummary
from views.common.format import short, slot_time, when
from views.common.palette import status_colour
from views.common.row_model import RowModel

ID, RELEASE, VERSION, DIGEST, ENVS, STATUS, CURRENT, CREATED = range(8)
HEADERS = ("ID", "Release", "Version", "Digest", "From → To", "Status", "Current step", "Created")

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class PromotionTableModel(RowModel[PromotionSummary]):
    """Sorted here, in Python, once per change: a sorting proxy asks ``data()`` for both
    sides of every comparison (~150,000 calls, 1.5-2 s on the GUI thread for 10,000 rows);
    ``sorted`` with a key does it in milliseconds."""

    HEADERS = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._order: tuple[int, Qt.SortOrder] | None = None
        # id -> (the row, its text): keyed by id, as hashing 10,000 frozen rows at every
        # refresh held the GUI thread; the row itself says whether the text is current
        self._haystacks: dict[str, tuple[PromotionSummary, str]] = {}

    def row_key(self, row: PromotionSummary) -> str:
        return row.id

    def set_rows(self, rows: Sequence[PromotionSummary]) -> None:
        rows = self._sorted(rows)
        known = self._haystacks
        self._haystacks = {row.id: entry for row in rows
                           if (entry := known.get(row.id)) is not None and entry[0] is row}
        super().set_rows(rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._order = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        keys = [self.row_key(self._rows[index.row()]) for index in before]
        self._rows = self._sorted(self._rows)
        where = {self.row_key(row): number for number, row in enumerate(self._rows)}
        self.changePersistentIndexList(before, [self.index(where[key], index.column())
                                                for key, index in zip(keys, before, strict=True)])
        self.layoutChanged.emit()

    def haystack(self, number: int) -> str:
        """A row's shown text, casefolded, for the filter."""
        row = self._rows[number]
        entry = self._haystacks.get(row.id)
        if entry is None or entry[0] is not row:
            entry = (row, " ".join(_display(row, c) for c in range(len(HEADERS))).casefold())
            self._haystacks[row.id] = entry
        return entry[1]

    def _sorted(self, rows: Sequence[PromotionSummary]) -> list[PromotionSummary]:
        if self._order is None or not 0 <= self._order[0] < len(HEADERS):
            return list(rows)
        column, order = self._order
        return sorted(rows, key=lambda row: (_sort_key(row, column), row.id),
                      reverse=order == Qt.SortOrder.DescendingOrder)

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
    """Filters on any column (case-insensitive); sorting is the source model's."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    _needle = ""

    def setFilterFixedString(self, text: str) -> None:
        """Filter on the row's shown text, searched in Python once per row: Qt's own
        filter asks ``data()`` for every column of every row (~1 s for 10,000 rows)."""
        self._needle = text.casefold()
        super().setFilterFixedString(text)  # Qt re-filters; filterAcceptsRow answers

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:
        source = self.sourceModel()
        if not self._needle or not isinstance(source, PromotionTableModel):
            return super().filterAcceptsRow(source_row, source_parent)
        return self._needle in source.haystack(source_row)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The source model sorts (see :class:`PromotionTableModel`); this proxy only filters
        and keeps the source's order."""
        source = self.sourceModel()
        if isinstance(source, PromotionTableModel):
            source.sort(column, order)
        else:
            super().sort(column, order)
