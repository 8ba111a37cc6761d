"""The view toolkit every screen builds on: one read-only table, one page with a
title row, and a frame that scrolls a page rather than letting it outgrow the
window.

Tables are read-only lists here, so Tab must leave them (Qt's default moves the
current cell instead, and an operator pressing Tab changes the selection without
ever reaching the buttons below); Enter on a row emits ``activated``, the same
signal a double click emits, so "open the row's detail" is one connection.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

MAX_COLUMN_PX = 420  # long texts are cut at this width; the tooltip has them whole


LIST_ROWS = 10  # a list page shows at least this many rows on a 1366×768 laptop


def read_only_table(model: QAbstractItemModel | None, name: str, *, accessible: str = "",
                    stretch: int | None = None, wrap: bool = False, sortable: bool = False,
                    min_rows: int = 0, view: QTableView | None = None) -> QTableView:
    """A read-only, row-selecting table that Tab leaves; ``stretch`` is the column
    that takes the room (else the last one), ``wrap`` lets long texts wrap, and
    ``min_rows`` rows always fit (a page stacking lists scrolls instead of squeezing
    each to a few rows)."""
    view = view or QTableView()
    view.setObjectName(name)
    if model is not None:
        view.setModel(model)
    keyboard_table(view, accessible or name)
    view.verticalHeader().hide()
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(wrap)
    view.setSortingEnabled(sortable)
    if wrap:
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header = view.horizontalHeader()
    header.setMaximumSectionSize(MAX_COLUMN_PX)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    if min_rows:
        view.setMinimumHeight(list_height(view, min_rows))
    return view


def read_only_tree(model: QAbstractItemModel | None, name: str, accessible: str,
                   view: QTreeView | None = None) -> QTreeView:
    """A read-only tree of rows (groups and their items) that Tab leaves; the caller
    says its column widths."""
    view = view or QTreeView()
    view.setObjectName(name)
    if model is not None:
        view.setModel(model)
    keyboard_table(view, accessible)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


def keyboard_table(view: QAbstractItemView, accessible: str) -> QAbstractItemView:
    """What every item view needs for the keyboard and screen readers: Tab moves on
    to the next widget, and the view has a name to be announced by."""
    view.setTabKeyNavigation(False)
    view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    view.setAccessibleName(accessible)
    if isinstance(view, QTableView):  # compact rows: ten of them fit a laptop's list
        view.verticalHeader().setDefaultSectionSize(row_height(view))
    return view


def row_height(view: QWidget) -> int:
    """One line of text and a little air, in this widget's font (scales with DPI)."""
    return view.fontMetrics().height() + 8


def list_height(view: QTableView, rows: int) -> int:
    """The height ``view`` needs to show ``rows`` rows and its header."""
    header = view.horizontalHeader().sizeHint().height()
    return header + rows * view.verticalHeader().defaultSectionSize() + 2 * view.frameWidth()


def scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: it fills the room it is given and
    scrolls, instead of forcing the window larger, when there is not enough."""
    area = QScrollArea()
    area.setObjectName(f"{widget.objectName() or 'page'}Scroll")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return area


class Page(QWidget):
    """A screen of the main window: a title, an optional one-line purpose, then the
    page's own content in ``self.body``."""

    def __init__(self, title: str, purpose: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        self.title_row = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("pageTitle")
        self.title_row.addWidget(self.title)
        self.title_row.addStretch(1)
        layout.addLayout(self.title_row)
        if purpose:
            self.purpose = QLabel(purpose)
            self.purpose.setObjectName("pagePurpose")
            self.purpose.setWordWrap(True)
            layout.addWidget(self.purpose)
        self.body = QVBoxLayout()
        layout.addLayout(self.body, 1)
