"""Where an export goes: a detected removable medium (looked up in a worker, shown with
its label and free space) or any folder the operator picks."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.worker import TaskManager
from app.screens.evidence_lists import Medium, discover_media
from views.export_dialog.text import human_size

MediaSource = Callable[[], list[Medium]]


@dataclass(frozen=True)
class Destination:
    folder: Path
    medium: Medium | None  # the medium chosen, or None for a plain folder


def medium_text(medium: Medium) -> str:
    return (f"{medium.name} — {medium.mount_point} ({human_size(medium.free_bytes)} free of "
            f"{human_size(medium.total_bytes)}, {medium.filesystem})")


class DestinationChooser(QGroupBox):
    changed = Signal()
    media_loaded = Signal(int)  # how many removable media were found

    def __init__(self, tasks: TaskManager | None, media_source: MediaSource = discover_media,
                 parent: QWidget | None = None) -> None:
        super().__init__("Destination", parent)
        self._tasks = tasks
        self._media_source = media_source
        self._media: list = []
        self._looking = False
        grid = QGridLayout(self)
        self.group = QButtonGroup(self)
        self.medium_radio = QRadioButton("Removable medium:")
        self.medium_radio.setObjectName("destMedium")
        self.folder_radio = QRadioButton("Folder:")
        self.folder_radio.setObjectName("destFolder")
        self.group.addButton(self.medium_radio)
        self.group.addButton(self.folder_radio)
        self.media_combo = QComboBox()
        self.media_combo.setObjectName("mediaCombo")
        self.media_combo.setMinimumWidth(380)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("mediaRefresh")
        self.refresh_button.setToolTip("Look for removable media again (after inserting one)")
        self.media_state = QLabel()
        self.media_state.setObjectName("mediaState")
        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("folderEdit")
        self.folder_edit.setPlaceholderText("a folder on any disk or medium")
        self.browse_button = QPushButton("Choose…")
        self.browse_button.setObjectName("folderBrowse")
        grid.addWidget(self.medium_radio, 0, 0)
        grid.addWidget(self.media_combo, 0, 1)
        grid.addWidget(self.refresh_button, 0, 2)
        grid.addWidget(self.media_state, 1, 1, 1, 2)
        grid.addWidget(self.folder_radio, 2, 0)
        grid.addWidget(self.folder_edit, 2, 1)
        grid.addWidget(self.browse_button, 2, 2)
        grid.setColumnStretch(1, 1)
        self.refresh_button.clicked.connect(self.refresh_media)
        self.browse_button.clicked.connect(self.choose_folder)
        self.folder_edit.textChanged.connect(self._folder_typed)
        self.group.buttonToggled.connect(lambda *_: self._apply())
        self.media_combo.currentIndexChanged.connect(lambda *_: self._apply())
        self.folder_radio.setChecked(True)

    # -- media --------------------------------------------------------------------------
    def refresh_media(self) -> None:
        if self._looking:
            return
        self._looking = True
        self.media_state.setText("Looking for removable media…")
        self.refresh_button.setEnabled(False)
        (Operation(self, self._media_source, tasks=self._tasks)
         .success(self._media_found)
         .failure(self._media_failed)
         .finally_(self._media_done)
         .run())

    def _media_found(self, media: list) -> None:
        chosen = self.destination()
        self._media = list(media)
        self.media_combo.blockSignals(True)
        self.media_combo.clear()
        for medium in self._media:
            self.media_combo.addItem(medium_text(medium))
        self.media_combo.blockSignals(False)
        if self._media:
            self.media_state.setText(f"{len(self._media)} removable medium/media detected.")
            if chosen is None or self.medium_radio.isChecked() or not self.folder_edit.text():
                self.medium_radio.setChecked(True)
        else:
            self.media_state.setText("No removable medium is mounted: insert one and press "
                                     "Refresh, or choose a folder.")
            self.folder_radio.setChecked(True)
        self._apply()
        self.media_loaded.emit(len(self._media))

    def _media_failed(self, failure: Failure) -> None:
        self.media_state.setText(f"Could not look for media: {html.escape(failure.message)}")

    def _media_done(self) -> None:
        self._looking = False
        self.refresh_button.setEnabled(True)

    # -- folder -----------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into folder",
                                                  self.folder_edit.text())
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        self.folder_edit.setText(folder)
        self.folder_radio.setChecked(True)

    def _folder_typed(self, _text: str) -> None:
        if self.folder_edit.hasFocus():
            self.folder_radio.setChecked(True)
        self._apply()

    # -- state ------------------------------------------------------------------------
    def _apply(self) -> None:
        has_media = bool(self._media)
        self.medium_radio.setEnabled(has_media)
        self.media_combo.setEnabled(has_media and self.medium_radio.isChecked())
        self.changed.emit()

    def set_busy(self, busy: bool) -> None:
        for widget in (self.medium_radio, self.folder_radio, self.media_combo,
                       self.refresh_button, self.folder_edit, self.browse_button):
            widget.setEnabled(not busy)
        if not busy:
            self._apply()

    def destination(self) -> Destination | None:
        if self.medium_radio.isChecked() and self._media:
            index = self.media_combo.currentIndex()
            if 0 <= index < len(self._media):
                medium = self._media[index]
                return Destination(Path(medium.mount_point), medium)
            return None
        text = self.folder_edit.text().strip()
        return Destination(Path(text).expanduser(), None) if text else None
