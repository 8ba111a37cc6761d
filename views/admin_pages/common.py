"""What the four admin pages share: a page frame with a title and a refresh button
that loads its rows in a worker, read-only tables, and status colours."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from html import escape
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from views.common.columns import Column, RowTableModel
from views.common.page import LIST_ROWS, read_only_table
from views.platform_health.models import STATUS_COLOURS

__all__ = ["Column", "LoadingPage", "RowTableModel", "heading", "note", "status_colour",
           "table"]


def status_colour(status: str) -> str | None:
    return STATUS_COLOURS.get(status.upper())


def table(model: RowTableModel[Any], name: str) -> QTableView:
    return read_only_table(model, name, min_rows=LIST_ROWS)


def heading(text: str) -> QLabel:
    label = QLabel(f"<b>{escape(text)}</b>")
    label.setObjectName("sectionHeading")
    return label


def note(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #546e7a;")
    return label


def model(columns: Sequence[Column[Any]], key: Callable[[Any], Hashable],
          parent: QWidget) -> RowTableModel[Any]:
    return RowTableModel(columns, key, parent)


class LoadingPage(QWidget):
    """A page whose rows come from one service call, run in a worker when the page is
    shown, when Refresh is pressed and when a promotion changes while it is visible."""

    def __init__(self, ctx: GuiContext, title: str, name: str, loader: Callable[[], Any],
                 shown: Callable[[Any], None], parent: QWidget | None = None,
                 button_text: str = "Refresh") -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.ctx = ctx
        self._loader = loader
        self._shown = shown
        self.loading = False
        self.loaded_once = False
        self.then: Callable[[], None] | None = None  # once the next load is shown (a link's row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top = QHBoxLayout()
        label = QLabel(title)
        label.setObjectName("pageTitle")
        top.addWidget(label)
        top.addStretch(1)
        self.refresh_button = QPushButton(button_text)
        self.refresh_button.setObjectName("refreshButton")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.status = QLabel("Loading…")
        self.status.setObjectName("pageStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.body = layout
        ctx.changes.changed.connect(self._on_change)

    def refresh(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.refresh_button.setEnabled(False)
        (Operation(self, self._loader, tasks=self.ctx.tasks)
         .success(self._loaded).failure(self._failed)
         .finally_(self._done).run())

    def _loaded(self, value: Any) -> None:
        self.loaded_once = True
        self._shown(value)
        if self.then is not None:
            then, self.then = self.then, None
            then()

    def _failed(self, failure: Failure) -> None:
        self.status.setText(f"<span style='color:#c62828'>{escape(failure.message)}</span>")

    def _done(self) -> None:
        self.loading = False
        self.refresh_button.setEnabled(True)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if self.isVisible() and (change.changes.promotion_list or change.changes.promotions
                                 or change.changes.users or change.changes.bundles):
            self.refresh()
