"""Evidence → Replay/Verify (seed §14.8): for one promotion (opened from its run view) or
for every promotion — a pre-filled replay request, the recorded requests, determinism
metrics, and what-if against the newest feed snapshots and policy.

Everything is loaded by :func:`app.screens.gate_screens.replay_screen` in a worker;
a replay and a what-if each run as one background operation.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.refresher import Refresher
from app.screens.gate_screens import ReplayScreen, VerdictChoice, replay_screen
from app.services import replay
from views.common.format import short
from views.common.page import LIST_ROWS, read_only_table
from views.replay.models import (
    REASON,
    WI_FINDINGS,
    ReplayRequestTableModel,
    WhatIfTableModel,
)

ALL = "All promotions"


def metrics_text(metrics: replay.Determinism) -> str:
    rate = f"{metrics.match_rate:.0%}" if metrics.match_rate is not None else "—"
    text = (f"total {metrics.total} | matching {metrics.matching} | mismatches "
            f"{metrics.mismatches} | match rate {rate}")
    return text + (f" | errors {metrics.errors}" if metrics.errors else "")


def _table(model, name: str) -> QTableView:
    view = read_only_table(model, name, min_rows=LIST_ROWS)
    view.setShowGrid(True)
    view.setWordWrap(True)
    return view


class ReplayVerifyPage(QWidget):
    screen_loaded = Signal(object)  # ReplayScreen
    replay_finished = Signal(object)  # ReplayRecord
    what_if_finished = Signal(object)  # list[WhatIf]

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayVerifyPage")
        self.ctx = ctx
        self.promotion_id: str | None = None
        self.snapshot: ReplayScreen | None = None
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)

        top = QHBoxLayout()
        self.title = QLabel("Replay/Verify")
        self.title.setObjectName("pageTitle")
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(QLabel("Promotion:"))
        self.scope = QComboBox()
        self.scope.setObjectName("replayScope")
        self.scope.setMinimumWidth(180)
        self.scope.activated.connect(self._scope_chosen)
        top.addWidget(self.scope)
        layout.addLayout(top)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("replaySubtitle")
        self.subtitle.setWordWrap(True)
        layout.addWidget(self.subtitle)

        box = QGroupBox("Replay request (pre-filled from the latest verdict)")
        form = QFormLayout(box)
        self.verdict_combo = QComboBox()
        self.verdict_combo.setObjectName("verdictChoice")
        self.verdict_combo.currentIndexChanged.connect(self._verdict_chosen)
        form.addRow("Verdict ID:", self.verdict_combo)
        self.bundle_label = QLabel("—")
        self.bundle_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Bundle:", self.bundle_label)
        self.baseline_label = QLabel("—")
        self.baseline_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Baseline:", self.baseline_label)
        self.reason_edit = QLineEdit(replay.DEFAULT_REASON)
        self.reason_edit.setObjectName("replayReason")
        self.reason_edit.setPlaceholderText("Why: audit verification, policy change test…")
        form.addRow("Reason:", self.reason_edit)
        buttons = QHBoxLayout()
        self.request_button = QPushButton("Request Replay")
        self.request_button.setObjectName("requestReplay")
        self.request_button.clicked.connect(self.request_replay)
        buttons.addWidget(self.request_button)
        self.request_state = QLabel()
        self.request_state.setObjectName("requestState")
        self.request_state.setWordWrap(True)
        buttons.addWidget(self.request_state, 1)
        form.addRow(buttons)
        layout.addWidget(box)

        self.tabs = QTabWidget()
        requests_page = QWidget()
        requests_layout = QVBoxLayout(requests_page)
        requests_layout.setContentsMargins(0, 4, 0, 0)
        self.metrics_label = QLabel()
        self.metrics_label.setObjectName("determinismMetrics")
        self.metrics_label.setWordWrap(True)
        requests_layout.addWidget(self.metrics_label)
        split = QSplitter(Qt.Orientation.Vertical)
        self.requests = ReplayRequestTableModel(self)
        self.requests_view = _table(self.requests, "replayRequests")
        self.requests_view.horizontalHeader().setSectionResizeMode(
            REASON, QHeaderView.ResizeMode.Stretch)
        self.requests_view.selectionModel().selectionChanged.connect(self._request_selected)
        split.addWidget(self.requests_view)
        self.request_detail = QPlainTextEdit()
        self.request_detail.setObjectName("replayDiff")
        self.request_detail.setAccessibleName("Replay differences")
        self.request_detail.setReadOnly(True)
        self.request_detail.setPlaceholderText("Select a request to see what it compared.")
        split.addWidget(self.request_detail)
        split.setSizes([260, 120])
        requests_layout.addWidget(split, 1)
        self.tabs.addTab(requests_page, "Replay requests")

        what_if_page = QWidget()
        what_if_layout = QVBoxLayout(what_if_page)
        what_if_layout.setContentsMargins(0, 4, 0, 0)
        bar = QHBoxLayout()
        self.what_if_button = QPushButton("Re-evaluate against the newest feeds and policy")
        self.what_if_button.setObjectName("runWhatIf")
        self.what_if_button.clicked.connect(self.run_what_if)
        bar.addWidget(self.what_if_button)
        self.what_if_state = QLabel("Which past verdicts would flip if evaluated now? "
                                    "Nothing is recorded.")
        self.what_if_state.setWordWrap(True)
        bar.addWidget(self.what_if_state, 1)
        what_if_layout.addLayout(bar)
        wsplit = QSplitter(Qt.Orientation.Vertical)
        self.what_if = WhatIfTableModel(self)
        self.what_if_view = _table(self.what_if, "whatIfTable")
        self.what_if_view.horizontalHeader().setSectionResizeMode(
            WI_FINDINGS, QHeaderView.ResizeMode.Stretch)
        self.what_if_view.selectionModel().selectionChanged.connect(self._what_if_selected)
        wsplit.addWidget(self.what_if_view)
        self.what_if_detail = QPlainTextEdit()
        self.what_if_detail.setObjectName("whatIfDetail")
        self.what_if_detail.setReadOnly(True)
        self.what_if_detail.setPlaceholderText("Select a promotion to see the findings and "
                                               "rules that changed.")
        wsplit.addWidget(self.what_if_detail)
        wsplit.setSizes([220, 160])
        what_if_layout.addWidget(wsplit, 1)
        self.tabs.addTab(what_if_page, "What-if")
        layout.addWidget(self.tabs, 1)
        ctx.changes.changed.connect(self._on_change)
        self._show_scope()

    # -- scope -----------------------------------------------------------------------
    def show_promotion(self, promotion_id: str | None) -> None:
        """Show replay for this promotion (``None``: every promotion)."""
        self.promotion_id = promotion_id
        self._show_scope()
        self.refresh()

    def _show_scope(self) -> None:
        if self.promotion_id:
            self.title.setText(f"Replay/Verify — for promotion {self.promotion_id}")
        else:
            self.title.setText("Replay/Verify")

    def _scope_chosen(self, index: int) -> None:
        chosen = self.scope.itemData(index)
        if chosen != self.promotion_id:
            self.show_promotion(chosen)

    def refresh(self) -> None:
        self._refresher.request()

    def _job(self):
        site, pid = self.ctx.site, self.promotion_id
        return lambda: replay_screen(site, pid)

    def _on_change(self, change: Change) -> None:
        if change.changes.promotion_list or change.changes.touches(self.promotion_id) or \
                (self.promotion_id is None and change.changes.promotions):
            if self.isVisible():
                self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    # -- showing ---------------------------------------------------------------------
    def _loaded(self, screen: ReplayScreen) -> None:
        if screen.promotion_id != self.promotion_id:
            return
        self.snapshot = screen
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem(ALL, None)
        for pid in screen.promotions:
            self.scope.addItem(pid, pid)
        if self.promotion_id and self.promotion_id not in screen.promotions:
            self.scope.addItem(self.promotion_id, self.promotion_id)
        self.scope.setCurrentIndex(max(0, self.scope.findData(self.promotion_id)))
        self.scope.blockSignals(False)
        current = self.verdict_combo.currentData()
        self.verdict_combo.blockSignals(True)
        self.verdict_combo.clear()
        for choice in screen.verdicts:
            self.verdict_combo.addItem(choice.label, choice.verdict_id)
        index = self.verdict_combo.findData(current) if current else -1
        self.verdict_combo.setCurrentIndex(index if index >= 0 else 0)
        self.verdict_combo.blockSignals(False)
        self._verdict_chosen(self.verdict_combo.currentIndex())
        if not screen.verdicts:
            self.subtitle.setText("No policy verdict has been recorded" + (
                f" for {self.promotion_id}" if self.promotion_id else "") +
                " yet: the Gate Eval step records one each time it runs.")
        elif self.promotion_id is None:
            self.subtitle.setText(f"All promotions: {len(screen.verdicts)} verdict(s) recorded "
                                  f"for {len(screen.promotions)} promotion(s).")
        else:
            latest = screen.verdicts[0]
            self.subtitle.setText(
                f"{escape(latest.release_label)} — manifest "
                f"<tt>{escape(short(latest.release_digest))}</tt>; "
                f"{len(screen.verdicts)} verdict(s) recorded")
        self.requests.set_rows(screen.requests)
        scope = self.promotion_id or "all promotions"
        self.metrics_label.setText(
            f"<b>Determinism ({escape(scope)}):</b> {metrics_text(screen.metrics)}"
            + ("" if self.promotion_id is None else
               f" &nbsp;·&nbsp; site: {metrics_text(screen.overall)}"))
        self.screen_loaded.emit(screen)

    def _failed(self, failure: Failure) -> None:
        self.subtitle.setText(f"<span style='color:#c62828'>Cannot load replay data: "
                              f"{escape(failure.message)}</span>")

    def _choice(self) -> VerdictChoice | None:
        if self.snapshot is None:
            return None
        index = self.verdict_combo.currentIndex()
        return self.snapshot.verdicts[index] if 0 <= index < len(self.snapshot.verdicts) else None

    def _verdict_chosen(self, _index: int) -> None:
        choice = self._choice()
        self.request_button.setEnabled(choice is not None)
        if choice is None:
            self.bundle_label.setText("—")
            self.baseline_label.setText("—")
            return
        bundle = f"{choice.release_label} manifest {short(choice.release_digest)}"
        if choice.bundle_digest:
            bundle += f" (bundle {short(choice.bundle_digest)})"
        self.bundle_label.setText(bundle)
        self.baseline_label.setText(choice.baseline + (
            f" ({short(choice.baseline_digest)})" if choice.baseline_digest else ""))

    def _request_selected(self) -> None:
        rows = self.requests_view.selectionModel().selectedRows()
        if not rows:
            self.request_detail.clear()
            return
        record = self.requests.row(rows[0].row())
        lines = [f"{record.request_id}: {record.status} — {record.result or '…'}",
                 f"verdict {record.verdict_id} of {record.promotion_id}, requested by "
                 f"{record.requested_by}: {record.reason}",
                 f"recorded decision digest {record.recorded_digest}",
                 f"replayed decision digest {record.replayed_digest or '—'}"]
        if record.error:
            lines.append(f"error: {record.error}")
        if record.diff:
            lines.append("")
            lines += replay.diff_lines(record.diff)
        self.request_detail.setPlainText("\n".join(lines))

    def _what_if_selected(self) -> None:
        rows = self.what_if_view.selectionModel().selectedRows()
        if not rows:
            self.what_if_detail.clear()
            return
        item = self.what_if.row(rows[0].row())
        if item.error:
            self.what_if_detail.setPlainText(f"cannot re-evaluate: {item.error}")
            return
        head = (f"{item.promotion_id}: {item.before} → {item.after}"
                + (" (WOULD FLIP)" if item.flips else " (unchanged outcome)"))
        self.what_if_detail.setPlainText("\n".join([head, ""] + replay.diff_lines(item.diff or {})))

    # -- actions ---------------------------------------------------------------------
    def request_replay(self) -> None:
        choice = self._choice()
        if choice is None:
            return
        site, actor = self.ctx.site, self.ctx.actor or "unknown"
        reason = self.reason_edit.text().strip() or replay.DEFAULT_REASON
        verdict_id = choice.verdict_id
        self.request_button.setEnabled(False)
        self.request_state.setText(f"Replaying {verdict_id} from its sealed inputs…")
        (Operation(self, lambda: replay.replay_verdict(site, verdict_id, actor, reason),
                   tasks=self.ctx.tasks)
         .success(self._replayed)
         .failure(self._replay_failed)
         .finally_(lambda: self.request_button.setEnabled(self._choice() is not None))
         .run())

    def _replayed(self, record: replay.ReplayRecord) -> None:
        outcome = {"match": "match — same decision digest",
                   "mismatch": "MISMATCH — see the diff below"}.get(
            record.result or "", f"error: {record.error}")
        self.request_state.setText(f"{record.request_id}: {outcome}")
        self.refresh()
        self.replay_finished.emit(record)

    def _replay_failed(self, failure: Failure) -> None:
        self.request_state.setText(f"<span style='color:#c62828'>{escape(failure.message)}"
                                   "</span>")

    def run_what_if(self) -> None:
        site = self.ctx.site
        pid = self.promotion_id
        choice = self._choice()
        verdict_id = choice.verdict_id if (pid and choice) else None
        self.what_if_button.setEnabled(False)
        self.what_if_state.setText("Re-evaluating…")
        (Operation(self, lambda: replay.what_if(site, verdict_id), tasks=self.ctx.tasks)
         .success(self._what_if_done)
         .failure(lambda f: self.what_if_state.setText(
             f"<span style='color:#c62828'>{escape(f.message)}</span>"))
         .finally_(lambda: self.what_if_button.setEnabled(True))
         .run())

    def _what_if_done(self, results: list[replay.WhatIf]) -> None:
        self.what_if.set_rows(results)
        flips = sum(1 for r in results if r.flips)
        self.what_if_state.setText(f"{len(results)} verdict(s) re-evaluated against the newest "
                                   f"feeds and policy: <b>{flips} would flip</b>.")
        self.what_if_finished.emit(results)
