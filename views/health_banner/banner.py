"""The data health banner of the run view (seed §14.3):

    Data health: WARN — osv stale 7h (npm, PyPI +3) | P-0003 Gate Eval failed | …
    Links: Ops Feeds · Scheduler Runs · Platform Health · Integrations

Feeds and jobs are reloaded when runs change (at most every few seconds); deploy
targets are asked for their health when the banner first loads and then once a
minute, since asking them talks to every target. All of it in workers.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QWidget

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.refresher import Refresher
from app.services import health

LINKS = (("feeds-airgap", "Ops Feeds"), ("scheduler-runs", "Scheduler Runs"),
         ("platform-health", "Platform Health"), ("integrations", "Integrations"))
PROBE_EVERY_MS = 60_000
QUICK_MIN_INTERVAL_MS = 3_000
STYLES = {
    health.OK: "background: #e8f5e9; border: 1px solid #a5d6a7; color: #1b5e20;",
    health.WARN: "background: #fff8e1; border: 1px solid #ffca28; color: #5d4000;",
    health.FAIL: "background: #ffebee; border: 1px solid #ef9a9a; color: #8e0000;",
}
MARKS = {health.OK: "✓", health.WARN: "⚠", health.FAIL: "✗"}
# the banner's own light background: its text keeps a dark colour on a dark desktop too
FOREGROUND = {status: style.split(";")[2].strip() + ";" for status, style in STYLES.items()}


def banner_text(report: health.HealthReport) -> str:
    status = report.status
    text = f"{MARKS[status]} <b>Data health: {status}</b>"
    if report.problems:
        text += " — " + " &nbsp;|&nbsp; ".join(escape(p) for p in report.problems)
    else:
        text += " — feeds fresh, no failed jobs, integrations healthy"
    return text


class DataHealthBanner(QFrame):
    link_activated = Signal(str)  # a navigation key
    report_loaded = Signal(object)  # HealthReport

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataHealthBanner")
        self.ctx = ctx
        self.report: health.HealthReport | None = None
        self._targets: tuple[health.IntegrationHealth, ...] | None = None
        self._probe_next = True
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 10, 5)
        self.label = QLabel("Data health: checking…")
        self.label.setObjectName("dataHealthText")
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.links = QLabel("Links: " + " · ".join(f"<a href='{key}'>{title}</a>"
                                                   for key, title in LINKS))
        self.links.setObjectName("dataHealthLinks")
        links = self.links.palette()  # the banner is light on a dark desktop too
        links.setColor(QPalette.ColorRole.Link, QColor("#0d47a1"))
        self.links.setPalette(links)
        self.links.linkActivated.connect(self.link_activated.emit)
        layout.addWidget(self.links)
        self._refresher = Refresher(self, self._job, self._loaded, self._failed, ctx.tasks,
                                    QUICK_MIN_INTERVAL_MS)
        self._timer = QTimer(self)
        self._timer.setInterval(PROBE_EVERY_MS)
        self._timer.timeout.connect(self.probe)
        self._timer.start()
        ctx.changes.changed.connect(self._on_change)
        self._style(health.OK)

    def stack(self) -> None:
        """Links below the text, both wrapping: for a narrow column."""
        layout = self.layout()
        if isinstance(layout, QBoxLayout):
            layout.setDirection(QBoxLayout.Direction.TopToBottom)
        self.links.setWordWrap(True)

    def _style(self, status: str) -> None:
        self.setStyleSheet(f"QFrame#dataHealthBanner {{ {STYLES[status]} border-radius: 5px; }}"
                           " QFrame#dataHealthBanner QLabel { border: none; background: "
                           f"transparent; {FOREGROUND[status]} }}")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.report is None and self._refresher.runs == 0:
            self.refresh()  # first shown: check now rather than at the next change

    def refresh(self) -> None:
        self._refresher.request()

    def probe(self) -> None:
        """Ask the deploy targets again on the next load."""
        self._probe_next = True
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.changes.promotions or change.changes.promotion_list:
            self.refresh()

    def _job(self):
        site, probe = self.ctx.site, self._probe_next
        targets = None if probe else self._targets
        self._probe_next = False
        return lambda: health.report(site, probe_targets=probe, targets=targets)

    def _loaded(self, report: health.HealthReport) -> None:
        self.report = report
        self._targets = report.targets
        self.label.setText(banner_text(report))
        details = health.problem_details(report)
        self.label.setToolTip("\n".join([*details, "" if details else "All good.",
                                          f"Checked {report.checked_at}; feeds WARN from "
                                          f"{report.thresholds.feed_warn_hours:g}h, FAIL from "
                                          f"{report.thresholds.feed_fail_hours:g}h"]))
        self._style(report.status)
        self.report_loaded.emit(report)

    def _failed(self, failure: Failure) -> None:
        self.label.setText(f"Data health: cannot check ({escape(failure.message)})")
        self._style(health.WARN)
