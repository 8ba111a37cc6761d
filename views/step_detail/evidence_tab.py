"""The Evidence tab (seed §14.4): what this checkpoint captured, in every attempt, and
what is still pending — the proof chain until "Seal Evidence" writes it.

Each captured item's receipt is rebuilt and its inclusion proof verified in a
worker, locally, the way an auditor verifies it offline; the table says ✓ only
after that check returned.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
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
from app.screens.evidence_items import ReceiptCheck, verify_receipts
from app.screens.evidence_snapshots import (
    PENDING_SEAL,
    SEAL_TITLE,
    EvidenceEntry,
    EvidenceTimeline,
    load_evidence_timeline,
)
from views.common.columns import Column, RowTableModel
from views.common.page import read_only_table
from views.evidence.marks import (
    GREEN,
    GREY,
    RED,
    entry_attempt,
    entry_colour,
    entry_created,
    entry_created_tip,
    entry_digest,
    entry_log_index,
    entry_mark,
)
from views.evidence.packet_dialog import PacketOpener

NAME, RECEIPT, LOG_INDEX, ATTEMPT, DIGEST, CREATED, KIND = range(7)
NOT_SEALED_TIP = f"Not yet: the proof chain is sealed at “{SEAL_TITLE}”"


def _key(entry: EvidenceEntry) -> object:
    return entry.evidence_id if entry.evidence_id is not None else ("pending", entry.name)


class StepEvidenceTab(QWidget):
    loaded = Signal(object)  # EvidenceTimeline
    receipts_verified = Signal(object)  # dict evidence id -> ReceiptCheck

    def __init__(self, ctx: GuiContext, promotion_id: str, step: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.promotion_id = promotion_id
        self.step = step
        self.timeline: EvidenceTimeline | None = None
        self.receipts: dict[int, ReceiptCheck] = {}
        self.packets = PacketOpener(self, ctx.site, ctx.tasks)
        self.model: RowTableModel[EvidenceEntry] = RowTableModel(self._columns(), _key, self)
        self._build()
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        ctx.changes.changed.connect(self._on_change)

    def _columns(self) -> list[Column[EvidenceEntry]]:
        return [
            Column("Item", lambda e: f"{entry_mark(e)} {e.name}", lambda e: e.note or None,
                   entry_colour, bold=True),
            Column("Receipt", self._receipt_text, self._receipt_tip, self._receipt_colour),
            Column("Log index", entry_log_index),
            Column("Attempt", entry_attempt),
            Column("Digest", entry_digest, lambda e: e.digest or None),
            Column("Created (UTC)", entry_created, entry_created_tip),
            Column("Predicate type", lambda e: e.kind, lambda e: e.kind),
        ]

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.summary = QLabel("Loading the evidence of this checkpoint…")
        self.summary.setObjectName("evidenceSummary")
        layout.addWidget(self.summary)
        self.table = read_only_table(self.model, "stepEvidenceTable",
                                     accessible="Step evidence", stretch=KIND)
        self.table.selectionModel().selectionChanged.connect(self._selection_moved)
        self.table.activated.connect(lambda _index: self.open_packet())
        layout.addWidget(self.table, 1)
        self.proof_line = QLabel()
        self.proof_line.setObjectName("proofChainLine")
        self.proof_line.setWordWrap(True)
        layout.addWidget(self.proof_line)

        box = QGroupBox("Receipt of the selected item (transparency log)")
        box_layout = QVBoxLayout(box)
        self.receipt_status = QLabel("Select a captured item.")
        self.receipt_status.setObjectName("receiptStatus")
        self.receipt_status.setWordWrap(True)
        box_layout.addWidget(self.receipt_status)
        self.receipt_text = QPlainTextEdit()
        self.receipt_text.setObjectName("receiptText")
        self.receipt_text.setReadOnly(True)
        self.receipt_text.setFont(QFont("DejaVu Sans Mono", 8))
        self.receipt_text.setMinimumHeight(80)
        box_layout.addWidget(self.receipt_text)
        layout.addWidget(box, 1)

        row = QHBoxLayout()
        row.addWidget(QLabel("Links:"))
        self.copy_button = QPushButton("Copy digest")
        self.copy_button.setObjectName("copyDigest")
        self.copy_button.clicked.connect(self.copy_digest)
        self.packet_button = QPushButton("Open Evidence Packet")
        self.packet_button.setObjectName("openPacket")
        self.packet_button.clicked.connect(self.open_packet)
        self.proof_button = QPushButton("Open Proof Chain")
        self.proof_button.setObjectName("openProofChain")
        self.proof_button.clicked.connect(self.open_proof_chain)
        for button in (self.copy_button, self.packet_button, self.proof_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self._update_buttons()

    # -- loading ----------------------------------------------------------------------
    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site, pid, actor = self.ctx.site, self.promotion_id, self.ctx.actor
        return lambda: load_evidence_timeline(site, pid, actor)

    def _on_change(self, change: Change) -> None:
        if change.changes.touches(self.promotion_id):
            self.refresh()

    def _loaded(self, timeline: EvidenceTimeline) -> None:
        self.timeline = timeline
        checkpoint = timeline.checkpoint(self.step)
        entries = [e for e in checkpoint.entries if not e.is_export]
        selected = self.selected()
        self.model.set_rows(entries)
        captured = [e for e in entries if e.captured]
        attempts = len({e.attempt for e in captured})
        if captured:
            self.summary.setText(f"<b>Evidence captured</b> — {len(captured)} item(s) in "
                                 f"{attempts} attempt(s); re-runs keep earlier items.")
        elif entries:
            self.summary.setText("<b>Evidence</b> — nothing captured yet at this checkpoint.")
        else:
            self.summary.setText(f"<b>Evidence</b> — {html.escape(checkpoint.note)}.")
        self.table.setVisible(bool(entries))
        self.proof_line.setText(_proof_line(timeline, self.step))
        if selected is not None and (row := self.model.row_of(_key(selected))) is not None:
            self.table.selectRow(row)
        elif captured:
            self.table.selectRow(entries.index(captured[0]))
        self._update_buttons()
        self._verify(captured)
        self.loaded.emit(timeline)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(f"<span style='color:{RED}'>Could not load the evidence: "
                             f"{html.escape(failure.message)}</span>")

    def _verify(self, captured: list[EvidenceEntry]) -> None:
        todo = [(e.evidence_id, e.log_index) for e in captured
                if e.evidence_id is not None and e.log_index is not None
                and e.evidence_id not in self.receipts]
        if not todo:
            self._show_receipt()
            self.receipts_verified.emit(dict(self.receipts))
            return
        site = self.ctx.site
        (Operation(self, lambda: verify_receipts(site, todo), tasks=self.ctx.tasks)
         .success(self._verified)
         .failure(lambda f: self.receipt_status.setText(
             f"<span style='color:{RED}'>Could not check receipts: "
             f"{html.escape(f.message)}</span>"))
         .run())

    def _verified(self, checks: dict[int, ReceiptCheck]) -> None:
        self.receipts.update(checks)
        self.model.refresh_column(RECEIPT)
        self._show_receipt()
        self.receipts_verified.emit(dict(self.receipts))

    # -- receipts ---------------------------------------------------------------------
    def _receipt_text(self, entry: EvidenceEntry) -> str:
        if not entry.captured or entry.evidence_id is None:
            return "—"
        check = self.receipts.get(entry.evidence_id)
        if check is None:
            return "checking…"
        return "✓ verified" if check.ok else "✗ failed"

    def _receipt_tip(self, entry: EvidenceEntry) -> str | None:
        check = self.receipts.get(entry.evidence_id) if entry.evidence_id is not None else None
        return check.message if check else None

    def _receipt_colour(self, entry: EvidenceEntry) -> str | None:
        check = self.receipts.get(entry.evidence_id) if entry.evidence_id is not None else None
        return GREY if check is None else (GREEN if check.ok else RED)

    def _show_receipt(self) -> None:
        entry = self.selected()
        if entry is None or not entry.captured or entry.evidence_id is None:
            self.receipt_status.setText("Select a captured item to see its receipt.")
            self.receipt_text.clear()
            return
        check = self.receipts.get(entry.evidence_id)
        if check is None:
            self.receipt_status.setText("Verifying the inclusion proof…")
            self.receipt_text.clear()
            return
        colour, word = (GREEN, "✓ Inclusion verified locally") if check.ok \
            else (RED, "✗ Receipt does NOT verify")
        self.receipt_status.setText(f"<span style='color:{colour}'><b>{word}</b></span> — "
                                    f"{html.escape(check.message)}")
        self.receipt_text.setPlainText(
            f"logOrigin      {check.log_origin}\nlogIndex       {check.log_index}\n"
            f"treeSize       {check.tree_size}\nleafHash       {check.leaf_hash}\n"
            f"inclusionProof {check.proof_length} hash(es)\ncheckpoint:\n{check.checkpoint}")

    # -- selection and actions ----------------------------------------------------------
    def selected(self) -> EvidenceEntry | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model else []
        return self.model.row(rows[0].row()) if rows else None

    def _selection_moved(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_receipt()
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = self.selected()
        captured = entry is not None and entry.captured and entry.evidence_id is not None
        self.copy_button.setEnabled(bool(entry and entry.digest))
        self.packet_button.setEnabled(captured)
        self.packet_button.setToolTip("Show the selected item's signed statement" if captured
                                      else "Select a captured item first")
        sealed = self.timeline is not None and self.timeline.seal is not None
        self.proof_button.setEnabled(sealed)
        self.proof_button.setToolTip("Show the signed proof chain that seals this run" if sealed
                                     else NOT_SEALED_TIP)

    def copy_digest(self) -> None:
        entry = self.selected()
        if entry is not None and entry.digest:
            QGuiApplication.clipboard().setText(entry.digest)

    def open_packet(self) -> None:
        entry = self.selected()
        if entry is not None and entry.captured and entry.evidence_id is not None:
            self.packets.open(self.promotion_id, entry.evidence_id)

    def open_proof_chain(self) -> None:
        seal = self.timeline.seal if self.timeline else None
        if seal is not None and seal.evidence_id is not None:
            self.packets.open(self.promotion_id, seal.evidence_id, "Proof chain")


def _proof_line(timeline: EvidenceTimeline, step: str) -> str:
    seal = timeline.seal
    if seal is None:
        return (f"<span style='color:{GREY}'><b>○</b></span> Proof chain: "
                f"{html.escape(PENDING_SEAL)} step")
    mine = [e for e in timeline.checkpoint(step).captured if e.sealed]
    which = (f"seals this step's {len(mine)} item(s)" if mine else
             "this step has no sealed items")
    return (f"<span style='color:{GREEN}'><b>✓</b></span> Proof chain: sealed at "
            f"“{html.escape(SEAL_TITLE)}” — log index {seal.log_index}, "
            f"<span title='{html.escape(seal.digest)}'>{html.escape(entry_digest(seal))}</span>; "
            f"{which}")

