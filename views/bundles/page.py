"""Bundles / Import: the trust root in force, removable media with their bundle files,
the import in progress, and every bundle imported so far.

Three doors lead to the same import: the file dialog, a drop anywhere on the main
window and a click on a file of a detected medium. Each import is verified in a
worker with a progress bar and Cancel, then its verification report is shown.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import Refresher
from app.screens.import_jobs import (
    CANCELLED,
    CONFIRM_FIRST_ROOT,
    IMPORTED,
    BundlesSnapshot,
    ImportOutcome,
    ImportRequest,
    load_bundles_snapshot,
    scan_media,
)
from app.screens.snapshots import NO_ACTOR
from views.bundles.importer import BundleImporter
from views.bundles.media_strip import MediaScan, MediaStrip
from views.bundles.model import (
    IMPORTED_AT,
    LABEL,
    OVERRIDE,
    BundleFilterProxy,
    BundleTableModel,
)
from views.bundles.trust_panel import TrustRootPanel
from views.common.page import LIST_ROWS, read_only_table
from views.import_dialog.dialog import ImportReportDialog
from views.import_dialog.first_root import FirstRootDialog
from views.import_dialog.text import FAILED, PASSED, progress_text

FILE_FILTER = ("Bundles and trust roots (*.tar *.tar.gz *.tar.zst *.dsse.json);;"
               "All files (*)")
LABEL_WIDTH = 230


class BundlesPage(QWidget):
    report_shown = Signal(object)  # ImportReportDialog or FirstRootDialog
    import_done = Signal(object)  # ImportOutcome
    import_failed = Signal(str)  # the message shown
    loaded = Signal(object)  # BundlesSnapshot

    def __init__(self, ctx: GuiContext, media_scan: MediaScan = scan_media,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bundlesPage")
        self.ctx = ctx
        self.snapshot: BundlesSnapshot | None = None
        self.dialogs: list[QDialog] = []
        self._quiet: set[ImportRequest] = set()
        self._last_folder = ""
        self.importer = BundleImporter(ctx, self)
        self.model = BundleTableModel(self)
        self.proxy = BundleFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._refresher = Refresher(self, self._job, self._loaded, self._load_failed, ctx.tasks)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.addLayout(self._title_row())
        self.trust_panel = TrustRootPanel()
        layout.addWidget(self.trust_panel)
        self.media = MediaStrip(ctx.tasks, media_scan)
        self.media.import_requested.connect(lambda path: self.import_files([path]))
        layout.addWidget(self.media)
        layout.addWidget(self._progress_row())
        self.status_label = QLabel()
        self.status_label.setObjectName("importStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.hide()
        layout.addWidget(self.status_label)
        heading = QHBoxLayout()
        self.count_label = QLabel("Imported bundles")
        self.count_label.setObjectName("sectionTitle")
        self.count_label.setStyleSheet("font-weight: bold; color: #37474f;")
        heading.addWidget(self.count_label)
        heading.addStretch(1)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("bundleFilter")
        self.filter_edit.setAccessibleName("Filter bundles")
        self.filter_edit.setPlaceholderText("Filter (kind, name, key, digest, user…)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(280)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        heading.addWidget(self.filter_edit)
        layout.addLayout(heading)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.list_stack = QStackedWidget()  # the table, or what to do when it is empty
        self.list_stack.addWidget(self._table())
        self.list_stack.addWidget(self.empty_label)
        layout.addWidget(self.list_stack, 1)

        self.importer.started.connect(self._import_started)
        self.importer.progress.connect(self._import_progress)
        self.importer.finished.connect(self._import_finished)
        self.importer.failed.connect(self._import_refused)
        self.importer.idle.connect(self.progress_frame.hide)
        ctx.changes.changed.connect(self._on_change)

    # -- building -------------------------------------------------------------------
    def _title_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Bundles / Import")
        title.setObjectName("pageTitle")
        row.addWidget(title)
        hint = QLabel("Signed offline bundles: verified against the trust root before "
                      "anything is imported. Drop a file anywhere on this window to import it.")
        hint.setStyleSheet("color: #607d8b;")
        hint.setWordWrap(True)
        row.addWidget(hint, 1)
        self.import_button = QPushButton("Import bundle…")
        self.import_button.setObjectName("importBundle")
        self.import_button.setToolTip("Choose bundle files (or a trust-root .dsse.json) to "
                                      "verify and import")
        self.import_button.clicked.connect(self.choose_files)
        row.addWidget(self.import_button)
        return row

    def _progress_row(self) -> QFrame:
        self.progress_frame = QFrame()
        self.progress_frame.setObjectName("importProgress")
        row = QHBoxLayout(self.progress_frame)
        row.setContentsMargins(0, 2, 0, 2)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("importProgressLabel")
        row.addWidget(self.progress_label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("importProgressBar")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMinimumWidth(320)
        row.addWidget(self.progress_bar, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setToolTip("Stop verifying; nothing of this bundle is imported")
        self.cancel_button.clicked.connect(self.cancel_import)
        row.addWidget(self.cancel_button)
        self.progress_frame.hide()
        return self.progress_frame

    def _table(self) -> QTableView:
        self.table = read_only_table(self.proxy, "bundlesTable", accessible="Imported bundles",
                                     stretch=OVERRIDE, sortable=True, min_rows=LIST_ROWS)
        self.table.sortByColumn(IMPORTED_AT, Qt.SortOrder.DescendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(60)
        return self.table

    # -- loading --------------------------------------------------------------------
    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site = self.ctx.site
        return lambda: load_bundles_snapshot(site)

    def _on_change(self, change: Change) -> None:
        changes = change.changes
        if changes.bundles or changes.promotion_list or changes.users:
            self.refresh()

    def _loaded(self, snapshot: BundlesSnapshot) -> None:
        self.snapshot = snapshot
        self.trust_panel.show_root(snapshot.trust_root)
        self.model.set_rows(snapshot.rows, snapshot.key_names)
        self.table.resizeColumnToContents(LABEL)  # long labels elide; the tooltip has them
        self.table.setColumnWidth(LABEL, min(self.table.columnWidth(LABEL), LABEL_WIDTH))
        count = len(snapshot.rows)
        self.count_label.setText(f"Imported bundles ({count})")
        self.list_stack.setCurrentWidget(self.table if count else self.empty_label)
        if not count:
            first = ("Import the trust root first, then the bundles it signs."
                     if snapshot.trust_root is None else
                     "Import one with <i>Import bundle…</i>, from a removable medium above, "
                     "or by dropping a file on this window.")
            self.empty_label.setText(f"No bundle has been imported yet. {first}")
        self.loaded.emit(snapshot)

    def _load_failed(self, failure: Failure) -> None:
        self.trust_panel.show_error(failure.message)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.media.start_polling()

    def hideEvent(self, event: QHideEvent) -> None:
        self.media.stop_polling()
        super().hideEvent(event)

    # -- importing ------------------------------------------------------------------
    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import bundles", self._last_folder,
                                                FILE_FILTER)
        if paths:
            self._last_folder = str(Path(paths[0]).parent)
            self.import_files(paths)

    def import_files(self, paths: Sequence[str]) -> None:
        """Import each file in turn; with several, only rejections open a report."""
        if not self.ctx.actor:
            self._refuse(f"To import bundles, {NO_ACTOR}.")
            return
        for path in paths:
            request = ImportRequest(str(path))
            if len(paths) > 1:
                self._quiet.add(request)
            self.importer.enqueue(request)

    def cancel_import(self) -> None:
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling…")
        self._quiet.clear()  # the waiting imports are dropped with the running one
        self.importer.cancel()

    def _import_started(self, request: ImportRequest) -> None:
        waiting = self.importer.waiting
        more = f" ({waiting} more waiting)" if waiting else ""
        self.progress_label.setText(f"Verifying <b>{html.escape(request.file_name)}</b>{more}")
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("starting…")
        self.cancel_button.setEnabled(True)
        self.progress_frame.show()

    def _import_progress(self, value: tuple[int, int]) -> None:
        done, total = value
        self.progress_bar.setValue(int(done * 1000 // total) if total else 1000)
        self.progress_bar.setFormat(progress_text(done, total))

    def _import_finished(self, outcome: ImportOutcome) -> None:
        quiet = outcome.request in self._quiet
        self._quiet.discard(outcome.request)
        name = html.escape(outcome.request.file_name)
        if outcome.status == CANCELLED:
            self._status(f"{name}: {html.escape(outcome.message)}", "#455a64")
        elif outcome.status == CONFIRM_FIRST_ROOT and outcome.root_preview is not None:
            self._status(f"{name}: waiting for you to confirm the trust root's fingerprint.",
                         "#455a64")
            self._ask_first_root(outcome)
        elif outcome.status == IMPORTED:
            self._status(f"✓ {name}: {html.escape(outcome.message)}", PASSED)
            if not quiet:
                self._show_report(outcome)
        else:
            self._status(f"✗ {name} rejected: {html.escape(outcome.rule_title or '')} — "
                         f"{html.escape(outcome.message)}", FAILED)
            self._show_report(outcome)
        self.import_done.emit(outcome)

    def _import_refused(self, request: ImportRequest, failure: Failure) -> None:
        self._quiet.discard(request)
        self._refuse(f"{request.file_name}: {failure.message}", failure)

    def _refuse(self, message: str, failure: Failure | None = None) -> None:
        self._status(html.escape(message), FAILED)
        self.ctx.errors.report(failure or Failure(message, "Not allowed now", "NotNow", True))
        self.import_failed.emit(message)

    def _status(self, text: str, colour: str) -> None:
        self.status_label.setText(f"<span style='color:{colour}'>{text}</span>")
        self.status_label.show()

    # -- dialogs --------------------------------------------------------------------
    def _show_report(self, outcome: ImportOutcome) -> ImportReportDialog:
        names = dict(self.snapshot.key_names) if self.snapshot else {}
        dialog = ImportReportDialog(outcome, names, self)
        dialog.allow_older_requested.connect(self.importer.enqueue)
        self._open(dialog)
        return dialog

    def _ask_first_root(self, outcome: ImportOutcome) -> None:
        assert outcome.root_preview is not None
        dialog = FirstRootDialog(outcome.request.file_name, outcome.root_preview, self)
        request = ImportRequest(outcome.request.path, confirmed_first_root=True)
        dialog.accepted.connect(lambda: self.importer.enqueue(request))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs.append(dialog)
        dialog.destroyed.connect(lambda _=None, d=dialog: self._forget(d))
        dialog.open()
        self.report_shown.emit(dialog)

    def _forget(self, dialog: QWidget) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
