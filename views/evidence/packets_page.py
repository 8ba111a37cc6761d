"""Evidence → Packets: every evidence item of the site, filterable, each one a click
away from its signed statement and from the timeline of its promotion."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton, QWidget

from app.qt.context import GuiContext
from app.screens.evidence_lists import SiteEvidenceRow, list_site_evidence
from views.common.columns import Column
from views.common.format import short, when
from views.evidence.list_page import ListPage
from views.evidence.packet_dialog import PacketOpener

COLUMNS: list[Column[SiteEvidenceRow]] = [
    Column("Log index", lambda r: str(r.record.log_index), sort=lambda r: r.record.log_index),
    Column("Promotion", lambda r: r.promotion_id, bold=True),
    Column("Release", lambda r: f"{r.release} → {r.to_env}"),
    Column("Step", lambda r: r.record.step),
    Column("Evidence", lambda r: r.record.name),
    Column("Attempt", lambda r: str(r.record.attempt), sort=lambda r: r.record.attempt),
    Column("Predicate type", lambda r: r.record.predicate_type,
           lambda r: r.record.predicate_type),
    Column("Digest", lambda r: short(r.record.digest), lambda r: r.record.digest,
           sort=lambda r: r.record.digest),
    Column("Created", lambda r: when(r.record.created_at), sort=lambda r: r.record.created_at),
]
PREDICATE = 6


class PacketsPage(ListPage[SiteEvidenceRow]):
    timeline_requested = Signal(str)  # promotion id

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Evidence — Packets", COLUMNS, lambda r: r.record.id,
                         list_site_evidence,
                         "No evidence yet: each checkpoint of a run records its evidence "
                         "here as it happens.", PREDICATE, parent)
        self.table.setObjectName("packetsTable")
        self.set_intro("Every signed evidence item of this site, in transparency-log order. "
                       "Open one to read its statement and who signed it.")
        self.packets = PacketOpener(self, ctx.site, ctx.tasks)
        self.open_button = QPushButton("Open Evidence Packet")
        self.open_button.setObjectName("packetsOpen")
        self.open_button.clicked.connect(self.open_selected)
        self.copy_button = QPushButton("Copy digest")
        self.copy_button.clicked.connect(self.copy_digest)
        self.timeline_button = QPushButton("Evidence timeline of its promotion")
        self.timeline_button.setObjectName("packetsTimeline")
        self.timeline_button.clicked.connect(self._timeline)
        for button in (self.open_button, self.copy_button, self.timeline_button):
            self.action_row.addWidget(button)
        self.action_row.addStretch(1)
        self.table.activated.connect(lambda _index: self.open_selected())
        self.update_actions()

    def update_actions(self) -> None:
        chosen = self.selected() is not None
        for button in (self.open_button, self.copy_button, self.timeline_button):
            button.setEnabled(chosen)
            button.setToolTip("" if chosen else "Select an evidence item first")

    def open_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.packets.open(row.promotion_id, row.record.id)

    def copy_digest(self) -> None:
        row = self.selected()
        if row is not None:
            QGuiApplication.clipboard().setText(row.record.digest)

    def _timeline(self) -> None:
        row = self.selected()
        if row is not None:
            self.timeline_requested.emit(row.promotion_id)
