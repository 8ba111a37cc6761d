"""Operations → Feeds + AirGap Ops and Operations → Platform Health, and the one object
the main window asks for these pages and the Replay/Verify page (:class:`GateScreens`)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import Change
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.screens.gate_screens import FeedsScreen, feeds_screen
from app.services import health
from views.common.format import short, when
from views.common.page import LIST_ROWS, read_only_table
from views.common.palette import status_badge_css
from views.health_banner.banner import banner_text
from views.platform_health.models import RecordTableModel
from views.replay.page import ReplayVerifyPage

FEEDS = "feeds-airgap"
PLATFORM_HEALTH = "platform-health"
REPLAY = "replay-verify"
KEYS = frozenset({FEEDS, PLATFORM_HEALTH, REPLAY})
BADGE = {health.OK: "succeeded", health.WARN: "warned", health.FAIL: "failed"}


def _table(model: RecordTableModel, name: str) -> QTableView:
    view = read_only_table(model, name, min_rows=LIST_ROWS)
    view.setShowGrid(True)
    return view


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{escape(text)}</b>")
    label.setObjectName("sectionHeading")
    return label


def _age(hours: float | None) -> str:
    return "—" if hours is None else health.age_text(hours)


class FeedsPage(QWidget):
    """Feed freshness per source and ecosystem, every snapshot kept, the policies."""

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("feedsPage")
        self.ctx = ctx
        self.snapshot: FeedsScreen | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top = QHBoxLayout()
        title = QLabel("Feeds + AirGap Ops")
        title.setObjectName("pageTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.summary = QLabel()
        self.summary.setObjectName("feedsSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addWidget(_heading("Freshness per source and ecosystem (newest snapshot)"))
        self.freshness = RecordTableModel([
            ("Status", lambda f: f.status), ("Source", lambda f: f.source or "—"),
            ("Ecosystem", lambda f: f.ecosystem or "—"),
            ("Snapshot taken", lambda f: when(f.snapshot)), ("Age", lambda f: _age(f.age_hours)),
            ("Detail", lambda f: f.detail), ("Snapshot digest", lambda f: f.digest or "—"),
        ], status_column=0, parent=self)
        layout.addWidget(_table(self.freshness, "freshnessTable"), 3)
        layout.addWidget(_heading("Snapshots kept (a verdict replays against the one it used)"))
        self.snapshots = RecordTableModel([
            ("Snapshot taken", lambda s: when(s.snapshot)), ("Source", lambda s: s.source),
            ("Records", lambda s: f"{s.records:,}"), ("Imported", lambda s: when(s.imported_at)),
            ("Ecosystems", lambda s: ", ".join(s.ecosystems)), ("Digest", lambda s: s.digest),
        ], parent=self)
        layout.addWidget(_table(self.snapshots, "snapshotsTable"), 2)
        layout.addWidget(_heading("Gate policies (the newest import is in force)"))
        self.policies = RecordTableModel([
            ("Policy", lambda p: f"{p.name} v{p.version}" + (
                "  (in force)" if self.snapshot and p.digest == self.snapshot.policies[0].digest
                else "")), ("Imported", lambda p: when(
                p.imported_at)), ("Rules", lambda p: ", ".join(p.rules)),
            ("Digest", lambda p: p.digest),
        ], parent=self)
        layout.addWidget(_table(self.policies, "policiesTable"), 1)
        ctx.changes.changed.connect(self._on_change)

    def refresh(self) -> None:
        site = self.ctx.site
        Operation(self, lambda: feeds_screen(site), tasks=self.ctx.tasks) \
            .success(self._loaded).failure(self._failed).run()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if self.isVisible() and change.changes.promotion_list:
            self.refresh()

    def _loaded(self, screen: FeedsScreen) -> None:
        self.snapshot = screen
        limits = screen.thresholds
        worst = health.worst([f.status for f in screen.freshness])
        self.summary.setText(
            f"<span style='{status_badge_css(BADGE[worst])}'>&nbsp;{worst}&nbsp;</span> "
            f"&nbsp;Checked {escape(when(screen.checked_at))}. A feed is WARN from "
            f"{limits.feed_warn_hours:g}h and FAIL from {limits.feed_fail_hours:g}h "
            f"(<tt>stella health thresholds</tt>); the gate's own limit is each policy's "
            f"<tt>feeds.max_age_hours</tt>. New snapshots arrive as signed feed bundles "
            f"(Bundles / Import).")
        self.freshness.set_rows(screen.freshness)
        self.snapshots.set_rows(screen.snapshots)
        self.policies.set_rows(screen.policies)

    def _failed(self, failure: Failure) -> None:
        self.summary.setText(f"<span style='color:#c62828'>{escape(failure.message)}</span>")


class PlatformHealthPage(QWidget):
    """Overall data health, failed jobs and every integration, checked in a worker."""

    def __init__(self, ctx: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("platformHealthPage")
        self.ctx = ctx
        self.report: health.HealthReport | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        top = QHBoxLayout()
        title = QLabel("Platform Health")
        title.setObjectName("pageTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.check_button = QPushButton("Check now")
        self.check_button.setObjectName("checkHealth")
        self.check_button.setToolTip("Ask every deploy target for its health through its driver")
        self.check_button.clicked.connect(self.refresh)
        top.addWidget(self.check_button)
        layout.addLayout(top)
        self.status = QLabel("Checking…")
        self.status.setObjectName("healthStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.sections = QLabel()
        self.sections.setObjectName("healthSections")
        layout.addWidget(self.sections)
        layout.addWidget(_heading("Integrations: deploy targets and secret providers"))
        self.integrations = RecordTableModel([
            ("Status", lambda i: i.status), ("Kind", lambda i: i.kind),
            ("Environment", lambda i: i.scope or "—"), ("Name", lambda i: i.name),
            ("Detail", lambda i: i.detail),
        ], status_column=0, parent=self)
        layout.addWidget(_table(self.integrations, "integrationsTable"), 1)
        layout.addWidget(_heading("Failed jobs (steps of runs that have not ended)"))
        self.jobs = RecordTableModel([
            ("Status", lambda j: j.status.upper()), ("Source", lambda j: j.source),
            ("Subject", lambda j: j.subject), ("Job", lambda j: j.job),
            ("Detail", lambda j: j.detail),
        ], status_column=0, parent=self)
        layout.addWidget(_table(self.jobs, "jobsTable"), 1)
        layout.addWidget(_heading("Feeds"))
        self.feeds = RecordTableModel([
            ("Status", lambda f: f.status), ("Feed", lambda f: f"{f.source}/{f.ecosystem}"
                                            if f.source else "—"),
            ("Age", lambda f: _age(f.age_hours)), ("Detail", lambda f: f.detail),
            ("Snapshot digest", lambda f: short(f.digest) if f.digest else "—"),
        ], status_column=0, parent=self)
        layout.addWidget(_table(self.feeds, "healthFeedsTable"), 2)

    def refresh(self) -> None:
        site = self.ctx.site
        self.check_button.setEnabled(False)
        self.status.setText("Checking feeds, jobs and every integration…")
        (Operation(self, lambda: health.report(site), tasks=self.ctx.tasks)
         .success(self._loaded)
         .failure(lambda f: self.status.setText(
             f"<span style='color:#c62828'>{escape(f.message)}</span>"))
         .finally_(lambda: self.check_button.setEnabled(True))
         .run())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def _loaded(self, report: health.HealthReport) -> None:
        self.report = report
        self.status.setText(banner_text(report) + f" &nbsp;<span style='color:#78909c'>"
                            f"(checked {escape(when(report.checked_at))})</span>")
        self.sections.setText(" &nbsp; ".join(
            f"{name}: <span style='{status_badge_css(BADGE[report.section(name)])}'>&nbsp;"
            f"{report.section(name)}&nbsp;</span>" for name in ("feeds", "jobs",
                                                                 "integrations")))
        self.integrations.set_rows(report.integrations)
        self.jobs.set_rows(report.jobs)
        self.feeds.set_rows(report.feeds)


class GateScreens:
    """Builds the pages this package and views.replay provide, on demand, once each."""

    def __init__(self, ctx: GuiContext, navigate: Callable[[str], QWidget],
                 parent: QWidget | None = None) -> None:
        self.ctx = ctx
        self._navigate = navigate
        self._parent = parent
        self._pages: dict[str, QWidget] = {}

    def page(self, key: str) -> QWidget | None:
        if key not in KEYS:
            return None
        if key not in self._pages:
            factory = {FEEDS: FeedsPage, PLATFORM_HEALTH: PlatformHealthPage,
                       REPLAY: ReplayVerifyPage}[key]
            self._pages[key] = factory(self.ctx, self._parent)
        return self._pages[key]

    @property
    def replay(self) -> ReplayVerifyPage:
        page = self.page(REPLAY)
        assert isinstance(page, ReplayVerifyPage)
        return page

    def open_replay(self, promotion_id: str | None) -> ReplayVerifyPage:
        """Replay/Verify for this promotion (the run view's "Replay policy")."""
        page = self.replay
        page.show_promotion(promotion_id or None)
        self._navigate(REPLAY)
        return page
