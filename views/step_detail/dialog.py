"""Step Detail: one dialog per step, kept up to date while it is open."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QTabWidget, QVBoxLayout, QWidget

from app.qt.context import GuiContext
from app.qt.snapshots import RunSnapshot
from engine.run.stages import deploy_percent
from views.deploy_stage.view import DeployStageView
from views.gate_detail.overview import GateOverviewTab
from views.step_detail.artifacts_tab import ArtifactsTab
from views.step_detail.evidence_tab import StepEvidenceTab
from views.step_detail.logs import LogsTab
from views.step_detail.overview import OverviewTab

ACTIVE = ("running",)


class StepDetailDialog(QDialog):
    def __init__(self, ctx: GuiContext, promotion_id: str, step: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepDetail")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.promotion_id = promotion_id
        self.step = step
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("pageTitle")
        layout.addWidget(self.heading)
        self.tabs = QTabWidget()
        # Gate Eval shows its verdict (seed §14.4), a canary stage the Deploy Stage View
        # (§14.5); other steps their outputs.
        if deploy_percent(step) is not None:
            self.overview = DeployStageView(ctx, promotion_id, step)
            self.resize(1040, 800)
        else:
            self.overview = GateOverviewTab(ctx, promotion_id) if step == "gate-eval" else OverviewTab()
        self.logs = LogsTab(ctx, promotion_id, step)
        self.artifacts = ArtifactsTab(ctx, promotion_id, step)
        self.evidence = StepEvidenceTab(ctx, promotion_id, step)
        self.tabs.addTab(self.overview, "Overview")
        self.tabs.addTab(self.logs, "Logs")
        self.tabs.addTab(self.artifacts, "Artifacts")
        self.tabs.addTab(self.evidence, "Evidence")
        layout.addWidget(self.tabs, 1)
        self.logs.refresh()
        self.artifacts.refresh()
        self.evidence.refresh()

    def set_snapshot(self, snapshot: RunSnapshot) -> None:
        if snapshot.promotion_id != self.promotion_id:
            return
        view = snapshot.state.step(self.step)
        self.setWindowTitle(f"Step Detail: {view.title} — {self.promotion_id}")
        self.heading.setText(f"Step Detail: <b>{html.escape(view.title)}</b> "
                             f"<span style='color:#78909c; font-size:10pt; font-weight:normal'>"
                             f"({self.step}, promotion {self.promotion_id})</span>")
        self.overview.show_step(snapshot, self.step)
        self.logs.follow(snapshot.status_of(self.step) in ACTIVE)

    def closeEvent(self, event) -> None:  # noqa: ANN001,N802
        self.logs.follow(False)
        super().closeEvent(event)
