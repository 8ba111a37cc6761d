"""The Artifacts tab (seed §14.4): what this checkpoint works on and produces, by digest.

The release manifest the promotion moves (``release.json``, whose digest *is* the
release digest) with its component images and SBOMs, and the step's outputs that
name content by digest (a proof chain, a plan, a verdict…).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
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
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.screens.evidence_items import Artifact, StepArtifacts, load_step_artifacts
from views.common.columns import Column, RowTableModel
from views.common.format import short, when
from views.common.page import read_only_table
from views.evidence.marks import GREEN, RED

NAME, DIGEST, SOURCE = range(3)


class ArtifactsTab(QWidget):
    loaded = Signal(object)  # StepArtifacts

    def __init__(self, ctx: GuiContext, promotion_id: str, step: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.promotion_id = promotion_id
        self.step = step
        self.artifacts: StepArtifacts | None = None
        self.model: RowTableModel[Artifact] = RowTableModel([
            Column("Artifact", lambda a: a.name, bold=True),
            Column("Digest", lambda a: short(a.digest) if a.digest else "—",
                   lambda a: a.digest or None),
            Column("From", lambda a: a.source),
        ], lambda a: (a.name, a.source), self)
        layout = QVBoxLayout(self)
        self.summary = QLabel("Loading the artifacts of this checkpoint…")
        self.summary.setObjectName("artifactsSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = read_only_table(self.model, "artifactsTable", accessible="Step artifacts",
                                     stretch=SOURCE)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.copy_button = QPushButton("Copy digest")
        self.copy_button.setObjectName("copyArtifactDigest")
        self.copy_button.clicked.connect(self.copy_digest)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout.addLayout(row)
        box = QGroupBox("Release manifest (release.json)")
        box_layout = QVBoxLayout(box)
        self.manifest_status = QLabel()
        self.manifest_status.setObjectName("manifestStatus")
        self.manifest_status.setWordWrap(True)
        box_layout.addWidget(self.manifest_status)
        self.manifest_text = QPlainTextEdit()
        self.manifest_text.setObjectName("manifestText")
        self.manifest_text.setReadOnly(True)
        self.manifest_text.setFont(QFont("DejaVu Sans Mono", 9))
        box_layout.addWidget(self.manifest_text)
        layout.addWidget(box, 1)
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        ctx.changes.changed.connect(self._on_change)

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site, pid, step = self.ctx.site, self.promotion_id, self.step
        return lambda: load_step_artifacts(site, pid, step)

    def _on_change(self, change: Change) -> None:
        if change.changes.touches(self.promotion_id):
            self.refresh()

    def _loaded(self, artifacts: StepArtifacts) -> None:
        self.artifacts = artifacts
        self.model.set_rows(artifacts.artifacts)
        outputs = sum(1 for a in artifacts.artifacts if a.source == "step output")
        release = artifacts.release
        self.summary.setText(
            f"<b>Artifacts</b> — release {html.escape(release.name)} "
            f"<b>{html.escape(release.version)}</b> and "
            + (f"{outputs} output(s) of this step named by digest." if outputs
               else "no output of this step names content by digest."))
        if release.intact:
            state = (f"<span style='color:{GREEN}'><b>✓</b></span> the stored bytes hash to "
                     f"the release digest {html.escape(release.digest)}")
        else:
            state = (f"<span style='color:{RED}'><b>✗</b></span> the stored bytes do NOT hash "
                     f"to the release digest {html.escape(release.digest)}")
        origin = (f"imported from bundle {short(release.bundle_digest)}"
                  if release.bundle_digest else "registered without a bundle")
        self.manifest_status.setText(f"{state}<br>{origin}, {when(release.imported_at)}")
        self.manifest_text.setPlainText(artifacts.manifest_text)
        self.loaded.emit(artifacts)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(f"<span style='color:{RED}'>Could not load the artifacts: "
                             f"{html.escape(failure.message)}</span>")

    def copy_digest(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            digest = self.model.row(rows[0].row()).digest
            if digest:
                QGuiApplication.clipboard().setText(digest)
