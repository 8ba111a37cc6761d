"""The Evidence Timeline of one promotion in a window of its own, opened from the run
view next to the timeline it explains."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from app.qt.context import GuiContext
from views.common.geometry import fit_window
from views.evidence.view import EvidenceTimelineView


class EvidenceTimelineDialog(QDialog):
    def __init__(self, ctx: GuiContext, promotion_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceTimelineDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Evidence Timeline — {promotion_id}")
        fit_window(self, "evidenceTimeline", (0.86, 0.85), QSize(1000, 600))
        layout = QVBoxLayout(self)
        self.view = EvidenceTimelineView(ctx)
        layout.addWidget(self.view)
        self.view.show_promotion(promotion_id)

    @property
    def promotion_id(self) -> str | None:
        return self.view.promotion_id
