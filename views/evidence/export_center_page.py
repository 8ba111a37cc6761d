"""Evidence → Export Center: every export this site wrote, from the signed
chain-of-custody receipts in the runs' events, and the export dialog for a new one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from app.qt.context import GuiContext
from app.screens.evidence_lists import ExportedFile, list_export_files
from views.common.columns import Column
from views.common.format import when
from views.evidence.list_page import ListPage
from views.evidence.marks import GREY, RED
from views.export_dialog.dialog import ExportDialog
from views.export_dialog.text import human_size

COLUMNS: list[Column[ExportedFile]] = [
    Column("Exported", lambda f: when(f.record.at),
           sort=lambda f: f"{f.record.at} {f.record.promotion_id} {f.record.seq:09d}"),
    Column("Promotion", lambda f: f.record.promotion_id, bold=True),
    Column("Kind", lambda f: f.record.bundle + (" (partial)" if f.record.partial else "")),
    Column("By", lambda f: f.record.actor),
    Column("Archive", lambda f: f.record.archive
           + (f" in {len(f.record.parts)} part(s)" if f.record.parts else ""),
           lambda f: f.path),
    Column("Size", lambda f: human_size(f.record.size), sort=lambda f: f.record.size),
    Column("SHA-256", lambda f: f.record.sha256[:16] + "…", lambda f: f.record.sha256),
    Column("Destination", lambda f: f.record.destination
           + (f" (medium {f.record.medium})" if f.record.medium not in (None, "", "/") else ""),
           lambda f: "the files are there" if f.present else "the files are no longer there",
           lambda f: None if f.present else GREY),
    Column("Custody", lambda f: f"event #{f.record.seq}", lambda f: f.record.receipt_digest,
           sort=lambda f: f.record.seq),
]
DESTINATION = 7


class ExportCenterPage(ListPage[ExportedFile]):
    audit_requested = Signal(str)  # path of the archive (or first part)
    timeline_requested = Signal(str)
    export_opened = Signal(object)  # ExportDialog

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Evidence — Export Center", COLUMNS,
                         lambda f: (f.record.promotion_id, f.record.seq), list_export_files,
                         "Nothing exported yet. Export an evidence pack (any time, partial "
                         "until sealed) or an auditor bundle (sealed runs) with New export….",
                         DESTINATION, parent)
        self.table.setObjectName("exportsTable")
        self.set_intro("Every export writes a chain-of-custody receipt, signed by the site key, "
                       "into its run's events: who exported what, when, where, with which "
                       "digests. This list is read from those receipts.")
        self.dialog: ExportDialog | None = None
        self.new_button = QPushButton("New export…")
        self.new_button.setObjectName("newExport")
        self.new_button.clicked.connect(self.new_export)
        self.audit_button = QPushButton("Verify in auditor mode")
        self.audit_button.setObjectName("exportsAudit")
        self.audit_button.clicked.connect(self._audit)
        self.timeline_button = QPushButton("Evidence timeline of its promotion")
        self.timeline_button.clicked.connect(self._timeline)
        for button in (self.new_button, self.audit_button, self.timeline_button):
            self.action_row.addWidget(button)
        self.action_row.addStretch(1)
        self.update_actions()

    def update_actions(self) -> None:
        chosen: ExportedFile | None = self.selected()
        self.timeline_button.setEnabled(chosen is not None)
        self.audit_button.setEnabled(chosen is not None and chosen.present)
        if chosen is None:
            self.audit_button.setToolTip("Select an export first")
        elif not chosen.present:
            self.audit_button.setToolTip(f"{chosen.path} is no longer there (medium removed?)")
            self.audit_button.setStyleSheet(f"color: {RED};")
        else:
            self.audit_button.setToolTip(f"Verify {chosen.path} offline, as an auditor would")
            self.audit_button.setStyleSheet("")

    def new_export(self, promotion_id: str | None = None) -> ExportDialog:
        chosen: ExportedFile | None = self.selected()
        dialog = ExportDialog(self.ctx, promotion_id, parent=self,
                              preselect=chosen.record.promotion_id if chosen else None)
        dialog.finished.connect(lambda _code, d=dialog: self._closed(d))
        self.dialog = dialog
        dialog.open()
        dialog.load()
        self.export_opened.emit(dialog)
        return dialog

    def _closed(self, dialog: ExportDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _audit(self) -> None:
        chosen: ExportedFile | None = self.selected()
        if chosen is not None and chosen.present:
            self.audit_requested.emit(chosen.path)

    def _timeline(self) -> None:
        chosen: ExportedFile | None = self.selected()
        if chosen is not None:
            self.timeline_requested.emit(chosen.record.promotion_id)

