"""A page for a screen a later feature delivers: it says so plainly."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

NOT_YET = "Not yet available in this build."


class PlaceholderPage(QWidget):
    def __init__(self, title: str, purpose: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("placeholderPage")
        self.title = title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        badge = QLabel(NOT_YET)
        badge.setObjectName("notYetBadge")
        badge.setAlignment(Qt.AlignmentFlag.AlignLeft)
        text = QLabel(purpose)
        text.setWordWrap(True)
        text.setObjectName("placeholderText")
        layout.addWidget(heading)
        layout.addWidget(badge)
        layout.addSpacing(8)
        layout.addWidget(text)
        layout.addStretch(1)
        self.badge = badge
