"""Keyboard shortcuts: one table, so the keys bound, the buttons' tooltips and
Help → Keyboard shortcuts (F1) cannot disagree.

Run actions use Ctrl+Shift+letter: plain Ctrl+letter keys belong to text fields
(copy, paste, select all) and to the platform's standard actions (Ctrl+Q, Ctrl+O).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from views.common.geometry import fit_window


@dataclass(frozen=True)
class Shortcut:
    key: str  # an id: the action it triggers
    title: str
    keys: tuple[str, ...]  # portable QKeySequence texts, first one shown first
    where: str

    def sequences(self) -> list[QKeySequence]:
        return [QKeySequence(text) for text in self.keys]

    @property
    def shown(self) -> str:
        return " or ".join(QKeySequence(text).toString(QKeySequence.SequenceFormat.NativeText)
                           for text in self.keys)


RUN = "Run view (Releases → Promotions)"
ANYWHERE = "Main window"
SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("pause", "Pause the run", ("Ctrl+Shift+P",), RUN),
    Shortcut("resume", "Resume the run", ("Ctrl+Shift+U",), RUN),
    Shortcut("continue", "Continue to the next canary stage", ("Ctrl+Shift+C",), RUN),
    Shortcut("rollback", "Roll back…", ("Ctrl+Shift+B",), RUN),
    Shortcut("approve", "Approve…", ("Ctrl+Shift+A",), RUN),
    Shortcut("reject", "Reject…", ("Ctrl+Shift+J",), RUN),
    Shortcut("step-detail", "Step detail of the selected (or current) step", ("Ctrl+D",), RUN),
    Shortcut("evidence-timeline", "Evidence timeline of the run", ("Ctrl+E",), RUN),
    Shortcut("export", "Export evidence (partial)…", ("Ctrl+Shift+E",), RUN),
    Shortcut("replay", "Replay this run's policy verdicts", ("Ctrl+Shift+R",), RUN),
    Shortcut("refresh", "Refresh everything shown", ("F5", "Ctrl+R"), ANYWHERE),
    Shortcut("open-row", "Open the selected row's detail", ("Return",), "Any list or table"),
    Shortcut("next-widget", "Move to the next / previous control", ("Tab", "Shift+Tab"),
             "Everywhere (tables too)"),
    Shortcut("help-shortcuts", "This list of keyboard shortcuts", ("F1",), ANYWHERE),
    Shortcut("quit", "Quit", ("Ctrl+Q",), ANYWHERE),
)
BY_KEY = {shortcut.key: shortcut for shortcut in SHORTCUTS}


def bind(owner: QWidget, key: str, slot: Callable[[], object]) -> QAction:
    """An action on ``owner`` triggered by the shortcut ``key`` of the table; it
    fires while ``owner`` is visible in the active window."""
    shortcut = BY_KEY[key]
    action = QAction(shortcut.title, owner)
    action.setObjectName(f"shortcut_{key}")
    action.setShortcuts(shortcut.sequences())
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    owner.addAction(action)
    return action


def with_keys(tooltip: str, key: str) -> str:
    """A tooltip that names the shortcut, so the mouse teaches the keyboard."""
    return f"{tooltip} ({BY_KEY[key].shown})"


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Buttons also answer to Alt and their underlined letter."))
        self.table = QTableWidget(len(SHORTCUTS), 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "Does", "Where"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        for row, shortcut in enumerate(SHORTCUTS):
            for column, text in enumerate((shortcut.shown, shortcut.title, shortcut.where)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        fit_window(self, "shortcuts", (0.45, 0.6))
