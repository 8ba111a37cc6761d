"""Operations (seed §14.1): the machinery behind promotions on one page — each of
its screens with where it stands now and a way to open it."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QWidget

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import Refresher
from app.screens.operations import OperationsOverview, load_operations
from views.common.page import Page
from views.common.palette import status_hex

MARKS = {"OK": ("✓", "succeeded"), "WARN": ("⚠", "warned"), "FAIL": ("✗", "failed")}
MIN_INTERVAL_MS = 3_000


def status_html(status: str) -> str:
    mark, palette = MARKS.get(status, ("?", "pending"))
    return f"<span style='color:{status_hex(palette)}'><b>{mark} {escape(status)}</b></span>"


class OperationsPage(Page):
    loaded = Signal(object)  # OperationsOverview
    open_requested = Signal(str)  # a navigation key

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__("Operations", "The machinery behind promotions: executors and their "
                         "leases, scheduled jobs, failed jobs, feeds and the site's health. "
                         "Open a screen for its detail.", parent)
        self.setObjectName("operationsPage")
        self.ctx = ctx
        self.overview: OperationsOverview | None = None
        self.summary = QLabel("Checking…")
        self.summary.setObjectName("operationsSummary")
        self.title_row.addWidget(self.summary)
        frame = QFrame()
        frame.setObjectName("operationsCards")
        self.grid = QGridLayout(frame)
        self.grid.setColumnStretch(2, 1)
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(10)
        self.body.addWidget(frame)
        self.body.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        self.lines: dict[str, QLabel] = {}
        self.statuses: dict[str, QLabel] = {}
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    MIN_INTERVAL_MS)
        ctx.changes.changed.connect(self._on_change)

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site = self.ctx.site
        return lambda: load_operations(site)

    def _on_change(self, _change: Change) -> None:
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def _loaded(self, overview: OperationsOverview) -> None:
        self.overview = overview
        self.summary.setText(f"Overall: {status_html(overview.status)} &nbsp; checked "
                             f"{escape(overview.checked_at)}")
        for row, item in enumerate(overview.items):
            button = self.buttons.get(item.key)
            if button is None:
                button = QPushButton(f"{item.title} →")
                button.setObjectName(f"open_{item.key}")
                button.setToolTip(f"Open {item.title}")
                button.clicked.connect(lambda _c=False, k=item.key: self.open_requested.emit(k))
                self.buttons[item.key] = button
                self.lines[item.key] = QLabel()
                self.lines[item.key].setWordWrap(True)
                self.lines[item.key].setObjectName(f"line_{item.key}")
                status = QLabel()
                status.setObjectName(f"status_{item.key}")
                self.statuses[item.key] = status
                self.grid.addWidget(button, row, 0)
                self.grid.addWidget(status, row, 1)
                self.grid.addWidget(self.lines[item.key], row, 2)
            self.statuses[item.key].setText(status_html(item.status))
            self.lines[item.key].setText(escape(item.text))
        self.loaded.emit(overview)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(f"<span style='color:{status_hex('failed')}'>Cannot check: "
                             f"{escape(failure.message)}</span>")
