"""Step Detail → Overview for Gate Eval (seed §14.4): timing and result, the inputs with
their digests and feed ages, the outputs (verdict id, decision digest), every rule with
its outcome and explanation, and the findings with a filter and sortable columns."""

from __future__ import annotations

from dataclasses import replace
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import ChangeSet
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.screens.gate_screens import GateDetail, gate_detail
from app.screens.snapshots import RunSnapshot
from app.services import replay
from app.steps.gate import findings_text
from views.common.format import duration, short, when
from views.common.page import read_only_table
from views.common.palette import status_badge_css, status_hex
from views.gate_detail.models import (
    EXPLANATION,
    FINDING_HEADERS,
    PACKAGE,
    RULE_HEADERS,
    SEVERITY,
    FindingFilterProxy,
    FindingTableModel,
    InputTableModel,
    RuleTableModel,
    input_rows,
)

OUTCOME_STATUS = {"pass": "succeeded", "warn": "warned", "require-approval": "waiting",
                  "block": "failed"}
REPLAY_REASON = "Replay requested from Step Detail"


def _table(model, name: str) -> QTableView:
    view = read_only_table(model, name)
    view.setShowGrid(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    return view


def _value(name: str) -> QLabel:
    label = QLabel("—")
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class GateOverviewTab(QWidget):
    detail_loaded = Signal(object)  # GateDetail | None
    replayed = Signal(object)  # ReplayRecord

    def __init__(self, ctx: GuiContext, promotion_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.promotion_id = promotion_id
        self.detail: GateDetail | None = None
        self.replaying = False  # a replay request of this tab is running
        self._loaded_for: tuple | None = None
        layout = QVBoxLayout(self)
        layout.setSpacing(6)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        top = QHBoxLayout()
        for key, title in (("start", "Start"), ("end", "End"), ("duration", "Duration")):
            top.addWidget(QLabel(f"<b>{title}:</b>"))
            self.fields[key] = _value(f"gate_{key}")
            self.fields[key].setWordWrap(False)
            top.addWidget(self.fields[key])
            top.addSpacing(10)
        top.addWidget(QLabel("<b>Result:</b>"))
        self.result_badge = QLabel("—")
        self.result_badge.setObjectName("gate_result")
        self.result_badge.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        top.addWidget(self.result_badge)
        top.addStretch(1)
        layout.addLayout(top)
        for row, (key, title) in enumerate((("inputs", "Inputs"), ("policy", "Policy"),
                                            ("outputs", "Outputs"), ("error", "Error"))):
            heading = QLabel(f"<b>{title}:</b>")
            heading.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(heading, row, 0)
            self.fields[key] = _value(f"gate_{key}")
            grid.addWidget(self.fields[key], row, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.error_heading = heading  # the last row's: "Error"

        replay_row = QHBoxLayout()
        self.replay_button = QPushButton("Replay this verdict")
        self.replay_button.setObjectName("replayVerdict")
        self.replay_button.setToolTip("Re-evaluate this verdict from its sealed inputs and "
                                      "compare decision digests (recorded as a replay request)")
        self.replay_button.clicked.connect(self.request_replay)
        self.replay_button.setEnabled(False)
        replay_row.addWidget(self.replay_button)
        self.replay_label = QLabel()
        self.replay_label.setObjectName("replayResult")
        self.replay_label.setWordWrap(True)
        replay_row.addWidget(self.replay_label, 1)
        layout.addLayout(replay_row)

        self.tabs = QTabWidget()
        self.rules = RuleTableModel(self)
        self.rules_view = _table(self.rules, "rulesTable")
        header = self.rules_view.horizontalHeader()
        for column in range(len(RULE_HEADERS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(EXPLANATION, QHeaderView.ResizeMode.Stretch)
        self.rules_view.setWordWrap(True)  # an explanation is read whole, not from a tooltip
        self.rules_view.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.tabs.addTab(self.rules_view, "Rules")

        findings_page = QWidget()
        findings_layout = QVBoxLayout(findings_page)
        findings_layout.setContentsMargins(0, 4, 0, 0)
        bar = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("findingFilter")
        self.filter_edit.setAccessibleName("Filter findings")
        self.filter_edit.setPlaceholderText("Filter: id, alias, package, severity, rule…")
        self.filter_edit.setClearButtonEnabled(True)
        bar.addWidget(self.filter_edit, 1)
        self.hide_suppressed = QCheckBox("Hide suppressed (VEX)")
        bar.addWidget(self.hide_suppressed)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        findings_layout.addLayout(bar)
        self.findings = FindingTableModel(self)
        self.proxy = FindingFilterProxy(self)
        self.proxy.setSourceModel(self.findings)
        self.findings_view = _table(self.proxy, "findingsTable")
        self.findings_view.setSortingEnabled(True)
        self.findings_view.sortByColumn(SEVERITY, Qt.SortOrder.DescendingOrder)
        fheader = self.findings_view.horizontalHeader()
        for column in range(len(FINDING_HEADERS)):
            fheader.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        fheader.setSectionResizeMode(PACKAGE, QHeaderView.ResizeMode.Stretch)
        findings_layout.addWidget(self.findings_view, 1)
        self.filter_edit.textChanged.connect(self._filter)
        self.hide_suppressed.toggled.connect(self._filter)
        self.tabs.addTab(findings_page, "Findings")
        self.inputs = InputTableModel(self)
        self.inputs_view = _table(self.inputs, "inputsTable")
        iheader = self.inputs_view.horizontalHeader()
        for column in (0, 1, 2):
            iheader.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        iheader.setStretchLastSection(True)
        self.tabs.addTab(self.inputs_view, "Inputs")
        layout.addWidget(self.tabs, 1)
        self.empty = QLabel("No verdict has been recorded for this step yet.")
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # without a verdict the empty note takes the room, not the badge and the labels
        layout.addWidget(self.empty, 1)
        self._show(None)

    # -- loading ---------------------------------------------------------------------
    def show_step(self, snapshot: RunSnapshot, step: str) -> None:
        view = snapshot.state.step(step)
        self.fields["start"].setText(when(view.started_at))
        self.fields["end"].setText(when(view.ended_at))
        self.fields["duration"].setText(duration(view) or "—")
        self._step_error = view.error
        self._step_status = snapshot.status_of(step)
        self._show(self.detail)
        key = (view.attempt, view.status, view.ended_at)
        if key != self._loaded_for:
            self._loaded_for = key
            self.reload()

    def reload(self) -> None:
        site, pid = self.ctx.site, self.promotion_id
        Operation(self, lambda: gate_detail(site, pid), tasks=self.ctx.tasks) \
            .success(self._loaded).failure(self._failed).run()

    def _loaded(self, detail: GateDetail | None) -> None:
        held = self.detail.last_replay if self.detail is not None else None
        if detail is not None and held is not None and held.verdict_id == detail.verdict_id:
            # a load that began before a replay finished must not hide that replay
            detail = replace(detail, last_replay=newer(detail.last_replay, held))
        self.detail = detail
        self._show(detail)
        self.detail_loaded.emit(detail)

    def _failed(self, failure: Failure) -> None:
        self.fields["error"].setText(f"<span style='color:#c62828'>Cannot load the verdict: "
                                     f"{escape(failure.message)}</span>")

    # -- showing ---------------------------------------------------------------------
    def _show(self, detail: GateDetail | None) -> None:
        error = getattr(self, "_step_error", "")
        self.fields["error"].setText(f"<span style='color:#c62828'>{escape(error)}</span>"
                                     if error else "—")
        self.fields["error"].setVisible(bool(error))
        self.error_heading.setVisible(bool(error))
        self.tabs.setVisible(detail is not None)
        self.empty.setVisible(detail is None)
        self.replay_button.setEnabled(detail is not None)
        if detail is None:
            status = getattr(self, "_step_status", "pending")
            self.result_badge.setText(status.upper())
            self.result_badge.setStyleSheet(status_badge_css(status))
            for key in ("inputs", "policy", "outputs"):
                self.fields[key].setText("—")
            self.rules.set_rows([])
            self.findings.set_rows([])
            self.inputs.set_rows([])
            self.replay_label.setText("")
            return
        status = OUTCOME_STATUS.get(detail.outcome, detail.outcome)
        self.result_badge.setText(detail.result_text)
        self.result_badge.setStyleSheet(status_badge_css(status))
        self.fields["inputs"].setText(inputs_html(detail))
        self.fields["policy"].setText(policy_html(detail))
        self.fields["outputs"].setText(
            f"policy verdict id: <b>{escape(detail.verdict_id)}</b> &nbsp;|&nbsp; decision "
            f"digest: <tt>{escape(detail.decision_digest)}</tt> &nbsp;|&nbsp; evidence "
            f"<tt>{escape(short(detail.evidence_digest or '—'))}</tt> (attempt {detail.attempt},"
            f" evaluated {escape(detail.evaluated_at)})")
        self.rules.set_rows(detail.rules)
        self.findings.set_rows(detail.findings)
        self.inputs.set_rows(input_rows(detail))
        triggered = sum(1 for r in detail.rules if r.outcome != "not-triggered")
        self.tabs.setTabText(0, f"Rules ({len(detail.rules)}, {triggered} triggered)")
        suppressed = sum(1 for f in detail.findings if f.suppressed)
        counted = findings_text(len(detail.findings) - suppressed, suppressed)
        self.tabs.setTabText(1, f"Findings ({counted})")
        self.tabs.setTabText(2, f"Inputs ({self.inputs.rowCount()})")
        self._filter()
        self._show_replay(detail.last_replay)

    def _filter(self) -> None:
        self.proxy.set_text(self.filter_edit.text())
        self.proxy.set_hide_suppressed(self.hide_suppressed.isChecked())
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.findings.rowCount()} shown")

    # -- replay ----------------------------------------------------------------------
    def request_replay(self) -> bool:
        """Replay the verdict shown; False (and nothing recorded) while a replay of this
        dialog is still running — a second click or key press is not a second request."""
        detail = self.detail
        if detail is None or self.replaying:
            return False
        site, actor, verdict_id = self.ctx.site, self.ctx.actor or "unknown", detail.verdict_id
        self.replaying = True
        self.replay_button.setEnabled(False)
        self.replay_label.setText("Replaying from the sealed inputs…")
        (Operation(self, lambda: replay.replay_verdict(site, verdict_id, actor, REPLAY_REASON),
                   tasks=self.ctx.tasks)
         .broadcasts(self.ctx.changes, ChangeSet.run(self.promotion_id), initiator=self)
         .success(self._replayed)
         .failure(self._replay_failed)
         .finally_(self._replay_done)
         .run())
        return True

    def _replay_done(self) -> None:
        self.replaying = False
        self.replay_button.setEnabled(self.detail is not None)

    def _replay_failed(self, failure: Failure) -> None:
        self.replay_label.setText(f"<span style='color:#c62828'>Replay failed: "
                                  f"{escape(failure.message)}</span>")

    def _replayed(self, record: replay.ReplayRecord) -> None:
        # the result stays: the detail shown (and every later refresh of it) carries it
        if self.detail is not None and self.detail.verdict_id == record.verdict_id:
            self.detail = replace(self.detail, last_replay=newer(self.detail.last_replay, record))
        self._show_replay(record)
        self.replayed.emit(record)

    def _show_replay(self, record: replay.ReplayRecord | None) -> None:
        if record is None:
            self.replay_label.setText("Not replayed yet.")
            return
        if record.result == "match":
            text = (f"<span style='color:{status_hex('succeeded')}'><b>✓ match</b></span> — "
                    f"{escape(record.request_id)}, {escape(record.finished_at or '')}: the "
                    "sealed inputs give the same decision digest")
        elif record.result == "mismatch":
            text = (f"<span style='color:{status_hex('failed')}'><b>✗ mismatch</b></span> — "
                    f"{escape(record.request_id)}: replayed "
                    f"<tt>{escape(short(record.replayed_digest or ''))}</tt>; see Replay/Verify "
                    "for the diff")
        else:
            text = (f"<span style='color:{status_hex('failed')}'><b>error</b></span> — "
                    f"{escape(record.request_id)}: {escape(record.error or '')}")
        self.replay_label.setText(text)


def newer(first: replay.ReplayRecord | None,
          second: replay.ReplayRecord | None) -> replay.ReplayRecord | None:
    """The later of two replay requests (request ids count up: rr-001, rr-002, …)."""
    if first is None or second is None:
        return first or second
    return max(first, second, key=lambda r: int(r.request_id.rsplit("-", 1)[-1] or 0))


def inputs_html(detail: GateDetail) -> str:
    release = detail.release
    parts = [f"bundle manifest <tt>{escape(short(release['digest']))}</tt> "
             f"({escape(release['name'])} {escape(release['version'])})"]
    if detail.baseline:
        parts.append(f"baseline {escape(str(detail.baseline['name']))} "
                     f"({detail.baseline['known']} known, "
                     f"<tt>{escape(short(str(detail.baseline['digest'])))}</tt>)")
    feeds = []
    for feed in detail.feeds:
        text = f"{escape(feed.source)}/{escape(feed.ecosystem)} {feed.age_hours:g}h"
        if feed.stale:
            text = f"<span style='color:#c62828'><b>{text} STALE</b></span>"
        feeds.append(text)
    parts.append("feeds: " + (", ".join(feeds) if feeds else
                              "<span style='color:#c62828'><b>none imported</b></span>"))
    parts.append(f"{len(detail.sboms)} SBOM(s), {len(detail.vex)} VEX")
    parts.append("runtime: " + ("unknown" if detail.observed is None
                                else f"{detail.observed} package(s) seen loaded"))
    return " &nbsp;|&nbsp; ".join(parts)


def policy_html(detail: GateDetail) -> str:
    policy = detail.policy
    text = (f"{escape(str(policy['name']))} v{escape(str(policy['version']))} "
            f"<tt>{escape(short(str(policy['digest'])))}</tt>")
    if detail.override:
        override = detail.override
        text += (f" — <span style='color:#b26a00'><b>stale-feeds OVERRIDE</b> by "
                 f"{escape(str(override['approver']))}: {escape(str(override['reason']))}"
                 f"</span> (imported policy <tt>{escape(short(detail.base_policy_digest))}</tt>)")
    return text
