"""The verification report as a tree: each file (item) with every check made on it.

A thin adapter over :class:`~app.screens.audit_snapshots.AuditResult`. Top-level rows are
items (internal id 0); a check's internal id is its item's row + 1. With
``only_failures`` the tree keeps the items that have a failed check, and under them
only the failed checks.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from app.screens.audit_snapshots import AuditItem, AuditResult, Check
from views.common.tree_model import TwoLevelTreeModel

ITEM, RESULT, LEVEL, MESSAGE = range(4)
HEADERS = ("Item / check", "Result", "Level", "What was checked")
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
OK_ROLE = Qt.ItemDataRole.UserRole + 2
GREEN, RED, GREY = "#2e7d32", "#c62828", "#607d8b"
LEVEL_TITLES = {
    "archive": "archive", "parts": "split parts", "files": "file digest", "keys": "keys",
    "signatures": "DSSE signature", "inclusion": "log inclusion", "proof-chain": "proof chain",
    "event-chain": "event hash chain", "completeness": "history complete",
    "approvals": "signed approvals", "custody": "chain of custody",
    "policy-replay": "policy re-evaluation",
}


def result_mark(ok: bool | None) -> str:
    return {True: "✓ pass", False: "✗ FAIL", None: "· note"}[ok]


def result_colour(ok: bool | None) -> QColor:
    return QColor({True: GREEN, False: RED, None: GREY}[ok])


class AuditTreeModel(TwoLevelTreeModel[AuditItem, Check]):
    HEADERS = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._result: AuditResult | None = None
        self._only_failures = False

    def set_result(self, result: AuditResult | None) -> None:
        self.beginResetModel()
        self._result = result
        self._groups = self._visible()
        self.endResetModel()

    def set_only_failures(self, only: bool) -> None:
        if only != self._only_failures:
            self.beginResetModel()
            self._only_failures = only
            self._groups = self._visible()
            self.endResetModel()

    def _visible(self) -> tuple[AuditItem, ...]:
        if self._result is None:
            return ()
        if not self._only_failures:
            return self._result.items
        return tuple(AuditItem(i.name, tuple(c for c in i.checks if c.ok is False))
                     for i in self._result.items if i.ok is False)

    def item_row(self, name: str) -> int | None:
        for number, item in enumerate(self._groups):
            if item.name == name:
                return number
        return None

    def item(self, row: int) -> AuditItem:
        return self._groups[row]

    # -- cells ----------------------------------------------------------------------
    def children_of(self, group: AuditItem) -> tuple[Check, ...]:
        return group.checks

    def group_cell(self, group: AuditItem, column: int, role: int) -> Any:
        return _item_data(group, column, role)

    def child_cell(self, item: AuditItem, check: Check, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (LEVEL_TITLES.get(check.level, check.level), result_mark(check.ok),
                    "", check.message)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == MESSAGE:
            return check.message
        if role == Qt.ItemDataRole.ForegroundRole and column in (ITEM, RESULT):
            return result_colour(check.ok)
        if role == OK_ROLE:
            return check.ok
        if role == ITEM_ROLE:
            return item.name
        return None


def _item_data(item: AuditItem, column: int, role: int) -> Any:
    if role == Qt.ItemDataRole.DisplayRole:
        if column == ITEM:
            return item.name
        if column == RESULT:
            return result_mark(item.ok)
        if column == LEVEL:
            levels = dict.fromkeys(LEVEL_TITLES.get(c.level, c.level) for c in item.checks)
            return ", ".join(levels)
        failed = [c for c in item.checks if c.ok is False]
        if failed:
            return failed[0].message
        return f"{len(item.checks)} check(s)" if len(item.checks) != 1 \
            else item.checks[0].message
    if role == Qt.ItemDataRole.ForegroundRole and column in (ITEM, RESULT):
        return result_colour(item.ok)
    if role == Qt.ItemDataRole.FontRole and (column == ITEM or item.ok is False):
        font = QFont()
        font.setBold(item.ok is False or column == ITEM)
        return font
    if role == Qt.ItemDataRole.ToolTipRole:
        return "\n".join(f"{result_mark(c.ok)} {c.level}: {c.message}" for c in item.checks)
    if role == OK_ROLE:
        return item.ok
    if role == ITEM_ROLE:
        return item.name
    return None
