"""Evidence: the Evidence Timeline of the promotion chosen at the top of the page."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.screens.evidence_lists import promotion_ids
from views.evidence.view import EvidenceTimelineView


class EvidencePage(QWidget):
    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._wanted: str | None = None
        self._stale = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top = QHBoxLayout()
        title = QLabel("Evidence — Timeline")
        title.setObjectName("pageTitle")
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(QLabel("Promotion:"))
        self.combo = QComboBox()
        self.combo.setObjectName("evidencePromotion")
        self.combo.setMinimumWidth(420)
        self.combo.currentIndexChanged.connect(self._chosen)
        top.addWidget(self.combo)
        layout.addLayout(top)
        self.view = EvidenceTimelineView(ctx)
        layout.addWidget(self.view, 1)
        self._refresher = Refresher(self, self._job, self._listed, None, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        ctx.changes.changed.connect(self._on_change)

    def show_promotion(self, promotion_id: str) -> None:
        """Show ``promotion_id`` (once the list has it)."""
        self._wanted = promotion_id
        index = self.combo.findData(promotion_id)
        if index >= 0:
            self.combo.setCurrentIndex(index)
            self.view.show_promotion(promotion_id)
        else:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        self._refresher.request()

    def _job(self):
        site = self.ctx.site
        return lambda: promotion_ids(site)

    def _on_change(self, change: Change) -> None:
        if change.changes.promotion_list or change.changes.promotions:
            self._stale = True
            if self.isVisible():
                self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _listed(self, choices: list[tuple[str, str]]) -> None:
        current = self.view.promotion_id or self._wanted
        self.combo.blockSignals(True)
        self.combo.clear()
        for pid, text in choices:
            self.combo.addItem(text, pid)
        index = self.combo.findData(self._wanted or current)
        self.combo.setCurrentIndex(index if index >= 0 else (0 if choices else -1))
        self.combo.blockSignals(False)
        self._wanted = None
        self.view.show_promotion(self.combo.currentData())

    def _chosen(self, index: int) -> None:
        self.view.show_promotion(self.combo.itemData(index) if index >= 0 else None)
