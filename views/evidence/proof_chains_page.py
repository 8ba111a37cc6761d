"""Evidence → Proof Chains: the signed seal of every sealed promotion — when it was
sealed, how many items it lists in log order, the event-chain head and the log
checkpoint it commits to — with the sealed items of the selected one below."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QWidget,
)

from app.qt.context import GuiContext
from app.screens.evidence_lists import ProofChainRow, SealedItem, list_proof_chains
from views.common.columns import Column, RowTableModel
from views.common.format import short, when
from views.common.page import read_only_table
from views.evidence.list_page import ListPage
from views.evidence.packet_dialog import PacketOpener

COLUMNS: list[Column[ProofChainRow]] = [
    Column("Promotion", lambda r: r.promotion_id, bold=True),
    Column("Release", lambda r: r.release),
    Column("Run", lambda r: r.status.upper()),
    Column("Sealed", lambda r: when(r.sealed_at), sort=lambda r: r.sealed_at),
    Column("Items", lambda r: str(len(r.items)), sort=lambda r: len(r.items)),
    Column("Event chain", lambda r: f"{r.event_count} events, head {r.event_head[:12]}…",
           lambda r: r.event_head),
    Column("Checkpoint", lambda r: f"{r.checkpoint_size} entries",
           sort=lambda r: r.checkpoint_size),
    Column("Log index", lambda r: str(r.record.log_index), sort=lambda r: r.record.log_index),
    Column("Digest", lambda r: short(r.record.digest), lambda r: r.record.digest),
]
ITEM_COLUMNS: list[Column[SealedItem]] = [
    Column("#", lambda i: str(i.log_index), sort=lambda i: i.log_index),
    Column("Step", lambda i: i.step),
    Column("Evidence", lambda i: i.name, bold=True),
    Column("Digest", lambda i: i.digest),
]
DIGEST = 8


class ProofChainsPage(ListPage[ProofChainRow]):
    timeline_requested = Signal(str)

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Evidence — Proof Chains", COLUMNS, lambda r: r.record.id,
                         list_proof_chains,
                         "No promotion is sealed yet: “Seal Evidence”, the last step before "
                         "completion, writes the proof chain.", DIGEST, parent)
        self.table.setObjectName("proofChainsTable")
        self.set_intro("Each proof chain is a statement signed by the site key listing every "
                       "evidence digest of the run in log order, the head of the run's event "
                       "hash chain and the signed log checkpoint — the seal an auditor checks.")
        self.packets = PacketOpener(self, ctx.site, ctx.tasks)
        self.items_label = QLabel()
        self.items = RowTableModel(ITEM_COLUMNS, lambda i: i.log_index, self)
        self.items_view = read_only_table(self.items, "sealedItemsTable",
                                          accessible="Proof chain items")
        self.items_view.setMaximumHeight(170)
        layout = self.page_layout
        layout.insertWidget(layout.indexOf(self.empty_label) + 1, self.items_label)
        layout.insertWidget(layout.indexOf(self.items_label) + 1, self.items_view)
        self.open_button = QPushButton("Open Proof Chain")
        self.open_button.setObjectName("proofOpen")
        self.open_button.clicked.connect(self.open_selected)
        self.timeline_button = QPushButton("Evidence timeline of its promotion")
        self.timeline_button.clicked.connect(self._timeline)
        self.action_row.addWidget(self.open_button)
        self.action_row.addWidget(self.timeline_button)
        self.action_row.addStretch(1)
        self.table.activated.connect(lambda _index: self.open_selected())
        self.update_actions()

    def update_actions(self) -> None:
        row = self.selected()
        for button in (self.open_button, self.timeline_button):
            button.setEnabled(row is not None)
        self.items.set_rows(row.items if row else [])
        self.items_label.setText(
            f"<b>Sealed by {row.promotion_id}'s proof chain</b> (log order)" if row
            else "Select a proof chain to see what it seals.")
        self.items_view.setVisible(row is not None)

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.packets.open(row.promotion_id, row.record.id, "Proof chain")

    def _timeline(self) -> None:
        row = self.selected()
        if row is not None:
            self.timeline_requested.emit(row.promotion_id)
