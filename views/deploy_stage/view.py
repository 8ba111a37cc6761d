"""Deploy Stage View (seed §14.5): Step Detail → Overview of a ``deploy-<pct>`` step.

The stage's policy, the values its health gate decided on (healthy targets, error
rate, p95, SLO state, automatic-rollback trigger), its progress over the window,
charts of the measurements, the environment's targets with version, health, notes
and their log lines, and the stage's controls. It reloads whenever the run view
hands it a snapshot with new events — the poller and the in-app executor broadcast
every append — so it follows a stage while it measures.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.screens.deploy_snapshots import DeployStage, load_deploy_stage
from app.screens.snapshots import RunSnapshot
from app.services.roles import roles_for
from engine.canary.gate import percent
from views.common.format import duration as step_duration
from views.common.format import when
from views.common.geometry import fit_window
from views.common.page import read_only_table
from views.common.palette import status_badge_css, status_hex
from views.deploy_stage.actions import StageActionLauncher
from views.deploy_stage.chart import ChartSample, LineChartWidget, span
from views.deploy_stage.models import LOGS, TARGET, TARGET_ROLE, StageTargetTableModel
from views.deploy_stage.target_logs import TargetLogDialog

PLATFORM_HEALTH = "platform-health"
SLO_STATUS = {"OK": "succeeded", "BREACHED": "failed", "MEASURING": "running",
              "INCONCLUSIVE": "paused", "DEPLOYING": "running"}


def _value(name: str) -> QLabel:
    label = QLabel("—")
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)  # values are escaped HTML
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def rate_text(value: float | None) -> str:
    return "n/a" if value is None else percent(value)


def ms_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}ms"


class DeployStageView(QWidget):
    stage_loaded = Signal(object)  # DeployStage
    log_opened = Signal(object)  # TargetLogDialog

    def __init__(self, ctx: GuiContext, promotion_id: str, step: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deployStageView")
        self.ctx = ctx
        self.promotion_id = promotion_id
        self.step = step
        self.stage: DeployStage | None = None
        self.snapshot: RunSnapshot | None = None
        self._loaded_events = -1
        self.launcher = StageActionLauncher(ctx, self)
        self.launcher.busy_changed.connect(lambda _busy: self._apply_actions())
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        layout.addLayout(self._build_summary())
        charts = QHBoxLayout()
        self.error_chart = LineChartWidget("Error rate", lambda v: percent(v), status_hex("running"))
        self.error_chart.setObjectName("errorRateChart")
        self.latency_chart = LineChartWidget("Latency p95", lambda v: f"{v:.0f}ms", "#6a1b9a")
        self.latency_chart.setObjectName("latencyChart")
        charts.addWidget(self.error_chart)
        charts.addWidget(self.latency_chart)
        layout.addLayout(charts, 2)
        self.targets_heading = QLabel("<b>Targets</b>")
        layout.addWidget(self.targets_heading)
        self.model = StageTargetTableModel(self)
        self.table = read_only_table(self.model, "stageTargets", accessible="Stage targets",
                                     stretch=3)
        self.table.clicked.connect(self._cell_clicked)
        self.table.activated.connect(lambda index: self.open_target_log(self.model.row(index.row()).name))
        layout.addWidget(self.table, 3)
        layout.addLayout(self._build_actions())

    def _build_summary(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(5)
        self.fields: dict[str, QLabel] = {}
        for row, (key, title) in enumerate((("stage", "Stage"), ("policy", "Policy"),
                                            ("current", "Current"), ("trigger", "Auto-rollback trigger"),
                                            ("progress", "Progress"), ("note", "Note"))):
            heading = QLabel(f"<b>{title}:</b>")
            heading.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(heading, row, 0)
            if key == "progress":
                bar_row = QHBoxLayout()
                self.progress = QProgressBar()
                self.progress.setObjectName("stageProgress")
                self.progress.setRange(0, 1000)
                self.progress.setTextVisible(False)
                self.progress.setMaximumWidth(260)
                self.progress.setFixedHeight(14)
                bar_row.addWidget(self.progress)
                self.fields[key] = _value("stage_progress")
                bar_row.addWidget(self.fields[key], 1)
                grid.addLayout(bar_row, row, 1)
                continue
            self.fields[key] = _value(f"stage_{key}")
            self.fields[key].setWordWrap(True)
            grid.addWidget(self.fields[key], row, 1)
        self.note_heading = heading  # the last row's: "Note"
        grid.setColumnStretch(1, 1)
        return grid

    def _build_actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Actions:</b>"))
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("stagePause")
        self.continue_button = QPushButton("Continue")
        self.continue_button.setObjectName("stageContinue")
        self.rollback_button = QPushButton("Rollback…")
        self.rollback_button.setObjectName("stageRollback")
        self.health_button = QPushButton("Open Platform &Health")
        self.health_window: QDialog | None = None
        self.health_button.setObjectName("openPlatformHealth")
        self.health_button.setToolTip("Operations → Platform Health: deploy targets, secret "
                                      "providers and this site")
        self.pause_button.clicked.connect(lambda: self._start(self._pause_action()))
        self.continue_button.clicked.connect(lambda: self._start("continue"))
        self.rollback_button.clicked.connect(lambda: self._start("rollback"))
        self.health_button.clicked.connect(self.open_platform_health)
        for button in (self.pause_button, self.continue_button, self.rollback_button, self.health_button):
            row.addWidget(button)
        row.addStretch(1)
        self._apply_actions()
        return row

    # -- loading ---------------------------------------------------------------------
    def show_step(self, snapshot: RunSnapshot, step: str) -> None:
        """The Step Detail dialog's hook: called with every newer run snapshot."""
        if snapshot.promotion_id != self.promotion_id or step != self.step:
            return
        self.snapshot = snapshot
        self._apply_actions()
        if snapshot.state.event_count != self._loaded_events:
            self.refresh()

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site, pid, step = self.ctx.site, self.promotion_id, self.step
        return lambda: load_deploy_stage(site, pid, step)

    def _loaded(self, stage: DeployStage) -> None:
        self.stage = stage
        self._loaded_events = stage.event_count
        self._show(stage)
        self._apply_actions()
        self.stage_loaded.emit(stage)

    def _failed(self, failure: Failure) -> None:
        self._set_note(f"Cannot load the stage: {failure.message}", error=True)

    # -- showing ---------------------------------------------------------------------
    def _show(self, stage: DeployStage) -> None:
        status = self.snapshot.status_of(stage.step) if self.snapshot else stage.status
        self.fields["stage"].setText(
            f"<b>{escape(stage.title)}</b> — {stage.stage_targets} of {stage.environment_targets} "
            f"target(s) of {escape(stage.environment)} &nbsp; <span style='{status_badge_css(status)}'>"
            f"&nbsp;{status.upper()}&nbsp;</span> &nbsp; attempt {stage.attempt or '—'} · started "
            f"{escape(when(self.snapshot.state.step(stage.step).started_at) if self.snapshot else '—')}"
            + (f" · {escape(step_duration(self.snapshot.state.step(stage.step)))}"
               if self.snapshot and step_duration(self.snapshot.state.step(stage.step)) else ""))
        self.fields["policy"].setText(escape(stage.policy or "—"))
        self.fields["policy"].setToolTip(stage.gate_text)
        self.fields["current"].setText(current_html(stage))
        self.fields["trigger"].setText(trigger_html(stage))
        self.progress.setValue(int(round(stage.progress * 1000)))
        self.fields["progress"].setText(escape(progress_text(stage)))
        problems = list(stage.problems)
        if self.snapshot is not None and self.snapshot.state.step(stage.step).error:
            problems.insert(0, self.snapshot.state.step(stage.step).error)
        if problems:
            self._set_note("; ".join(problems), error=True)
        elif stage.reason and stage.phase != "measuring":  # measuring: the progress says it
            self._set_note(stage.reason)
        else:
            self._set_note("")
        errors = [ChartSample(p.seconds, p.error_rate, p.phase == "failed")
                  for p in stage.points if p.error_rate is not None]
        latency = [ChartSample(p.seconds, p.p95_ms, p.phase == "failed")
                   for p in stage.points if p.p95_ms is not None]
        empty = None
        if not stage.points:
            ended = stage.attempt and stage.status not in ("running", "waiting")
            empty = "No measurements were recorded for this stage." if ended else "No measurements yet."
        unanswered = [p.seconds for p in stage.points if p.phase == "error"]  # a provider's Error
        self.error_chart.set_series(errors, stage.window_seconds, stage.max_error_rate,
                                    empty or "No error rate measured: too few requests so far.",
                                    conditions=stage.error_conditions, errors_at=unanswered)
        self.latency_chart.set_series(latency, stage.window_seconds, stage.max_p95_ms,
                                      empty or "No latency measured: the targets export no "
                                      "latency histogram.", conditions=stage.p95_conditions,
                                      errors_at=unanswered)
        self.targets_heading.setText(
            f"<b>Targets ({escape(stage.environment)})</b> — {stage.stage_targets} in this stage; "
            f"release {escape(str(stage.release.get('name')))} {escape(str(stage.release.get('version')))}"
            " &nbsp;<span style='color:#78909c'>(click [open] for a target's log lines)</span>")
        self.model.set_rows(stage.targets)

    def _set_note(self, text: str, error: bool = False) -> None:
        self.fields["note"].setText(f"<span style='color:{status_hex('failed')}'>{escape(text)}</span>"
                                    if error else escape(text))
        self.fields["note"].setVisible(bool(text))
        self.note_heading.setVisible(bool(text))

    # -- actions ---------------------------------------------------------------------
    def _pause_action(self) -> str:
        return "resume" if self.snapshot is not None and self.snapshot.state.paused else "pause"

    def continue_refusal(self) -> str | None:
        snapshot = self.snapshot
        if snapshot is None:
            return "loading the run…"
        if not snapshot.state.terminal and snapshot.state.current_step != self.step:
            return f"{snapshot.state.step(self.step).title} is not the current step"
        why = snapshot.refusal("continue")
        stage = self.stage
        if why and stage is not None and stage.phase in ("measuring", "deploying") \
                and not snapshot.state.paused and snapshot.actor_role in roles_for("continue"):
            return f"the stage's health criteria are not met yet ({progress_text(stage)})"
        return why

    def _apply_actions(self) -> None:
        snapshot, busy = self.snapshot, self.launcher.busy
        pause = self._pause_action()
        self.pause_button.setText("Resume" if pause == "resume" else "Pause")
        label = self.stage.next_label if self.stage is not None else "Continue"
        self.continue_button.setText(label)
        for button, why, help_text in (
                (self.pause_button, snapshot.refusal(pause) if snapshot else "loading the run…",
                 "Resume the paused run" if pause == "resume"
                 else "Pause the run: the stage stops measuring and waits"),
                (self.continue_button, self.continue_refusal(),
                 f"{label}: this stage's health criteria are met"),
                (self.rollback_button, snapshot.refusal("rollback") if snapshot else "loading the run…",
                 "Rollback / Re-run: choose the scope and see the impact first")):
            if why is None and busy:
                why = "another action on this run is being recorded"
            button.setEnabled(why is None)
            button.setToolTip(help_text if why is None else f"Not now: {why}")

    def _start(self, action: str) -> None:
        if self.snapshot is not None:
            self.launcher.start(action, self.snapshot)

    def _cell_clicked(self, index: QModelIndex) -> None:
        if index.column() == LOGS:
            self.open_target_log(self.model.data(index.siblingAtColumn(TARGET), TARGET_ROLE))

    def open_target_log(self, target: str) -> TargetLogDialog:
        dialog = TargetLogDialog(self.ctx, self.promotion_id, self.step, target, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.log_opened.emit(dialog)
        return dialog



    def open_platform_health(self) -> QDialog:
        """Platform Health in a window of its own, raised above this Step Detail (the
        main window's page would open behind it); the main window follows to it too."""
        self.ctx.navigate_requested.emit(PLATFORM_HEALTH)
        if self.health_window is None:
            from views.platform_health.pages import PlatformHealthPage

            window = QDialog(self.window())
            window.setObjectName("platformHealthWindow")
            window.setWindowTitle("Platform Health")
            layout = QVBoxLayout(window)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(PlatformHealthPage(self.ctx))
            fit_window(window, "platformHealth", (0.6, 0.75), QSize(760, 520))
            self.health_window = window
        self.health_window.show()
        self.health_window.raise_()
        self.health_window.activateWindow()
        return self.health_window

def current_html(stage: DeployStage) -> str:
    slo = stage.slo
    colour = status_hex(SLO_STATUS.get(slo, "pending"))
    healthy = "—" if stage.healthy is None else f"{stage.healthy}/{stage.total}"
    return (f"healthy <b>{healthy}</b> (of {stage.environment_targets} in {escape(stage.environment)})"
            f" &nbsp;|&nbsp; Error rate: <b>{rate_text(stage.error_rate)}</b> &nbsp;|&nbsp; "
            f"Latency p95: <b>{ms_text(stage.p95_ms)}</b> &nbsp;|&nbsp; SLO: "
            f"<span style='color:{colour}'><b>{slo}</b></span>" + provider_html(stage))


def provider_html(stage: DeployStage) -> str:
    """Which metrics provider measured the stage; an Error measurement in the error colour."""
    if not stage.provider:
        return ""
    error = ": ERROR" in stage.provider
    colour = status_hex("failed" if error else "succeeded")
    return f"<br>Metrics: <span style='color:{colour}'>{escape(stage.provider)}</span>"


def trigger_html(stage: DeployStage) -> str:
    if stage.auto_rollback:
        return (f"<span style='color:{status_hex('failed')}'><b>TRIGGERED</b></span> — "
                f"{escape(stage.trigger_reason)}")
    rule = stage.gate_text.rpartition("; ")[2].rstrip(")") if stage.gate_text else ""
    return (f"<span style='color:{status_hex('succeeded')}'><b>NOT TRIGGERED</b></span>"
            + (f" — {escape(rule)}" if rule else ""))


def progress_text(stage: DeployStage) -> str:
    if not stage.attempt:
        return "not started"
    if stage.phase == "deploying" or (not stage.phase and stage.status == "running"):
        return "deploying the stage's targets; measuring starts once they are on the release"
    if stage.phase not in ("measuring", "passed", "breached", "inconclusive"):
        return "no health measurements were recorded for this stage"
    text = (f"{stage.progress * 100:.0f}% of the window — {span(stage.observed_seconds)} of "
            f"{span(stage.window_seconds)} observed, {stage.measurements} of "
            f"{stage.required_measurements} measurements")
    return text if stage.phase == "measuring" else f"{stage.phase}: {text}"
