"""Export an evidence pack or an auditor bundle (DESIGN §7) to a medium or a folder.

The dialog loads the promotion's evidence state itself (sealed or not, a trust root
or not), so what it offers is what the export service will accept. The export runs
in a worker: the bar follows the bytes written and read back, Cancel stops it at the
next block and the service removes its temporary files, and the result lists what
was written with full digests and the custody receipt recorded in the run.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UsageError
from app.qt.changes import ChangeSet
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.report_pdf import render_report
from app.qt.worker import Worker
from app.screens import session
from app.screens.evidence_lists import discover_media, promotion_ids
from app.screens.evidence_snapshots import (
    AUDITOR_BUNDLE,
    EVIDENCE_PACK,
    EvidenceTimeline,
    load_evidence_timeline,
)
from app.services import exports
from views.common.geometry import fit_window
from views.evidence.marks import GREEN, RED
from views.export_dialog.destination import DestinationChooser, MediaSource
from views.export_dialog.text import human_size, outcome_text, progress_text

SCALE = 1000  # the bar counts per mille: sizes beyond 2 GiB do not fit a QProgressBar int


class ExportDialog(QDialog):
    state_loaded = Signal(object)  # EvidenceTimeline
    finished_export = Signal(object)  # ExportOutcome
    failed_export = Signal(str)  # message

    def __init__(self, ctx: GuiContext, promotion_id: str | None = None,
                 kind: str = EVIDENCE_PACK, *, media_source: MediaSource | None = None,
                 preselect: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export evidence")
        self.setMinimumWidth(720)
        fit_window(self, "export")
        self.ctx = ctx
        self.promotion_id = promotion_id
        self._preselect = preselect  # the promotion to start on when the list is offered
        self.timeline: EvidenceTimeline | None = None
        self.outcome: exports.ExportOutcome | None = None
        self.worker: Worker | None = None
        self._close_when_done = False
        layout = QVBoxLayout(self)
        self.heading = QLabel("Loading the promotion's evidence…")
        self.heading.setObjectName("dialogSubject")
        layout.addWidget(self.heading)
        self.subheading = QLabel()
        layout.addWidget(self.subheading)
        self.promotion_combo = QComboBox()
        self.promotion_combo.setObjectName("exportPromotion")
        self.promotion_combo.currentIndexChanged.connect(self._promotion_chosen)
        if promotion_id is None:
            row = QHBoxLayout()
            row.addWidget(QLabel("Promotion:"))
            row.addWidget(self.promotion_combo, 1)
            layout.addLayout(row)
        else:
            self.promotion_combo.hide()

        what = QGroupBox("What")
        what_layout = QVBoxLayout(what)
        self.kind_group = QButtonGroup(self)
        self.pack_radio = QRadioButton("Evidence pack")
        self.pack_radio.setObjectName("kindEvidence")
        self.auditor_radio = QRadioButton("Auditor bundle — self-contained, for offline audit")
        self.auditor_radio.setObjectName("kindAuditor")
        for button in (self.pack_radio, self.auditor_radio):
            self.kind_group.addButton(button)
            what_layout.addWidget(button)
        self.partial_check = QCheckBox("I understand this pack is PARTIAL: the run is not "
                                       "sealed yet, so it carries no proof chain")
        self.partial_check.setObjectName("confirmPartial")
        what_layout.addWidget(self.partial_check)
        layout.addWidget(what)
        (self.auditor_radio if kind == AUDITOR_BUNDLE else self.pack_radio).setChecked(True)

        self.destination = DestinationChooser(ctx.tasks, media_source or discover_media)
        layout.addWidget(self.destination)

        split_row = QHBoxLayout()
        self.split_check = QCheckBox("Split into parts of at most")
        self.split_check.setObjectName("splitCheck")
        self.split_edit = QLineEdit("4G")
        self.split_edit.setObjectName("splitSize")
        self.split_edit.setAccessibleName("Split size")
        self.split_edit.setMaximumWidth(100)
        self.split_note = QLabel("each part gets its own signed manifest")
        self.split_note.setObjectName("splitNote")
        split_row.addWidget(self.split_check)
        split_row.addWidget(self.split_edit)
        split_row.addWidget(self.split_note, 1)
        layout.addLayout(split_row)

        self.progress = QProgressBar()
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, SCALE)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setObjectName("exportStatus")
        layout.addWidget(self.status)
        self.result_text = QPlainTextEdit()
        self.result_text.setObjectName("exportResult")
        self.result_text.setReadOnly(True)
        self.result_text.setMinimumHeight(150)
        self.result_text.setFont(QFont("DejaVu Sans Mono", 9))
        self.result_text.hide()
        layout.addWidget(self.result_text)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("startExport")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setObjectName("cancelExport")
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeExport")
        for push in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(push)
        layout.addLayout(buttons)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        for signal in (self.kind_group.buttonToggled, self.partial_check.toggled,
                       self.split_check.toggled, self.split_edit.textChanged,
                       self.destination.changed):
            signal.connect(lambda *_: self._update())
        self._update()

    # -- loading --------------------------------------------------------------------------
    def load(self) -> None:
        """Look for media, list promotions (when none was given), load the chosen one."""
        self.destination.refresh_media()
        if self.promotion_id is None:
            site = self.ctx.site
            (Operation(self, lambda: promotion_ids(site), tasks=self.ctx.tasks)
             .success(self._promotions_listed).run())
        else:
            self._load_state()

    def _promotions_listed(self, choices: list[tuple[str, str]]) -> None:
        self.promotion_combo.blockSignals(True)
        for pid, text in choices:
            self.promotion_combo.addItem(text, pid)
        self.promotion_combo.blockSignals(False)
        if choices:
            start = max(0, self.promotion_combo.findData(self._preselect))
            self.promotion_combo.setCurrentIndex(start)
            self._promotion_chosen(start)
        else:
            self.status.setText("There are no promotions to export yet.")

    def _promotion_chosen(self, index: int) -> None:
        self.promotion_id = self.promotion_combo.itemData(index)
        self.timeline = None
        self._update()
        self._load_state()

    def _load_state(self) -> None:
        site, pid, actor = self.ctx.site, self.promotion_id, self.ctx.actor
        if pid is None:
            return
        (Operation(self, lambda: load_evidence_timeline(site, pid, actor), tasks=self.ctx.tasks)
         .success(self._state_loaded)
         .failure(lambda f: self.status.setText(f"Cannot export {pid}: {f.message}"))
         .run())

    def _state_loaded(self, timeline: EvidenceTimeline) -> None:
        if timeline.promotion_id != self.promotion_id:
            return
        self.timeline = timeline
        release = timeline.release
        seal = ("<span style='color:#2e7d32'>sealed</span>" if timeline.sealed else
                "<span style='color:#b26a00'>not sealed yet</span>")
        self.heading.setText(
            f"<b>Export evidence of promotion {html.escape(timeline.promotion_id)}</b> — "
            f"{html.escape(str(release.get('name')))} {html.escape(str(release.get('version')))}"
            f" → {html.escape(timeline.to_env)}")
        self.subheading.setText(f"{timeline.captured_count} evidence item(s), {seal}; acting as "
                                f"<b>{html.escape(self.ctx.actor or '—')}</b>")
        self.pack_radio.setText("Evidence pack" + ("" if timeline.sealed
                                                   else " (partial: marked as such)"))
        self._update()
        self.state_loaded.emit(timeline)

    # -- state of the controls ------------------------------------------------------------
    @property
    def kind(self) -> str:
        return AUDITOR_BUNDLE if self.auditor_radio.isChecked() else EVIDENCE_PACK

    @property
    def running(self) -> bool:
        return self.worker is not None

    def split_size(self) -> int | None:
        """Bytes per part, None when not splitting; raises UsageError on a bad size."""
        if not self.split_check.isChecked():
            return None
        return exports.parse_size(self.split_edit.text())

    def refusal(self) -> str | None:
        """Why Export is disabled now, or None."""
        if self.timeline is None:
            return "loading the promotion's evidence…"
        why = self.timeline.refusal(self.kind)
        if why:
            return why
        if self.kind == EVIDENCE_PACK and not self.timeline.sealed \
                and not self.partial_check.isChecked():
            return "confirm that a partial pack is what you want"
        if self.destination.destination() is None:
            return "choose a removable medium or a folder"
        try:
            self.split_size()
        except UsageError as exc:
            return exc.message
        return None

    def _update(self) -> None:
        running = self.running
        timeline = self.timeline
        auditor_why = timeline.refusal(AUDITOR_BUNDLE) if timeline else "loading…"
        self.auditor_radio.setEnabled(not running and auditor_why is None)
        self.auditor_radio.setToolTip(f"Not now: {auditor_why}" if auditor_why else
                                      "The sealed run with its proof chain, trust root and keys")
        if auditor_why and self.auditor_radio.isChecked() and timeline is not None:
            self.pack_radio.setChecked(True)
        self.pack_radio.setEnabled(not running)
        partial = timeline is not None and not timeline.sealed and self.kind == EVIDENCE_PACK
        self.partial_check.setVisible(partial)
        self.partial_check.setEnabled(not running)
        self.split_edit.setEnabled(self.split_check.isChecked() and not running)
        self.split_check.setEnabled(not running)
        try:
            size = self.split_size()
            self.split_note.setText(f"parts of {human_size(size)}, each with its own signed "
                                    "manifest" if size else "each part gets its own signed "
                                    "manifest")
            self.split_note.setStyleSheet("")
        except UsageError as exc:
            self.split_note.setText(exc.message)
            self.split_note.setStyleSheet(f"color: {RED};")
        self.promotion_combo.setEnabled(not running)
        why = self.refusal()
        self.export_button.setEnabled(not running and why is None)
        self.export_button.setToolTip(f"Not now: {why}" if why else "Write the export")
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)

    # -- the export -------------------------------------------------------------------------
    def start(self) -> None:
        if self.running or self.refusal() is not None or self.promotion_id is None:
            return
        destination = self.destination.destination()
        assert destination is not None
        site, pid, kind, actor = self.ctx.site, self.promotion_id, self.kind, self.ctx.actor or ""
        split = self.split_size()
        partial = self.partial_check.isChecked()
        passphrase = session.passphrase_for(self.ctx.session, actor)

        def job(control):
            who = session.confirm(site, actor, passphrase)  # signs the custody event
            return exports.export(site, pid, kind, destination.folder, who, split_size=split,
                                  allow_partial=partial, medium=destination.medium,
                                  progress=control.progress, cancel=control.cancelled,
                                  renderer=render_report)

        self.outcome = None
        self.result_text.hide()
        self.progress.setRange(0, 0)  # reading the run and rendering the report come first
        self.progress.setFormat("Preparing…")
        self.progress.show()
        self.status.setStyleSheet("")
        self.status.setText("Reading the run and its evidence, rendering the report…")
        self.destination.set_busy(True)
        operation = (Operation(self, job, tasks=self.ctx.tasks)
                     .progress(self._progress)
                     .broadcasts(self.ctx.changes, ChangeSet.run(pid), self)
                     .success(self._done)
                     .failure(self._failed)
                     .finally_(self._ended))
        self.worker = operation.run()
        self._update()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.control.cancel()
            self.status.setText("Cancelling: stopping at the next block and removing the "
                                "temporary files…")
            self.cancel_button.setEnabled(False)

    def _progress(self, value) -> None:
        if self.worker is not None and self.worker.control.cancelled():
            return
        total = max(1, value.total)
        self.progress.setRange(0, SCALE)
        self.progress.setValue(min(SCALE, value.done * SCALE // total))
        self.progress.setFormat(f"{value.done * 100 // total}%")
        self.status.setText(progress_text(value.phase, value.done, value.total))

    def _done(self, outcome: exports.ExportOutcome) -> None:
        self.outcome = outcome
        self.progress.setRange(0, SCALE)
        self.progress.setValue(SCALE)
        self.status.setStyleSheet(f"color: {GREEN}; font-weight: bold;")
        self.status.setText(f"✓ Exported, read back and verified: {outcome.files.archive.name}")
        self.result_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.result_text.setPlainText(outcome_text(outcome))
        self.result_text.show()
        self.adjustSize()
        self.finished_export.emit(outcome)

    def _failed(self, failure: Failure) -> None:
        self.progress.hide()
        self.status.setStyleSheet(f"color: {RED}; font-weight: bold;")
        self.status.setText("✗ Nothing was exported" if "cancelled" in failure.message
                            else "✗ The export failed")
        self.result_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.result_text.setPlainText(failure.message)
        self.result_text.show()
        self.adjustSize()
        self.failed_export.emit(failure.message)

    def _ended(self) -> None:
        self.worker = None
        self.destination.set_busy(False)
        self._update()
        if self._close_when_done:
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:  # never leave an export running behind a closed window
            self._close_when_done = True
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if self.running:
            self.close()
            return
        super().reject()
