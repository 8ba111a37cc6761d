"""The one place failures become visible: a message box with the message, never a
traceback. Non-blocking, so a failure in a background task never freezes the app."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.qt.errors import ErrorHub, Failure


class ErrorPresenter(QObject):
    presented = Signal(str)  # the message shown

    def __init__(self, hub: ErrorHub, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self.last: Failure | None = None
        self.boxes: list[QMessageBox] = []
        hub.failed.connect(self.present)

    def present(self, failure: Failure) -> None:
        self.last = failure
        icon = QMessageBox.Icon.Warning if failure.expected else QMessageBox.Icon.Critical
        box = QMessageBox(icon, failure.title, failure.message, QMessageBox.StandardButton.Ok,
                          self._window)
        box.setObjectName("errorBox")
        box.finished.connect(lambda _code, b=box: self._closed(b))
        self.boxes.append(box)
        box.open()
        self.presented.emit(failure.message)

    def _closed(self, box: QMessageBox) -> None:
        if box in self.boxes:
            self.boxes.remove(box)
        box.deleteLater()
