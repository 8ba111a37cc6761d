"""A window of its own for auditor mode, usable with no site open at all.

Opened from the File menu ("Open bundle for audit…") and by ``stella gui --audit
PATH`` on an auditor's laptop where no site exists: it needs only a thread pool.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from app.qt.worker import TaskManager
from views.auditor.view import AuditorView
from views.common.geometry import fit_window

TITLE = "Auditor mode — Stella Ops Offline Console"


class AuditorWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditorWindow")
        self.setWindowTitle(TITLE)
        fit_window(self, "auditor", (0.86, 0.9), QSize(900, 600))
        self.tasks = TaskManager(2, self)
        self.view = AuditorView(self.tasks)
        self.setCentralWidget(self.view)
        self.view.verified.connect(lambda result: self.setWindowTitle(
            f"{'✓' if result.ok else '✗'} {os.path.basename(result.path)} — {TITLE}"))
        menu = self.menuBar().addMenu("&File")
        for text, slot, key in (("Open archive or part…", self.view.choose_file,
                                 QKeySequence.StandardKey.Open),
                                ("Open extracted folder…", self.view.choose_folder, None),
                                ("Save report…", self.view.choose_report_file,
                                 QKeySequence.StandardKey.Save)):
            action = QAction(text, self)
            if key is not None:
                action.setShortcut(key)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.addSeparator()
        close = QAction("&Close", self)
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        menu.addAction(close)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.tasks.close()
        self.tasks.wait(10_000)
        super().closeEvent(event)
