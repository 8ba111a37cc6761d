"""Run / Timeline (seed §14.3): header, stage timeline, stage graph, current status
and next step, quick actions.

Everything shown comes from one :class:`~app.screens.snapshots.RunSnapshot` loaded in a
worker; the view reloads it whenever a change touching its promotion is broadcast
(an action here, the in-app executor, or the poller noticing another process).
"""

from __future__ import annotations

from functools import partial
from html import escape

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.cli.render import rollback_text
from app.qt.changes import Change, ChangeSet
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.refresher import LIVE_INTERVAL_MS, Refresher
from app.screens import session
from app.screens.snapshots import REASON_REQUIRED, RunSnapshot, load_run_snapshot
from engine.run.stages import SEAL, deploy_percent
from engine.run.state import RunState
from views.approval.dialog import ApprovalDialog
from views.common.format import slot_time
from views.common.page import read_only_table, scrolling
from views.common.palette import status_hex
from views.common.reason_dialog import ActionRequest, ReasonDialog
from views.common.shortcuts import bind
from views.deploy_stage.rollback_dialog import rollback_rerun_dialog
from views.evidence.dialog import EvidenceTimelineDialog
from views.export_dialog.dialog import ExportDialog
from views.health_banner.banner import DataHealthBanner
from views.run_timeline.action_bar import LABELS, ActionBar
from views.run_timeline.header import RunHeader
from views.run_timeline.links import links_html
from views.run_timeline.model import (
    STEP_ROLE,
    SUMMARY,
    TimelineTableModel,
    timeline_rows,
)
from views.run_timeline.side_panel import PANEL_WIDTH, RunSidePanel
from views.stage_graph.view import StageGraphView
from views.step_detail.dialog import StepDetailDialog

LEGEND = ("succeeded", "running", "waiting", "paused", "failed", "interrupted", "rolled-back",
          "skipped", "pending")


