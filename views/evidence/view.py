"""Evidence Timeline (seed §14.7): per promotion, the evidence of every checkpoint in
run order — what exists now (✓), what is still pending (○), what seals at finalize
(the proof chain, the auditor bundle, a complete evidence pack) — and the actions
Open Evidence Packet, Open Proof Chain, Export Pack (partial), Generate Auditor
Bundle, each enabled exactly when it can work and saying why otherwise.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.screens.evidence_snapshots import (
    AUDITOR_BUNDLE,
    EVIDENCE_PACK,
    SEAL_TITLE,
    EvidenceEntry,
    EvidenceTimeline,
    load_evidence_timeline,
)
from views.common.format import short, when
from views.common.page import read_only_tree
from views.common.palette import status_badge_css
from views.evidence.marks import AMBER, GREEN, GREY
from views.evidence.model import (
    ATTEMPT,
    CREATED,
    DIGEST,
    KIND,
    LOG_INDEX,
    NAME,
    NOTE,
    STATE,
    EvidenceTreeModel,
)
from views.evidence.packet_dialog import PacketOpener
from views.export_dialog.dialog import ExportDialog


class EvidenceTimelineView(QWidget):
    loaded = Signal(object)  # EvidenceTimeline
    export_opened = Signal(object)  # ExportDialog

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._pid: str | None = None
        self.timeline: EvidenceTimeline | None = None
        self.export_dialog: ExportDialog | None = None
        self.packets = PacketOpener(self, ctx.site, ctx.tasks)
        self.model = EvidenceTreeModel(self)
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        self.stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.empty = QLabel("Choose a promotion to see its evidence.")
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack.addWidget(self.empty)
        self.content = QWidget()
        self.stack.addWidget(self.content)
        self._build()
        ctx.changes.changed.connect(self._on_change)
        # a bound slot, not a lambda: Qt drops the connection when this view is deleted
        ctx.actor_changed.connect(self._actor_changed)

    def _build(self) -> None:
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("runTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.seal_badge = QLabel()
        self.seal_badge.setObjectName("sealBadge")
        top.addWidget(self.seal_badge)
        layout.addLayout(top)
        self.seal_line = QLabel()
        self.seal_line.setObjectName("sealLine")
        self.seal_line.setWordWrap(True)
        layout.addWidget(self.seal_line)
        self.legend = QLabel(
            f"<span style='color:{GREEN}'><b>✓</b></span> exists now &nbsp; "
            f"<span style='color:{GREY}'><b>○</b></span> pending — captured when its step "
            f"runs, or sealed at finalize (“{SEAL_TITLE}”: proof chain, auditor bundle, "
            "complete evidence pack)")
        self.legend.setObjectName("evidenceLegend")
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)
        self.tree = read_only_tree(self.model, "evidenceTree", "Evidence timeline")
        header = self.tree.header()
        # every column on screen at 1366 px: the note takes what is left (its tooltip has
        # it whole); a fixed last column no longer ran off the edge as "edicate ty"
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NOTE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((NAME, 250), (STATE, 90), (DIGEST, 140), (LOG_INDEX, 75),
                              (ATTEMPT, 70), (CREATED, 145), (KIND, 230)):
            self.tree.setColumnWidth(column, width)
        self.tree.selectionModel().selectionChanged.connect(self._selection_moved)
        self.tree.activated.connect(lambda _index: self.open_packet())
        layout.addWidget(self.tree, 1)
        self.load_error = QLabel()
        self.load_error.setObjectName("loadError")
        self.load_error.setWordWrap(True)
        self.load_error.hide()
        layout.addWidget(self.load_error)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Actions:</b>"))
        self.packet_button = QPushButton("Open Evidence Packet")
        self.packet_button.setObjectName("timelineOpenPacket")
        self.packet_button.clicked.connect(self.open_packet)
        self.proof_button = QPushButton("Open Proof Chain")
        self.proof_button.setObjectName("timelineOpenProof")
        self.proof_button.clicked.connect(self.open_proof_chain)
        self.pack_button = QPushButton("Export Pack (partial)")
        self.pack_button.setObjectName("exportPack")
        self.pack_button.clicked.connect(lambda: self.open_export(EVIDENCE_PACK))
        self.auditor_button = QPushButton("Generate Auditor Bundle")
        self.auditor_button.setObjectName("generateAuditor")
        self.auditor_button.clicked.connect(lambda: self.open_export(AUDITOR_BUNDLE))
        for button in (self.packet_button, self.proof_button, self.pack_button,
                       self.auditor_button):
            row.addWidget(button)
        row.addStretch(1)
        self.exports_label = QLabel()
        self.exports_label.setObjectName("exportsLabel")
        row.addWidget(self.exports_label)
        layout.addLayout(row)
        self._update_buttons()

    # -- what is shown --------------------------------------------------------------------
    @property
    def promotion_id(self) -> str | None:
        return self._pid

    def show_promotion(self, promotion_id: str | None) -> None:
        if promotion_id == self._pid:
            return
        self._pid = promotion_id
        self.timeline = None
        self.model.set_checkpoints(())
        self._update_buttons()
        if promotion_id is None:
            self.empty.setText("Choose a promotion to see its evidence.")
            self.stack.setCurrentWidget(self.empty)
            return
        self.empty.setText(f"Loading the evidence of {promotion_id}…")
        self.stack.setCurrentWidget(self.empty)
        self.refresh()

    def _actor_changed(self, _name: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site, pid, actor = self.ctx.site, self._pid, self.ctx.actor
        if pid is None:
            return None
        return lambda: load_evidence_timeline(site, pid, actor)

    def _on_change(self, change: Change) -> None:
        if change.changes.touches(self._pid):
            self.refresh()

    def _loaded(self, timeline: EvidenceTimeline) -> None:
        if timeline.promotion_id != self._pid:
            return
        selected = self.selected()
        self.timeline = timeline
        self.load_error.hide()
        release = {k: html.escape(str(v)) for k, v in timeline.release.items()}
        self.title.setText(
            f"<b>Evidence Timeline — Promotion {html.escape(timeline.promotion_id)}</b> &nbsp; "
            f"{release.get('name')} <b>{release.get('version')}</b> → "
            f"{html.escape(timeline.to_env)} &nbsp; <span style='color:#546e7a'>manifest "
            f"{short(str(timeline.release.get('digest', '')))}</span>")
        self.seal_badge.setText("SEALED" if timeline.sealed else "NOT SEALED")
        self.seal_badge.setStyleSheet(status_badge_css("succeeded" if timeline.sealed
                                                       else "warned"))
        self.seal_line.setText(_seal_text(timeline))
        self.model.set_checkpoints(timeline.checkpoints)
        self.tree.expandAll()
        if selected is not None:
            self._reselect(selected)
        exported = len(timeline.exports)
        self.exports_label.setText(f"{exported} export(s) recorded in the chain of custody"
                                   if exported else "no export recorded yet")
        self.stack.setCurrentWidget(self.content)
        self._update_buttons()
        self.loaded.emit(timeline)

    def _failed(self, failure: Failure) -> None:
        if self.timeline is None:
            self.empty.setText(f"Cannot show the evidence of {self._pid}: {failure.message}")
            self.stack.setCurrentWidget(self.empty)
            return
        self.load_error.setText(f"Could not refresh: {failure.message}")
        self.load_error.show()

    # -- selection ----------------------------------------------------------------------
    def selected(self) -> EvidenceEntry | None:
        model = self.tree.selectionModel()
        rows = model.selectedRows() if model else []
        return self.model.entry(rows[0]) if rows else None

    def select_entry(self, step: str, name: str, evidence_id: int | None = None) -> bool:
        """Select the entry ``name`` of ``step`` (of that evidence id, when one is given)."""
        row = self.model.checkpoint_row(step)
        if row is None:
            return False
        parent = self.model.index(row, 0)
        for child in range(self.model.rowCount(parent)):
            entry = self.model.entry(self.model.index(child, 0, parent))
            if entry is not None and entry.name == name \
                    and evidence_id in (None, entry.evidence_id):
                self.tree.setCurrentIndex(self.model.index(child, 0, parent))
                return True
        return False

    def _reselect(self, previous: EvidenceEntry) -> None:
        """After a reload, keep the same entry selected (a pending one may now be captured)."""
        if not self.select_entry(previous.step, previous.name, previous.evidence_id) \
                and not self.select_entry(previous.step, previous.name):
            self.tree.clearSelection()

    def _selection_moved(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        timeline = self.timeline
        entry = self.selected()
        captured = entry is not None and entry.evidence_id is not None
        self.packet_button.setEnabled(captured)
        self.packet_button.setToolTip("Show the selected item's signed statement" if captured
                                      else "Select a captured evidence item (✓) first")
        sealed = timeline is not None and timeline.seal is not None
        self.proof_button.setEnabled(sealed)
        self.proof_button.setToolTip("Show the proof chain that seals this run" if sealed else
                                     f"Not yet: the proof chain is sealed at “{SEAL_TITLE}”")
        pack_why = timeline.refusal(EVIDENCE_PACK) if timeline else "loading…"
        self.pack_button.setText("Export Evidence Pack" if sealed else "Export Pack (partial)")
        self.pack_button.setEnabled(pack_why is None)
        self.pack_button.setToolTip(
            f"Not now: {pack_why}" if pack_why else
            ("Export the sealed evidence pack" if sealed else
             "Export what exists now, marked partial: the run is not sealed yet"))
        auditor_why = timeline.refusal(AUDITOR_BUNDLE) if timeline else "loading…"
        self.auditor_button.setEnabled(auditor_why is None)
        self.auditor_button.setToolTip(
            f"Not now: {auditor_why}" if auditor_why else
            "Write a self-contained auditor bundle: evidence, receipts, proof chain, trust root")

    # -- actions ------------------------------------------------------------------------
    def open_packet(self) -> None:
        entry = self.selected()
        if entry is not None and entry.evidence_id is not None and self._pid:
            self.packets.open(self._pid, entry.evidence_id)

    def open_proof_chain(self) -> None:
        seal = self.timeline.seal if self.timeline else None
        if seal is not None and seal.evidence_id is not None and self._pid:
            self.packets.open(self._pid, seal.evidence_id, "Proof chain")

    def open_export(self, kind: str) -> ExportDialog | None:
        if self._pid is None or self.timeline is None or self.timeline.refusal(kind):
            return None
        dialog = ExportDialog(self.ctx, self._pid, kind, parent=self)
        dialog.finished.connect(lambda _code, d=dialog: self._export_closed(d))
        self.export_dialog = dialog
        dialog.open()
        dialog.load()
        self.export_opened.emit(dialog)
        return dialog

    def _export_closed(self, dialog: ExportDialog) -> None:
        if self.export_dialog is dialog:
            self.export_dialog = None
        dialog.deleteLater()


def _seal_text(timeline: EvidenceTimeline) -> str:
    seal = timeline.seal
    if seal is None:
        return (f"<span style='color:{AMBER}'>Not sealed yet</span> — "
                f"{timeline.captured_count} item(s) exist now and can be exported as a "
                f"<b>partial</b> pack; the proof chain, the auditor bundle and a complete pack "
                f"come at “{SEAL_TITLE}”.")
    return (f"<span style='color:{GREEN}'>Sealed {when(seal.created_at)}</span> — proof chain "
            f"at log index {seal.log_index} ({html.escape(short(seal.digest))}) signed by the "
            f"site key over {timeline.sealed_count} item(s) and the event chain.")
