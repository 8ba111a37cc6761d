"""Drop a bundle file anywhere on the main window to import it.

An event filter on the window, so the window itself needs no import logic: it accepts
drags that carry local files and hands the dropped paths to a callback. Folders and
remote URLs are not bundles and are refused at drag time (the cursor says so).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget


def local_files(mime: QMimeData) -> list[str]:
    """The dropped local files, in the order given; folders and remote URLs left out."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls()
            if url.isLocalFile() and Path(url.toLocalFile()).is_file()]


class BundleDropFilter(QObject):
    def __init__(self, window: QWidget, on_drop: Callable[[list[str]], None]) -> None:
        super().__init__(window)
        self._on_drop = on_drop
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) \
                and isinstance(event, QDragMoveEvent):  # a QDragEnterEvent is one too
            if local_files(event.mimeData()):
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            files = local_files(event.mimeData())
            if not files:
                event.ignore()
                return True
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._on_drop(files)
            return True
        return super().eventFilter(watched, event)