class RunTimelineView(QWidget):
    snapshot_loaded = Signal(object)  # RunSnapshot
    action_recorded = Signal(str)  # action
    step_detail_opened = Signal(object)  # StepDetailDialog
    evidence_timeline_opened = Signal(object)  # EvidenceTimelineDialog
    export_opened = Signal(object)  # ExportDialog
    link_requested = Signal(str)  # orchestrator | security | release-control
    run_button_changed = Signal(bool, str, str)  # enabled, text, tooltip
    replay_requested = Signal(str)  # promotion id
    schedule_requested = Signal(str)  # promotion id

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._pid: str | None = None
        self._snapshot: RunSnapshot | None = None
        self.active_dialog: QDialog | None = None
        self.step_dialogs: dict[str, StepDetailDialog] = {}
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    LIVE_INTERVAL_MS)

        self.stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.empty = QLabel("Select a promotion to see its run.")
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        self.content = QWidget()
        self.stack.addWidget(self.content)
        self._build_content()
        ctx.changes.changed.connect(self._on_change)
        # a bound slot, not a lambda: Qt drops the connection when this view is deleted
        ctx.actor_changed.connect(self._actor_changed)
        ctx.agent.changed.connect(self._agent_changed)

    def _build_content(self) -> None:
        """One header line, the timeline with a column of the run's facts and dialogs
        beside it, and the quick actions below: ten timeline rows at 1366×768."""
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.header = RunHeader()
        layout.addWidget(self.header)
        self.load_error = QLabel()
        self.load_error.setObjectName("loadError")
        self.load_error.setWordWrap(True)
        self.load_error.hide()
        layout.addWidget(self.load_error)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)  # no frame around the pages: rows, not borders
        self.model = TimelineTableModel(self)
        self.table = read_only_table(self.model, "timelineTable", accessible="Run timeline",
                                     stretch=SUMMARY)
        self.table.activated.connect(self._row_activated)
        self.table.setToolTip("Every step and attempt of the run; Enter or a double click "
                              "opens the step's detail")
        self.tabs.addTab(self.table, "Timeline")

        self.graph = StageGraphView()
        self.graph.node_activated.connect(self.open_step_detail)
        graph_page = QWidget()
        graph_layout = QVBoxLayout(graph_page)
        graph_layout.setContentsMargins(0, 2, 0, 0)
        graph_layout.addWidget(self.graph, 1)
        legend = " &nbsp; ".join(
            f"<span style='color:{status_hex(s)}'>■</span> {s}" for s in LEGEND)
        self.legend = QLabel(legend + " &nbsp; <span style='color:#8e24aa'>┅</span> rollback "
                             "path &nbsp; (double-click a stage for its detail)")
        self.legend.setObjectName("graphLegend")
        self.legend.setWordWrap(True)
        graph_layout.addWidget(self.legend)
        self.tabs.addTab(graph_page, "Stage graph")
        self.links = QLabel(links_html(None))  # beside the tabs: no height taken
        self.links.setObjectName("runLinks")
        self.links.setToolTip("This run elsewhere: executors and leases, the findings of "
                              "this release in its environment, the environment's inputs")
        self.links.linkActivated.connect(self.link_requested.emit)
        self.tabs.setCornerWidget(self.links, Qt.Corner.TopRightCorner)

        self.health_banner = DataHealthBanner(self.ctx)
        self.health_banner.stack()
        self.side = RunSidePanel(self.header.facts, self.health_banner)
        self.now_label = self.side.now_label
        self.data_health_slot = self.side.data_health_slot
        self.detail_button = self.side.detail_button
        self.detail_button.clicked.connect(self._detail_of_selection)
        self.evidence_button = self.side.evidence_button
        self.evidence_button.clicked.connect(self.open_evidence_timeline)
        self.export_button = self.side.export_button
        self.export_button.clicked.connect(self.open_export)
        self.stage_button = self.side.stage_button
        self.stage_button.clicked.connect(lambda: self.open_step_detail(self._current_stage() or ""))
        self.stage_button.hide()
        self.replay_button = self.side.replay_button
        self.replay_button.clicked.connect(self.request_replay)
        self.schedule_button = self.side.schedule_button
        self.schedule_button.clicked.connect(lambda: self.schedule_requested.emit(self._pid or ""))

        # the column can be narrowed (not hidden); the timeline takes what is left
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.setObjectName("runBody")
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(self.tabs)
        self.body.addWidget(scrolling(self.side))
        self.body.setStretchFactor(0, 1)
        self.body.setStretchFactor(1, 0)
        self.body.setSizes([10_000, PANEL_WIDTH])
        layout.addWidget(self.body, 1)

        bottom = QHBoxLayout()
        self.run_button = QPushButton("▶ Start run")
        self.run_button.setObjectName("runExecutor")
        self.run_button.clicked.connect(self.toggle_executor)
        bottom.addWidget(self.run_button)
        self.actions_bar = ActionBar()
        self.actions_bar.triggered.connect(self.start_action)
        bottom.addWidget(self.actions_bar, 1)
        layout.addLayout(bottom)

        self._bind_shortcuts()

    def _bind_shortcuts(self) -> None:
        """Keys for the run's actions (views.common.shortcuts lists them under F1)."""
        for action in ("pause", "resume", "continue", "rollback", "approve", "reject"):
            bind(self, action, partial(self.shortcut_action, action))
        bind(self, "step-detail", self._detail_of_selection)
        bind(self, "evidence-timeline", self.open_evidence_timeline)
        bind(self, "export", self.open_export)
        bind(self, "replay", self.request_replay)

    def shortcut_action(self, action: str) -> QDialog | None:
        """A quick action by its key: done as its button would be, or — when the
        button is disabled — its reason shown where the button is."""
        button = self.actions_bar.buttons[action]
        if button.isEnabled():
            return self.start_action(action)
        QToolTip.showText(button.mapToGlobal(button.rect().center()), button.toolTip(), button)
        return None

    def request_replay(self) -> None:
        if self._pid is not None:
            self.replay_requested.emit(self._pid)

    def open_export(self) -> ExportDialog | None:
        """Export evidence from the run view; an unsealed run's pack is PARTIAL and the
        dialog asks to confirm that."""
        if self._pid is None or self._snapshot is None:
            return None
        dialog = ExportDialog(self.ctx, self._pid, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        dialog.load()
        self.export_opened.emit(dialog)
        return dialog

    # -- what is shown --------------------------------------------------------------
    @property
    def promotion_id(self) -> str | None:
        return self._pid

    @property
    def snapshot(self) -> RunSnapshot | None:
        return self._snapshot

    def show_promotion(self, promotion_id: str | None) -> None:
        if promotion_id == self._pid:
            return
        self._pid = promotion_id
        self._snapshot = None
        for dialog in list(self.step_dialogs.values()):
            dialog.close()
        self.model.clear()
        self.graph.clear()
        self.actions_bar.set_snapshot(None)
        self.load_error.hide()
        if promotion_id is None:
            self.empty.setText("Select a promotion to see its run.")
            self.stack.setCurrentWidget(self.empty)
            self._update_run_button()
            return
        self.empty.setText(f"Loading {promotion_id}…")
        self.stack.setCurrentWidget(self.empty)
        self._update_run_button()
        self.refresh()

    def _actor_changed(self, _name: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        pid, actor, site = self._pid, self.ctx.actor, self.ctx.site
        if pid is None:
            return None
        return lambda: load_run_snapshot(site, pid, actor)

    def _on_change(self, change: Change) -> None:
        if change.changes.touches(self._pid):
            self.refresh()

    def _loaded(self, snapshot: RunSnapshot) -> None:
        if snapshot.promotion_id != self._pid:
            return  # the selection moved on while this loaded
        self._snapshot = snapshot
        self.load_error.hide()
        self.header.show_snapshot(snapshot)
        self.links.setText(links_html(snapshot))
        self.model.set_rows(timeline_rows(snapshot))
        self._keep_current_visible(snapshot)
        self.graph.show_snapshot(snapshot)
        self.actions_bar.set_snapshot(snapshot)
        self.now_label.setText(_now_text(snapshot))
        self.stage_button.setVisible(self._current_stage() is not None)
        self._update_run_button()
        self.stack.setCurrentWidget(self.content)
        for dialog in self.step_dialogs.values():
            dialog.set_snapshot(snapshot)
        self.snapshot_loaded.emit(snapshot)

    def _keep_current_visible(self, snapshot: RunSnapshot) -> None:
        """The step running now stays in view as the timeline grows (the last row of
        it, its newest attempt)."""
        step = snapshot.state.current_step
        if not step:
            return
        rows = [row for row in range(self.model.rowCount())
                if self.model.data(self.model.index(row, 0), STEP_ROLE) == step]
        if rows:
            self.table.scrollTo(self.model.index(rows[-1], 0),
                                QAbstractItemView.ScrollHint.EnsureVisible)

    def _failed(self, failure: Failure) -> None:
        if self._snapshot is None:
            self.empty.setText(f"Cannot show {self._pid}: {failure.message}")
            self.empty.setStyleSheet("color: #c62828;")
            self.stack.setCurrentWidget(self.empty)
            return
        self.load_error.setText(f"Could not refresh: {failure.message}")
        self.load_error.show()

    # -- step detail ----------------------------------------------------------------
    def _row_activated(self, index: QModelIndex) -> None:
        step = self.model.data(index, STEP_ROLE)
        if step:
            self.open_step_detail(step)

    def _detail_of_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if rows:
            self._row_activated(rows[0])
        elif self._snapshot and self._snapshot.state.current_step:
            self.open_step_detail(self._snapshot.state.current_step)

    def open_step_detail(self, step: str) -> StepDetailDialog | None:
        if self._snapshot is None or self._pid is None:
            return None
        dialog = self.step_dialogs.get(step)
        if dialog is None:
            dialog = StepDetailDialog(self.ctx, self._pid, step, self)
            dialog.action_requested.connect(self.start_action)
            dialog.finished.connect(lambda _code, s=step: self.step_dialogs.pop(s, None))
            self.step_dialogs[step] = dialog
        dialog.set_snapshot(self._snapshot)
        dialog.show()
        dialog.raise_()
        self.step_detail_opened.emit(dialog)
        return dialog

    def open_evidence_timeline(self) -> EvidenceTimelineDialog | None:
        if self._pid is None:
            return None
        dialog = EvidenceTimelineDialog(self.ctx, self._pid, self)
        dialog.show()
        self.evidence_timeline_opened.emit(dialog)
        return dialog

    # -- actions --------------------------------------------------------------------
    def start_action(self, action: str) -> ReasonDialog | ApprovalDialog | None:
        snapshot = self._snapshot
        if snapshot is None or snapshot.refusal(action) is not None:
            return None
        state = snapshot.state
        current = state.current
        what = (f"promotion {state.promotion_id}: {state.release['name']} "
                f"{state.release['version']} → {state.to_env}")
        subject = (f"<b>{LABELS.get(action, action).rstrip('…')}</b> — {escape(what)}<br>"
                   f"Current step: {escape(current.title if current else '—')} "
                   f"({state.status.upper()})<br>Acting as <b>{escape(snapshot.actor or '')}</b>")
        if action in ("approve", "reject"):
            return self._open_approval(snapshot, action)
        if action == "rollback":
            dialog: ReasonDialog = rollback_rerun_dialog(self.ctx, snapshot, self)
        else:
            dialog = ReasonDialog(action, LABELS.get(action, action), subject,
                                  reason_required=action in REASON_REQUIRED, parent=self)
            dialog.finish_layout()
        dialog.accepted.connect(lambda d=dialog: self._submit(d.request()))
        dialog.finished.connect(lambda _code, d=dialog: self._dialog_closed(d))
        self.active_dialog = dialog
        dialog.open()
        return dialog

    def _open_approval(self, snapshot: RunSnapshot, action: str) -> ApprovalDialog:
        """Approvals are signed with the approver's own key (views.approval)."""
        dialog = ApprovalDialog(self.ctx, snapshot, action, self)
        dialog.decided.connect(lambda decided, _result: self.action_recorded.emit(decided))
        dialog.finished.connect(lambda _code, d=dialog: self._dialog_closed(d))
        self.active_dialog = dialog
        dialog.open()
        return dialog

    def _current_stage(self) -> str | None:
        state = self._snapshot.state if self._snapshot else None
        step = state.current_step if state else None
        return step if step and deploy_percent(step) is not None else None

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None
        dialog.deleteLater()

    def _submit(self, request: ActionRequest) -> None:
        site, pid, actor = self.ctx.site, self._pid, self.ctx.actor or ""
        passphrase = session.passphrase_for(self.ctx.session, actor)
        if pid is None:
            return
        data = {"ticket": request.ticket} if request.ticket else None
        self.actions_bar.set_busy(True)
        (Operation(self, lambda: session.act(site, pid, request.action, actor, passphrase,
                                              request.reason, scope=request.scope, data=data),
                   tasks=self.ctx.tasks)
         .broadcasts(self.ctx.changes, ChangeSet.run(pid), initiator=self)
         .success(lambda _state: self.action_recorded.emit(request.action))
         .finally_(lambda: self.actions_bar.set_busy(False))
         .run())

    # -- the site agent advances runs ----------------------------------------------
    def _agent_changed(self, _status: object) -> None:
        self._update_run_button()

    def toggle_executor(self) -> None:
        """Start the site's agent when none runs; else ask it to start this run (a
        scheduled one only by Run now, with a reason)."""
        pid, status = self._pid, self.ctx.agent.status
        if status is None or not status.running:
            self.ctx.agent.start_agent()
            return
        if pid is None:
            return
        if self._snapshot is not None and self._snapshot.schedule_id:
            self.run_now()
            return
        site, actor = self.ctx.site, self.ctx.actor or ""
        passphrase = session.passphrase_for(self.ctx.session, actor)
        (Operation(self, lambda: session.request_run(site, pid, actor, passphrase,
                                                     "started from the run view"),
                   tasks=self.ctx.tasks)
         .broadcasts(self.ctx.changes, ChangeSet.run(pid), initiator=self)
         .run())

    def run_now(self) -> ReasonDialog | None:
        """"Run now instead of at <slot>": cancels the slot, reason required and recorded."""
        snapshot = self._snapshot
        if snapshot is None or not snapshot.schedule_id:
            return None
        slot, schedule_id = slot_time(snapshot.scheduled_at), snapshot.schedule_id
        subject = (f"<b>Run now instead of at {escape(slot)}</b> — promotion "
                   f"{escape(snapshot.promotion_id)}<br>Schedule {escape(schedule_id)} is "
                   "cancelled and the site agent starts the run at once; your reason is "
                   f"recorded on the run.<br>Acting as <b>{escape(snapshot.actor or '')}</b>")
        dialog = ReasonDialog("run-now", f"Run now instead of at {slot}", subject,
                              reason_required=True, parent=self)
        dialog.setObjectName("runNowDialog")
        dialog.finish_layout()
        site, actor, pid = self.ctx.site, self.ctx.actor or "", snapshot.promotion_id
        passphrase = session.passphrase_for(self.ctx.session, actor)

        def submit(reason: str | None) -> None:
            (Operation(self, lambda: session.run_now(site, schedule_id, actor, passphrase,
                                                     reason or ""),
                       tasks=self.ctx.tasks)
             .broadcasts(self.ctx.changes, ChangeSet(promotions=frozenset({pid}),
                                                     schedules=True), initiator=self)
             .success(lambda _info: self.action_recorded.emit("run-now"))
             .run())

        dialog.accepted.connect(lambda d=dialog: submit(d.request().reason))
        dialog.finished.connect(lambda _code, d=dialog: self._dialog_closed(d))
        self.active_dialog = dialog
        dialog.open()
        return dialog

    def _update_run_button(self) -> None:
        pid, snapshot, status = self._pid, self._snapshot, self.ctx.agent.status
        agent_up = status is not None and status.running
        self.run_button.setText("▶ Start run" if agent_up else "▶ Start agent")
        state = snapshot.state if snapshot else None
        if snapshot is not None and snapshot.actor_role == session.AUDITOR:
            self.run_button.setEnabled(False)  # auditors start nothing, the agent included
            self.run_button.setToolTip(f"Not now: {session.READ_ONLY}")
        elif not agent_up:
            self.run_button.setEnabled(status is not None and not self.ctx.agent.starting)
            self.run_button.setToolTip("No agent runs on this site: start it (it keeps running "
                                       "when this app quits) and it advances every run")
        elif snapshot is None or state is None:
            self.run_button.setEnabled(False)
            self.run_button.setToolTip("Select a promotion first" if pid is None
                                       else "Loading the promotion…")
        elif snapshot.schedule_id:
            slot = slot_time(snapshot.scheduled_at)
            self.run_button.setText("▶ Run now…")
            self.run_button.setEnabled(True)
            self.run_button.setToolTip(f"Scheduled for {slot}: the site agent starts it then. "
                                       f"Run it now instead of at {slot} (cancels the slot; a "
                                       "reason is required and recorded)")
        elif state.terminal or any(s.attempt > 0 for s in state.steps):
            self.run_button.setEnabled(False)
            self.run_button.setToolTip("The site agent advances this run whenever it can move")
        else:
            self.run_button.setEnabled(True)
            self.run_button.setToolTip("Ask the site agent to start this run now (a scheduled "
                                       "one starts at its slot, or with Run now on its schedule)")
        self.run_button_changed.emit(self.run_button.isEnabled(), self.run_button.text(),
                                     self.run_button.toolTip())


def _now_text(snapshot: RunSnapshot) -> str:
    state = snapshot.state
    current = state.current
    if state.terminal:
        return _ended_text(state)
    parts = []
    if current is not None:
        status = snapshot.status_of(current.name)
        parts.append(f"<b>Now:</b> {escape(current.title)} — "
                     f"<span style='color:{status_hex(status)}'><b>{status.upper()}</b></span>")
        if current.waiting_for == "approval":
            required = current.waiting_detail.get("required", state.approvals_required)
            parts.append(escape(f"waiting for {required} approval(s) (not by {state.requester})"))
        elif current.waiting_for:
            parts.append(escape(f"waiting for {current.waiting_for}"))
        if current.status == "rolled-back" and current.rollback:
            parts.append(escape(rollback_text(current.rollback)))
            parts.append(escape(f"retry {current.title} to deploy again, or cancel the run"))
        elif current.error:
            parts.append(f"<span style='color:#c62828'>{escape(current.error)}</span>")
    if state.pending_rollback:
        parts.append(escape(f"rollback ({state.pending_rollback.get('scope')}) requested"))
    if state.next_step:
        parts.append(f"<b>Next:</b> {escape(state.step(state.next_step).title)}")
    return " &nbsp;·&nbsp; ".join(parts)


def _ended_text(state: RunState) -> str:
    """How the run ended, why (a rollback's reason and ticket) and whether it is sealed."""
    parts = [f"<b>The run has ended: {state.status.upper()}</b>"]
    why = next((rollback_text(s.rollback) for s in state.steps if s.rollback), "")
    if why:
        parts.append(escape(why))
    seal = state.step(SEAL)
    if seal.status == "succeeded":
        parts.append("evidence <b>SEALED</b>")
    elif seal.status == "failed":
        parts.append(f"<span style='color:#c62828'>not sealed: {escape(seal.error)}</span>")
    else:
        parts.append("evidence not sealed yet (the agent seals it)")
    return " &nbsp;·&nbsp; ".join(parts)
