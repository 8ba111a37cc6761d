"""The evidence packet viewer: one item's decoded statement, read-only, with who
signed its envelope. Used for "Open Evidence Packet" and "Open Proof Chain"."""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import Site
from app.qt.operation import Operation
from app.qt.worker import TaskManager
from app.screens.evidence_items import EvidencePacket, load_packet
from views.common.format import when
from views.common.geometry import fit_window
from views.common.readable import ReadableMapping
from views.evidence.marks import GREEN, GREY, RED


class EvidencePacketDialog(QDialog):
    def __init__(self, packet: EvidencePacket, title: str = "Evidence packet",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidencePacket")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.packet = packet
        record = packet.record
        self.setWindowTitle(f"{title}: {record.name} — {record.promotion_id}")
        fit_window(self, "evidencePacket", (0.55, 0.8), QSize(760, 600))
        layout = QVBoxLayout(self)
        heading = QLabel(f"{html.escape(title)}: <b>{html.escape(record.name)}</b> "
                         f"<span style='color:#78909c'>({html.escape(record.step)}, attempt "
                         f"{record.attempt}, promotion {html.escape(record.promotion_id)})</span>")
        heading.setObjectName("pageTitle")
        layout.addWidget(heading)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        rows = (("digest", "Digest", record.digest),
                ("predicate", "Predicate type", record.predicate_type),
                ("payload", "Payload type", packet.payload_type),
                ("log", "Log index", str(record.log_index)),
                ("created", "Created", when(record.created_at)),
                ("size", "Envelope", f"{packet.envelope_size} bytes (RFC 8785 canonical JSON)"))
        for key, label, value in rows:
            field = QLabel(html.escape(value))
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setObjectName(f"packet_{key}")
            form.addRow(f"{label}:", field)
            self.fields[key] = field
        self.signers = QLabel(_signers_html(packet))
        self.signers.setObjectName("packetSigners")
        self.signers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signers.setWordWrap(True)
        form.addRow("Signed by:", self.signers)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Statement</b> (the DSSE payload, decoded): what it is "
                                "about and what it says"))
        self.statement = ReadableMapping("statement")
        self.text = self.statement.raw  # the raw JSON, behind "Show raw JSON"
        self.text.setObjectName("statementText")
        self.text.setAccessibleName("Statement")
        self.statement.show_mapping(readable_statement(packet.statement_text),
                                    packet.statement_text)
        layout.addWidget(self.statement, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy_digest = QPushButton("Copy digest")
        copy_digest.clicked.connect(lambda: _copy(record.digest))
        copy_json = QPushButton("Copy statement")
        copy_json.clicked.connect(lambda: _copy(packet.statement_text))
        buttons.addButton(copy_digest, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(copy_json, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def readable_statement(text: str) -> dict[str, Any]:
    """The statement's subjects and predicate, laid out for reading (its raw JSON is
    shown as is behind the toggle)."""
    try:
        body = json.loads(text)
    except ValueError:
        return {"statement": "could not be decoded"}
    if not isinstance(body, dict):
        return {"statement": str(body)}
    predicate = body.get("predicate")
    readable: dict[str, Any] = {"predicate_type": body.get("predicateType")}
    subjects = body.get("subject") or []
    readable["subjects"] = [{"name": s.get("name"), "digest": ", ".join(
        f"{k}:{v}" for k, v in (s.get("digest") or {}).items())} for s in subjects
        if isinstance(s, dict)]
    if isinstance(predicate, dict):
        readable.update(predicate)
    return readable


def _signers_html(packet: EvidencePacket) -> str:
    lines = []
    for check in packet.signatures:
        if check.ok is None:
            mark, colour, word = "?", GREY, "no key known to check it"
        elif check.ok:
            mark, colour, word = "✓", GREEN, "signature verifies"
        else:
            mark, colour, word = "✗", RED, "signature does NOT verify"
        lines.append(f"<span style='color:{colour}'><b>{mark}</b></span> "
                     f"{html.escape(check.signer)} — keyid <code>{html.escape(check.keyid)}</code>"
                     f" ({word})")
    return "<br>".join(lines) or "no signatures"


def _copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


class PacketOpener(QObject):
    """Loads a packet in a worker and shows it; remembers the dialog it opened."""

    opened = Signal(object)  # EvidencePacketDialog

    def __init__(self, parent: QWidget, site: Site, tasks: TaskManager | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self._site = site
        self._tasks = tasks
        self.last: EvidencePacketDialog | None = None

    def open(self, promotion_id: str, evidence_id: int, title: str = "Evidence packet") -> None:
        site = self._site
        (Operation(self._parent, lambda: load_packet(site, promotion_id, evidence_id),
                   tasks=self._tasks)
         .success(lambda packet: self._show(packet, title))
         .run())

    def _show(self, packet: EvidencePacket, title: str) -> None:
        dialog = EvidencePacketDialog(packet, title, self._parent)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        self.last = dialog
        dialog.show()
        self.opened.emit(dialog)

    def _forget(self, dialog: EvidencePacketDialog) -> None:
        if self.last is dialog:
            self.last = None
