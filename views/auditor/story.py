"""The auditor's story tab: the run told from the verified export — steps and every
attempt, approvals with signer and reason, the gate verdict and its findings,
rollback decisions with their measurements, the custody chain. A line's "From" is the
file it comes from; activating the line shows that file's checks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.screens.audit_story import SECTIONS, RunStory
from views.common.page import keyboard_table
from views.common.palette import status_hex

WHEN, WHAT, DETAIL, FROM = range(4)
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
NOT_YET = "The story is told once the export has verified: open an export."
UNTOLD = ("The export did not verify, so its story is not told: a file that failed its "
          "checks cannot be trusted to tell it. See the checks.")


class StoryView(QWidget):
    item_requested = Signal(str)  # an export file: show its checks

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.headline = QLabel(NOT_YET)
        self.headline.setObjectName("storyHeadline")
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.tree = QTreeWidget()
        self.tree.setObjectName("storyTree")
        keyboard_table(self.tree, "The run's story")
        self.tree.setHeaderLabels(["Time (UTC)", "What", "Detail", "From (its checks)"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setColumnWidth(WHEN, 150)  # MM-DD hh:mm:ss, UTC
        self.tree.setColumnWidth(WHAT, 300)
        self.tree.setColumnWidth(DETAIL, 520)
        self.tree.itemActivated.connect(self._activated)
        layout.addWidget(self.tree, 1)
        self.story: RunStory | None = None

    def show_story(self, story: RunStory | None, verified: bool) -> None:
        self.story = story
        self.tree.clear()
        if story is None:
            self.headline.setText(NOT_YET if verified else UNTOLD)
            return
        self.headline.setText(f"<b>{story.headline}</b>")
        for section in SECTIONS:
            lines = story.section(section)
            top = QTreeWidgetItem([section, f"{len(lines)} line(s)" if lines else "none", "", ""])
            font = top.font(WHEN)
            font.setBold(True)
            top.setFont(WHEN, font)
            self.tree.addTopLevelItem(top)
            for line in lines:
                child = QTreeWidgetItem([line.when[5:19].replace("T", " "), line.what,
                                         line.detail, line.item])
                child.setData(FROM, ITEM_ROLE, line.item)
                child.setToolTip(DETAIL, line.detail)
                if line.status:
                    child.setForeground(WHAT, QColor(status_hex(line.status)))
                top.addChild(child)
            top.setExpanded(True)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        path = item.data(FROM, ITEM_ROLE)
        if path:
            self.item_requested.emit(path)
