"""A page listing site-wide rows (evidence, proof chains, exports): a title, a filter,
a sortable table over frozen rows and a row of actions.

Rows are loaded in a worker. A change to any run marks the list stale; it reloads
at once when the page is on screen, else the next time it is shown, so a hidden
page never folds every run on every poll.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import Site
from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from views.common.columns import ROW_ROLE, Column, RowFilterProxy, RowTableModel
from views.common.page import LIST_ROWS, read_only_table
from views.evidence.marks import RED

R = TypeVar("R")


class ListPage(QWidget, Generic[R]):
    rows_loaded = Signal(int)

    def __init__(self, ctx: GuiContext, title: str, columns: Sequence[Column[R]],
                 key: Callable[[R], Hashable], loader: Callable[[Site], list[R]],
                 empty_text: str, stretch: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._loader = loader
        self._empty_text = empty_text
        self._stale = True
        self.loaded_once = False
        self.model: RowTableModel[R] = RowTableModel(columns, key, self)
        self.proxy = RowFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        layout = QVBoxLayout(self)
        self.page_layout = layout  # typed, unlike self.layout(): pages insert widgets
        layout.setContentsMargins(12, 10, 12, 8)
        top = QHBoxLayout()
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        top.addWidget(heading)
        top.addStretch(1)
        self.count_label = QLabel()
        top.addWidget(self.count_label)
        self.filter_edit = QLineEdit()
        self.filter_edit.setAccessibleName("Filter")
        self.filter_edit.setPlaceholderText("Filter (any column)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(260)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        top.addWidget(self.filter_edit)
        layout.addLayout(top)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setObjectName("placeholderText")
        self.intro.hide()
        layout.addWidget(self.intro)
        self.table = read_only_table(self.proxy, "evidenceList", accessible="Evidence list",
                                     stretch=stretch, sortable=True, min_rows=LIST_ROWS)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.table.selectionModel().selectionChanged.connect(self._selection_moved)
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        layout.addWidget(self.empty_label)
        self.action_row = QHBoxLayout()
        layout.addLayout(self.action_row)
        ctx.changes.changed.connect(self._on_change)

    def set_intro(self, text: str) -> None:
        self.intro.setText(text)
        self.intro.show()

    # -- loading --------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        self._refresher.request()

    def _job(self):
        site, loader = self.ctx.site, self._loader
        return lambda: loader(site)

    def _on_change(self, change: Change) -> None:
        if change.changes.promotions or change.changes.promotion_list:
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _loaded(self, rows: list[R]) -> None:
        self.loaded_once = True
        self.model.set_rows(rows)
        self.count_label.setText(f"{len(rows)} row(s)")
        self.table.setVisible(bool(rows))
        self.empty_label.setStyleSheet("")
        self.empty_label.setText(self._empty_text)
        self.empty_label.setVisible(not rows)
        self.update_actions()
        self.rows_loaded.emit(len(rows))

    def _failed(self, failure: Failure) -> None:
        self.empty_label.setText(f"Could not load: {html.escape(failure.message)}")
        self.empty_label.setStyleSheet(f"color: {RED};")
        self.empty_label.show()

    # -- selection ------------------------------------------------------------------------
    def selected(self) -> Any:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model else []
        return rows[0].data(ROW_ROLE) if rows else None

    def select_row(self, key: Hashable) -> bool:
        row = self.model.row_of(key)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        return True

    def _selection_moved(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.update_actions()

    def update_actions(self) -> None:
        """Subclasses enable their buttons for the selected row."""
