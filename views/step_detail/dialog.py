"""Step Detail: one dialog per step, kept up to date while it is open."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.qt.context import GuiContext
from app.screens.snapshots import RunSnapshot
from engine.run.stages import deploy_percent
from views.common.geometry import fit_window
from views.deploy_stage.view import DeployStageView
from views.gate_detail.overview import GateOverviewTab
from views.step_detail.artifacts_tab import ArtifactsTab
from views.step_detail.evidence_tab import StepEvidenceTab
from views.step_detail.logs import LogsTab
from views.step_detail.overview import OverviewTab

ACTIVE = ("running",)
# what an operator may do to this step from its detail (seed §14.4), when the run allows
STEP_ACTIONS = (("pause", "&Pause run"), ("retry", "Retr&y step"), ("mark-failed", "&Mark failed"))


class StepDetailDialog(QDialog):
    action_requested = Signal(str)  # pause | retry | mark-failed: the run view asks why

    def __init__(self, ctx: GuiContext, promotion_id: str, step: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepDetail")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.promotion_id = promotion_id
        self.step = step
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("pageTitle")
        layout.addWidget(self.heading)
        self.tabs = QTabWidget()
        # Gate Eval shows its verdict (seed §14.4), a canary stage the Deploy Stage View
        # (§14.5); other steps their outputs.
        if deploy_percent(step) is not None:
            self.overview: DeployStageView | GateOverviewTab | OverviewTab = DeployStageView(
                ctx, promotion_id, step)
            fit_window(self, "stepDetail/deploy", (0.8, 0.9), QSize(900, 600))
        else:
            self.overview = GateOverviewTab(ctx, promotion_id) if step == "gate-eval" else OverviewTab()
            if step == "gate-eval":
                fit_window(self, "stepDetail/gate", (0.72, 0.88), QSize(780, 560))
            else:
                fit_window(self, "stepDetail", (0.55, 0.75), QSize(760, 560))
        self.logs = LogsTab(ctx, promotion_id, step)
        self.artifacts = ArtifactsTab(ctx, promotion_id, step)
        self.evidence = StepEvidenceTab(ctx, promotion_id, step)
        self.tabs.addTab(self.overview, "Overview")
        self.tabs.addTab(self.logs, "Logs")
        self.tabs.addTab(self.artifacts, "Artifacts")
        self.tabs.addTab(self.evidence, "Evidence")
        layout.addWidget(self.tabs, 1)
        corner = QWidget()  # beside the tabs: no height taken from the step's content
        actions = QHBoxLayout(corner)
        actions.setContentsMargins(0, 0, 0, 2)
        self.action_buttons: dict[str, QPushButton] = {}
        for action, label in STEP_ACTIONS:
            if action == "pause" and isinstance(self.overview, DeployStageView):
                continue  # the stage view has its own Pause beside Continue and Rollback
            button = QPushButton(label)
            button.setObjectName(f"step_{action}")
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, a=action: self.action_requested.emit(a))
            actions.addWidget(button)
            self.action_buttons[action] = button
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
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
        current = snapshot.state.current_step == self.step
        for action, button in self.action_buttons.items():
            why = snapshot.refusal(action) if current else \
                "this is not the step the run is at"
            button.setEnabled(why is None)
            button.setToolTip(f"Not now: {why}" if why else
                              {"pause": "Pause the run before it does anything more",
                               "retry": "Run this step again (later steps are reset)",
                               "mark-failed": "Record this step as failed"}[action])
        self.logs.follow(snapshot.status_of(self.step) in ACTIVE)

    def closeEvent(self, event) -> None:
        self.logs.follow(False)
        super().closeEvent(event)
