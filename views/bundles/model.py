"""The imported-bundles table: a thin adapter over frozen ``BundleRow`` values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from app.services.bundles import BundleRow
from views.common.format import short, when
from views.common.row_model import RowModel
from views.import_dialog.text import WARNING, key_text, kind_title

KIND, LABEL, VERSION, SIGNERS, DIGEST, IMPORTED_BY, IMPORTED_AT, OVERRIDE = range(8)
HEADERS = ("Kind", "Name / label", "Version", "Signer keys", "Manifest digest", "Imported by",
           "Imported at", "Override reason")

SHORT_KINDS = {"feed-snapshot": "Feed"}  # the label column says "… snapshot …"
DIGEST_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class BundleTableModel(RowModel[BundleRow]):
    HEADERS = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._names: dict[str, str] = {}

    def set_rows(self, rows: Sequence[BundleRow], key_names: Mapping[str, str] | None = None
                 ) -> None:
        """Replace the rows (imports only ever add rows, so a reset is cheap and rare)."""
        rows = list(rows)
        names = dict(key_names or {})
        if rows == self._rows and names == self._names:
            return
        self.beginResetModel()
        self._rows = rows
        self._names = names
        self.endResetModel()

    def row_key(self, row: BundleRow) -> str:
        return row.manifest_digest

    def cell(self, row: BundleRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return _sort_key(row, column, self._display(row, column))
        if role == DIGEST_ROLE:
            return row.manifest_digest
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == OVERRIDE and row.override_reason:
            return QColor(WARNING)
        if role == Qt.ItemDataRole.FontRole and column == OVERRIDE and row.override_reason:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == VERSION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: BundleRow, column: int) -> str:
        if column == KIND:
            return SHORT_KINDS.get(row.kind, kind_title(row.kind))
        if column == LABEL:
            return row.label
        if column == VERSION:
            return str(row.version)
        if column == SIGNERS:
            return ", ".join(key_text(k, self._names, compact=True) for k in row.signer_keyids)
        if column == DIGEST:
            return short(row.manifest_digest)
        if column == IMPORTED_BY:
            return row.imported_by
        if column == IMPORTED_AT:
            return minute(row.imported_at)
        if column == OVERRIDE:
            return f"⚠ {row.override_reason}" if row.override_reason else ""
        return ""

    def _tooltip(self, row: BundleRow, column: int) -> str | None:
        if column == DIGEST:
            return row.manifest_digest
        if column == SIGNERS:
            return "\n".join(f"{k}  {self._names.get(k, '')}".rstrip() for k in row.signer_keyids)
        if column == LABEL:
            return f"{row.label}\n{row.kind} {row.name!r}, valid until {when(row.expires)}"
        if column == KIND:
            return kind_title(row.kind)
        if column == IMPORTED_AT:
            return when(row.imported_at)
        if column == VERSION:
            return "The bundle's sequence number: each import of the same kind and name must " \
                   "be newer, unless an operator overrides it with a reason"
        if column == OVERRIDE and row.override_reason:
            return f"Imported although not newer than the last version: {row.override_reason}"
        return None


def minute(stamp: str) -> str:
    """``Feb 18 2026, 06:56 UTC``: table cells are narrow; the tooltip has the seconds."""
    shown = when(stamp)
    return shown[:-7] + " UTC" if shown.endswith(" UTC") and shown[-10] == ":" else shown


def _sort_key(row: BundleRow, column: int, shown: str) -> Any:
    if column == VERSION:
        return row.version
    if column == IMPORTED_AT:
        return row.imported_at
    if column == DIGEST:
        return row.manifest_digest
    return shown.lower()


class BundleFilterProxy(QSortFilterProxyModel):
    """Sorts by raw values (versions as numbers, times as stamps); filters on any column."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
