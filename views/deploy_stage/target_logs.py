"""One target's lines of a stage's log (the targets table's ``[open]`` link).

Drivers prefix what they print with ``[target]``, and the stage names its targets
in its own lines, so a target's story is the lines naming it as a whole word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.screens.logs import LogLine, format_line
from app.services.logs import step_logs
from views.common.geometry import fit_window


def lines_about(lines: Sequence[LogLine], target: str) -> list[LogLine]:
    pattern = re.compile(rf"(?<![\w-]){re.escape(target)}(?![\w-])")
    return [line for line in lines if pattern.search(line[3])]


class TargetLogDialog(QDialog):
    loaded = Signal(int)  # lines shown

    def __init__(self, ctx: GuiContext, promotion_id: str, step: str, target: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("targetLog")
        self.ctx = ctx
        self.promotion_id = promotion_id
        self.step = step
        self.target = target
        self.setWindowTitle(f"{target} — {step} log ({promotion_id})")
        fit_window(self, "targetLog", (0.6, 0.55), QSize(820, 420))
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"Log lines of <b>{step}</b> that mention <b>{target}</b>")
        layout.addWidget(self.heading)
        self.text = QPlainTextEdit()
        self.text.setObjectName("targetLogText")
        self.text.setAccessibleName("Target log")
        self.text.setReadOnly(True)
        self.text.setFont(QFont("DejaVu Sans Mono", 9))
        self.text.setPlaceholderText(f"No log line mentions {target} yet.")
        layout.addWidget(self.text, 1)
        self.count = QLabel()
        layout.addWidget(self.count)
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        ctx.changes.changed.connect(self._on_change)
        self.refresh()

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site, pid, step = self.ctx.site, self.promotion_id, self.step
        return lambda: step_logs(site, pid, step)

    def _on_change(self, change: Change) -> None:
        if self.promotion_id in change.changes.logs or change.changes.touches(self.promotion_id):
            self.refresh()

    def _loaded(self, lines: list[LogLine]) -> None:
        mine = lines_about(lines, self.target)
        text = "\n".join(format_line(line) for line in mine)
        if text != self.text.toPlainText():
            self.text.setPlainText(text)
            self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())
        self.count.setText(f"{len(mine)} of {len(lines)} line(s) of this step mention {self.target}")
        self.loaded.emit(len(mine))

    def _failed(self, failure: Failure) -> None:
        self.count.setText(f"Could not read the log: {failure.message}")
