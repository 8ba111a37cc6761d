"""The Logs tab: the step's log lines, appended as they arrive, and saved on request.

Lines are append-only and ordered, so each reload shows only the lines beyond those
already on screen. While the step runs the tab also re-reads on a timer, because a
step in another process writes log lines without adding run events the poller sees.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.screens.logs import LogLine, format_line, save_step_log
from app.services.logs import step_logs

FOLLOW_INTERVAL_MS = 1000


class LogsTab(QWidget):
    lines_loaded = Signal(int)  # lines now shown
    saved = Signal(str)  # path

    def __init__(self, ctx: GuiContext, promotion_id: str, step: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.promotion_id = promotion_id
        self.step = step
        self.shown = 0
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit()
        self.text.setObjectName("logText")
        self.text.setReadOnly(True)
        self.text.setFont(QFont("DejaVu Sans Mono", 9))
        self.text.setPlaceholderText("No log lines yet.")
        layout.addWidget(self.text, 1)
        row = QHBoxLayout()
        self.state_label = QLabel()
        row.addWidget(self.state_label, 1)
        self.save_button = QPushButton("Save log…")
        self.save_button.setObjectName("saveLog")
        self.save_button.clicked.connect(self.choose_and_save)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        self._follow = QTimer(self)
        self._follow.setInterval(FOLLOW_INTERVAL_MS)
        self._follow.timeout.connect(self.refresh)
        ctx.changes.changed.connect(self._on_change)

    def refresh(self) -> None:
        self._refresher.request()

    def follow(self, active: bool) -> None:
        """Keep re-reading while the step is running (other processes log silently)."""
        if active and not self._follow.isActive():
            self._follow.start()
        elif not active and self._follow.isActive():
            self._follow.stop()
        self.state_label.setText("Following the log while the step runs…" if active else "")

    def _job(self):
        site, pid, step = self.ctx.site, self.promotion_id, self.step
        return lambda: step_logs(site, pid, step)

    def _on_change(self, change: Change) -> None:
        if self.promotion_id in change.changes.logs or change.changes.touches(self.promotion_id):
            self.refresh()

    def _loaded(self, lines: list[LogLine]) -> None:
        if len(lines) < self.shown:
            self.text.clear()
            self.shown = 0
        fresh = lines[self.shown:]
        if fresh:
            self.text.moveCursor(QTextCursor.MoveOperation.End)
            self.text.appendPlainText("\n".join(format_line(line) for line in fresh))
            self.shown = len(lines)
        self.lines_loaded.emit(self.shown)

    def _failed(self, failure: Failure) -> None:
        self.state_label.setText(f"Could not read the log: {failure.message}")

    def choose_and_save(self) -> None:
        default = f"{self.promotion_id}-{self.step}.log"
        path, _filter = QFileDialog.getSaveFileName(self, "Save step log", default,
                                                    "Log files (*.log);;All files (*)")
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> None:
        site, pid, step = self.ctx.site, self.promotion_id, self.step
        self.save_button.setEnabled(False)
        (Operation(self, lambda: save_step_log(site, pid, step, path), tasks=self.ctx.tasks)
         .success(lambda count: self._saved(path, count))
         .finally_(lambda: self.save_button.setEnabled(True))
         .run())

    def _saved(self, path: str, count: int) -> None:
        self.state_label.setText(f"Saved {count} line(s) to {path}")
        self.saved.emit(path)
