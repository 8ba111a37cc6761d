"""Removable media and the bundle files on them, each importable with one click.

Discovery and the folder listing run in a worker (a slow or dying stick must not
freeze the window), every few seconds while the page is shown and on Refresh.
Only the top level of each medium is listed: that is where bundles are carried.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.worker import TaskManager
from app.screens.import_jobs import MediumBundles, scan_media
from views.import_dialog.text import FAILED, size_text

MEDIA_POLL_MS = 5000
FILES_PER_LINE = 4
MAX_HEIGHT = 132  # about four lines of files; more scroll
MediaScan = Callable[[], Sequence[MediumBundles]]


class MediaStrip(QGroupBox):
    import_requested = Signal(str)  # path of a bundle file
    scanned = Signal(int)  # how many media were found

    def __init__(self, tasks: TaskManager | None, scan: MediaScan = scan_media,
                 parent: QWidget | None = None) -> None:
        super().__init__("Removable media", parent)
        self.setObjectName("mediaStrip")
        self._tasks = tasks
        self.scan = scan  # replaceable: tests and screenshots describe media with it
        self._busy = False
        self.media: tuple[MediumBundles, ...] = ()
        self.file_buttons: dict[str, QPushButton] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        self.state_label = QLabel("Looking for removable media…")
        self.state_label.setObjectName("mediaState")
        self.state_label.setWordWrap(True)
        top.addWidget(self.state_label, 1)
        self.refresh_button = QPushButton("⟳ Refresh")
        self.refresh_button.setObjectName("mediaRefresh")
        self.refresh_button.setToolTip("Look for removable media again (also done every "
                                       f"{MEDIA_POLL_MS // 1000} s while this page is shown)")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        outer.addLayout(top)
        self.rows = QWidget()
        self.rows_layout = QVBoxLayout(self.rows)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(4)
        self.scroll_area = QScrollArea()  # not `scroll`: QWidget.scroll() is a method
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget "
                                  "{ background: transparent; }")
        self.scroll_area.setWidget(self.rows)
        self.scroll_area.hide()
        outer.addWidget(self.scroll_area)
        self.timer = QTimer(self)
        self.timer.setInterval(MEDIA_POLL_MS)
        self.timer.timeout.connect(self.refresh)

    def start_polling(self) -> None:
        self.refresh()
        self.timer.start()

    def stop_polling(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True
        self.refresh_button.setEnabled(False)
        (Operation(self, self.scan, tasks=self._tasks)
         .success(self._show)
         .failure(self._failed)
         .finally_(self._done)
         .run())

    def _done(self) -> None:
        self._busy = False
        self.refresh_button.setEnabled(True)

    def _failed(self, failure: Failure) -> None:
        self.state_label.setText(f"<span style='color:{FAILED}'>Could not look for removable "
                                 f"media: {html.escape(failure.message)}</span>")

    def _show(self, media: Sequence[MediumBundles]) -> None:
        media = tuple(media)
        if media != self.media:  # rebuilt only on a change: the scan repeats every few s
            self.media = media
            self._rebuild()
        files = sum(len(m.files) for m in media)
        if not media:
            self.state_label.setText("No removable medium detected. Insert one (it is picked up "
                                     "within a few seconds), or use <i>Import bundle…</i> or "
                                     "drop a file anywhere on this window.")
        else:
            found = "1 removable medium" if len(media) == 1 else f"{len(media)} removable media"
            self.state_label.setText(f"{found} detected, {files} bundle file(s) at the top "
                                     f"level. Click a file to import it.")
        self.scanned.emit(len(media))

    def _rebuild(self) -> None:
        while self.rows_layout.count():
            item = self.rows_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.file_buttons.clear()
        for medium in self.media:
            self.rows_layout.addWidget(self._medium_row(medium))
        self.scroll_area.setVisible(bool(self.media))
        self.rows.adjustSize()
        self.scroll_area.setFixedHeight(min(self.rows.sizeHint().height() + 2, MAX_HEIGHT))

    def _medium_row(self, medium: MediumBundles) -> QWidget:
        """The medium's name, then its files in a grid that wraps (no sideways scrolling)."""
        row = QWidget()
        layout = QGridLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(4)
        title = QLabel(f"<b>{html.escape(medium.name)}</b> <span style='color:#607d8b'>"
                       f"{html.escape(medium.mount_point)} · {size_text(medium.free_bytes)} "
                       f"free</span>")
        title.setObjectName("mediumTitle")
        layout.addWidget(title, 0, 0)
        if medium.error:
            error = QLabel(f"<span style='color:{FAILED}'>{html.escape(medium.error)}</span>")
            layout.addWidget(error, 0, 1, 1, FILES_PER_LINE)
        elif not medium.files:
            layout.addWidget(QLabel("<i>no bundle files (*.tar, *.tar.gz, *.tar.zst, "
                                    "*.dsse.json) at the top level</i>"), 0, 1, 1, FILES_PER_LINE)
        for number, bundle in enumerate(medium.files):
            button = QPushButton(f"⇩ {bundle.name}")
            button.setObjectName("mediaFile")
            button.setToolTip(f"Import {bundle.path} ({size_text(bundle.size)}); it is "
                              f"verified first and nothing is imported if any check fails")
            button.clicked.connect(lambda _=False, p=bundle.path: self.import_requested.emit(p))
            self.file_buttons[bundle.path] = button
            line, column = divmod(number, FILES_PER_LINE)
            layout.addWidget(button, line, 1 + column)
        layout.setColumnStretch(FILES_PER_LINE + 1, 1)
        return row
