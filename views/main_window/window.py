"""The main window: navigation on the left, the chosen page on the right, who the
user is signed in as in the toolbar, and the live-refresh state in the status bar.

The window is built in two steps so it paints before the site is open (issue 13's
skeleton-first start): ``MainWindow()`` is the frame alone — navigation, toolbar,
menus, status bar and a "Loading…" page — and imports nothing but Qt; ``attach(ctx)``
gives it the open site, builds the promotions page and lets every other page be built
the first time it is shown (:mod:`views.main_window.pages`).

Choosing a user with a signing key in the toolbar asks for the key's passphrase
(the login dialog); a user without a key acts by name, as ``--as`` does."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from views.common.geometry import fit_window
from views.common.page import scrolling
from views.common.shortcuts import BY_KEY, ShortcutsDialog, with_keys
from views.main_window.navigation import (
    ADMIN_PAGES,
    BUNDLES,
    EVIDENCE_PAGES,
    GATE_PAGES,
    NAVIGATION,
    OPERATIONS,
    PROMOTIONS,
    SCHEDULER_PAGES,
    NavEntry,
    all_entries,
)
from views.main_window.pages import LazyPages, LoadingPage

if TYPE_CHECKING:
    from app.agent.lock import AgentStatus
    from app.qt.context import GuiContext
    from app.screens.session import SignedInUser
    from app.screens.snapshots import SiteInfo
    from app.services.promotion_summary import PromotionSummary
    from views.admin_pages.pages import AdminPages
    from views.bundles.page import BundlesPage
    from views.evidence.pages import EvidencePages
    from views.login.dialog import LoginDialog
    from views.operations.page import OperationsPage
    from views.platform_health.pages import GateScreens
    from views.promotions.page import PromotionsPage
    from views.run_timeline.view import RunTimelineView
    from views.scheduler_runs.pages import SchedulerScreens

APP_TITLE = "Stella Ops Offline Console"


def agent_text(status: AgentStatus | None, starting: bool) -> tuple[str, str]:
    """The status bar's agent line and its tooltip."""
    if starting:
        return "<span style='color:#9e9e9e'>●</span> Agent: starting…", "Starting the agent"
    if status is None:
        return "Agent: checking…", "Looking for this site's agent"
    if not status.running:
        return ("<span style='color:#c62828'>●</span> Agent: not running",
                "No agent runs on this site: approvals, continues, rollbacks and schedules "
                "are recorded but nothing advances until one runs")
    since = (status.since or "").replace("T", " ").rstrip("Z")[:16]
    return (f"<span style='color:#2e7d32'>●</span> Agent: running since {html.escape(since)} UTC "
            f"on {html.escape(status.host)}",
            f"The site agent (pid {status.pid}) advances every run and starts scheduled ones; "
            f"log: {status.log_file}")


KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class MainWindow(QMainWindow):
    site_loaded = Signal(object)  # SiteInfo

    def __init__(self, ctx: GuiContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: GuiContext = None  # type: ignore[assignment]  # set by attach()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_TITLE)
        self.site_info: SiteInfo | None = None
        self.pages = LazyPages(self._build_page)
        self.login_dialog: LoginDialog | None = None
        self._keyed: dict[str, bool] = {}
        self._sign_in_on_start = False
        self.quit_box: QMessageBox | None = None
        self._quit_confirmed = False
        self._frames: dict[QWidget, QWidget] = {}
        self._groups: dict[str, object] = {}
        self.promotions: PromotionsPage = None  # type: ignore[assignment]  # built with rows

        self.nav = QTreeWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setHeaderHidden(True)
        self.nav.setMinimumWidth(170)
        self.nav.setMaximumWidth(260)
        self.stack = QStackedWidget()
        self.loading = LoadingPage()
        self.stack.addWidget(self.loading)
        self._add_entries(NAVIGATION, None)
        self.nav.expandAll()
        self.nav.currentItemChanged.connect(self._nav_moved)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([185, 1180])
        self.setCentralWidget(splitter)
        self._read_only = False  # the acting user is an auditor: they start nothing
        self._build_toolbar()
        self._build_menu()
        self._build_status_bar()
        fit_window(self, "main", (1.0, 1.0), floor=QSize(1000, 600))
        self.navigate(PROMOTIONS)
        if ctx is not None:
            self.attach(ctx)

    # -- structure ------------------------------------------------------------------
    def _add_entries(self, entries: tuple[NavEntry, ...], parent: QTreeWidgetItem | None) -> None:
        for entry in entries:
            item = QTreeWidgetItem([entry.title])
            item.setData(0, KEY_ROLE, entry.key)
            if not entry.available and entry.key != "releases":
                item.setForeground(0, Qt.GlobalColor.gray)
                item.setToolTip(0, "Not yet available in this build")
            if parent is None:
                self.nav.addTopLevelItem(item)
            else:
                parent.addChild(item)
            self._add_entries(entry.children, item)

    def attach(self, ctx: GuiContext) -> None:
        """Give the frame its open site: the promotions page now, the others when shown."""
        from views.common.error_presenter import ErrorPresenter
        from views.promotions.page import PromotionsPage

        self.ctx = ctx
        self.errors = ErrorPresenter(ctx.errors, self)
        if self.promotions is None:
            self.promotions = PromotionsPage(ctx)
        else:  # built before the site was open, to show the rows read without it
            self.promotions.attach(ctx)
        self.promotions.run_view_built.connect(self._wire_run_view)
        self._install_drop_target()
        for action in (self.sign_in_action, self.refresh_action, self.audit_action):
            action.setEnabled(True)
        interval = ctx.poller.interval_ms / 1000
        self.live_label.setText(f"<span style='color:#9e9e9e'>●</span> Live: waiting for the "
                                f"first check (every {interval:g} s)")
        self.site_label.setText("Opening site…")
        current = self.nav.currentItem()
        self.navigate(current.data(0, KEY_ROLE) if current is not None else PROMOTIONS)
        ctx.agent.changed.connect(self._agent_changed)
        ctx.agent.starting_changed.connect(lambda _s: self._agent_changed(ctx.agent.status))
        ctx.poller.polled.connect(self._polled)
        ctx.navigate_requested.connect(self.navigate)
        ctx.actor_changed.connect(self._show_actor)
        ctx.session_changed.connect(lambda _user: self._show_actor(ctx.actor or ""))

    def show_preview(self, rows: list[PromotionSummary] | None) -> None:
        """Promotions read before the site is open (``app.services.promotion_listing``):
        shown on the promotions page at once; None when that quick read cannot answer."""
        if rows is None or self.ctx is not None:
            return  # the site's own refresh loads them
        from views.promotions.page import PromotionsPage

        page = self.promotions = PromotionsPage(None)
        self._frames[page] = scrolling(page)
        self.stack.addWidget(self._frames[page])
        current = self.nav.currentItem()
        if current is not None and current.data(0, KEY_ROLE) in (PROMOTIONS, "releases"):
            self.stack.setCurrentWidget(self._frames[page])
        # rows once the page is laid out: before that, a styled table sizing its columns
        # to the rows "on screen" measures all 10,000 of them (seconds of GUI thread)
        QTimer.singleShot(0, lambda: page.show_rows(rows) if page.ctx is None else None)

    def _wire_run_view(self, run_view: RunTimelineView) -> None:
        """The run view is built after the list is shown; its links open other pages."""
        run_view.replay_requested.connect(lambda pid: self.gate_screens.open_replay(pid))
        run_view.schedule_requested.connect(
            lambda pid: self.scheduler_screens.open_schedule_dialog(pid, self))
        run_view.health_banner.link_activated.connect(self.navigate)
        run_view.link_requested.connect(self.open_run_link)

    def _install_drop_target(self) -> None:
        """Files dropped anywhere on the window are imported on the Bundles page."""
        from views.bundles.drop import BundleDropFilter

        def dropped(paths: list[str]) -> None:
            self.navigate(BUNDLES)
            self.bundles.import_files(paths)

        self.drop_filter = BundleDropFilter(self, dropped)

    # -- pages, built when first shown ------------------------------------------------
    def _group(self, name: str) -> object:
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = self._build_group(name)
        return group

    def _build_group(self, name: str) -> object:
        ctx = self.ctx
        if name == "evidence":
            from views.evidence.pages import EvidencePages

            return EvidencePages(ctx, self.navigate, self)
        if name == "gate":
            from views.platform_health.pages import GateScreens

            return GateScreens(ctx, self.navigate, self)
        if name == "scheduler":
            from views.scheduler_runs.pages import SchedulerScreens

            return SchedulerScreens(ctx, self.navigate, self.show_run, self)
        if name == "admin":
            from views.admin_pages.pages import AdminPages

            return AdminPages(ctx, self.show_run, self)
        if name == "bundles":
            from views.bundles.page import BundlesPage

            return BundlesPage(ctx)
        if name == "operations":
            from views.operations.page import OperationsPage

            page = OperationsPage(ctx)
            page.open_requested.connect(self.navigate)
            return page
        raise KeyError(name)

    @property
    def evidence_pages(self) -> EvidencePages:
        return self._group("evidence")  # type: ignore[return-value]

    @property
    def gate_screens(self) -> GateScreens:
        return self._group("gate")  # type: ignore[return-value]

    @property
    def scheduler_screens(self) -> SchedulerScreens:
        return self._group("scheduler")  # type: ignore[return-value]

    @property
    def admin_pages(self) -> AdminPages:
        return self._group("admin")  # type: ignore[return-value]

    @property
    def bundles(self) -> BundlesPage:
        return self._group("bundles")  # type: ignore[return-value]

    @property
    def operations(self) -> OperationsPage:
        return self._group("operations")  # type: ignore[return-value]

    def _build_page(self, key: str) -> QWidget:
        page: QWidget | None
        if key in (PROMOTIONS, "releases"):
            page = self.promotions
        elif key == BUNDLES:
            page = self.bundles
        elif key == OPERATIONS:
            page = self.operations
        elif key in EVIDENCE_PAGES:
            page = self.evidence_pages.page(key)
        elif key in GATE_PAGES:
            page = self.gate_screens.page(key)
        elif key in SCHEDULER_PAGES:
            page = self.scheduler_screens.page(key)
        elif key in ADMIN_PAGES:
            page = self.admin_pages.page(key)
        else:
            page = None
        if page is None:
            from views.common.placeholder import PlaceholderPage

            entry = next(e for e in all_entries() if e.key == key)
            page = PlaceholderPage(entry.title, entry.purpose)
        if page not in self._frames:
            # a page wider or taller than the window scrolls rather than growing it
            self._frames[page] = scrolling(page)
            self.stack.addWidget(self._frames[page])
        return page

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(16, 16))
        self.addToolBar(bar)
        bar.addWidget(QLabel(" Acting as: "))
        self.actor_combo = QComboBox()
        self.actor_combo.setObjectName("actorCombo")
        self.actor_combo.setAccessibleName("Acting as")
        self.actor_combo.setMinimumWidth(220)
        self.actor_combo.setToolTip("The user recorded as the actor of every action you take; "
                                    "a user with a signing key signs in with its passphrase")
        self.actor_combo.currentIndexChanged.connect(self._actor_chosen)
        bar.addWidget(self.actor_combo)
        self.sign_in_action = QAction("Sign in as…", self)
        self.sign_in_action.setIconText("Sign in as…")  # a tool button drops a trailing "…"
        self.sign_in_action.setObjectName("signInAction")
        self.sign_in_action.setToolTip("Sign in as a user of this site, with the passphrase of "
                                       "their signing key")
        self.sign_in_action.triggered.connect(lambda: self.ask_sign_in())
        self.sign_in_action.setEnabled(False)  # until the site is open
        bar.addAction(self.sign_in_action)
        self.session_label = QLabel()
        self.session_label.setObjectName("sessionLabel")
        bar.addWidget(self.session_label)
        bar.addSeparator()
        self.refresh_action = QAction("⟳ Refresh", self)
        self.refresh_action.setObjectName("refreshAction")
        self.refresh_action.setShortcuts(BY_KEY["refresh"].sequences())  # F5 and Ctrl+R
        self.refresh_action.setToolTip(with_keys("Reload everything shown", "refresh"))
        self.refresh_action.triggered.connect(self.refresh_all)
        self.refresh_action.setEnabled(False)
        bar.addAction(self.refresh_action)
        # The site agent advances every run; the app only starts it (no in-app executor).
        self.agent_action = QAction("▶ Start agent", self)
        self.agent_action.setObjectName("startAgentAction")
        self.agent_action.setToolTip("Start this site's agent in the background: it advances "
                                     "every run and starts scheduled ones, and keeps running "
                                     "when this app quits")
        self.agent_action.triggered.connect(self.start_agent)
        self.agent_action.setEnabled(False)
        bar.addAction(self.agent_action)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.audit_action = QAction("Open bundle for &audit…", self)
        self.audit_action.setToolTip("Verify an exported evidence pack or auditor bundle "
                                     "offline, without this site")
        self.audit_action.triggered.connect(lambda: self.evidence_pages.open_auditor_window())
        self.audit_action.setEnabled(False)
        file_menu.addAction(self.audit_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        run_menu = self.menuBar().addMenu("&Run")
        run_menu.addAction(self.agent_action)
        run_menu.addAction(self.refresh_action)
        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setObjectName("shortcutsAction")
        self.shortcuts_action.setShortcuts(BY_KEY["help-shortcuts"].sequences())
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        self.shortcuts_dialog: ShortcutsDialog | None = None

    def show_shortcuts(self) -> ShortcutsDialog:
        """Help → Keyboard shortcuts (F1): one window, raised if already open."""
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.show()
        self.shortcuts_dialog.raise_()
        return self.shortcuts_dialog

    def _build_status_bar(self) -> None:
        self.site_label = QLabel("Starting…")
        self.statusBar().addWidget(self.site_label, 1)
        self.agent_label = QLabel("Agent: checking…")
        self.agent_label.setObjectName("agentLabel")
        self.agent_label.setAccessibleName("Site agent status")
        self.statusBar().addPermanentWidget(self.agent_label)
        self.agent_button = QPushButton("Start agent")
        self.agent_button.setObjectName("startAgentButton")
        self.agent_button.setToolTip(self.agent_action.toolTip())
        self.agent_button.clicked.connect(self.start_agent)
        self.agent_button.hide()
        self.statusBar().addPermanentWidget(self.agent_button)
        self.live_label = QLabel("<span style='color:#9e9e9e'>●</span> Live: waiting for "
                                 "the site")
        self.live_label.setObjectName("liveLabel")
        self.statusBar().addPermanentWidget(self.live_label)

    def opening(self, where: str) -> None:
        """The site is being opened (before ``attach``): say where."""
        self.site_label.setText(f"Opening the site in {html.escape(where)}…")
        self.loading.say(f"Loading… (opening the site in {where})")

    # -- start ----------------------------------------------------------------------
    def start(self) -> None:
        """List the promotions; once they are shown (or could not be), load the site's
        name and users, start live polling, the chain verifier and the agent watch."""
        self._rest_started = False
        self.promotions.rows_loaded.connect(self._start_rest)
        self.promotions.load_failed.connect(self._start_rest)
        self.promotions.refresh()

    def _start_rest(self, *_args: object) -> None:
        if self._rest_started:
            return
        self._rest_started = True
        from app.qt.operation import Operation
        from app.screens.snapshots import load_site_info

        site = self.ctx.site
        Operation(self, lambda: load_site_info(site), tasks=self.ctx.tasks) \
            .success(self._site_info_loaded).run()
        self.ctx.poller.start()
        self.ctx.chain_verifier.start()  # lists trust the run summaries; this checks them
        self.ctx.agent.start()  # the agent runs schedules and runs; the app watches it

    def _site_info_loaded(self, info: SiteInfo) -> None:
        self.site_info = info
        self.setWindowTitle(f"{APP_TITLE} — {info.name}")
        self.site_label.setText(f"Site <b>{html.escape(info.name)}</b> · {html.escape(info.home)}")
        self.site_label.setToolTip(info.db_url)
        self.set_users(info)
        self.site_loaded.emit(info)
        if self._sign_in_on_start:
            self._sign_in_on_start = False
            self.ask_sign_in()

    def set_users(self, info: SiteInfo) -> None:
        current = self.ctx.actor
        self._keyed = {user.name: user.has_key for user in info.users}
        self.actor_combo.blockSignals(True)
        self.actor_combo.clear()
        for user in info.users:
            self.actor_combo.addItem(f"{user.name} — {user.role}", user.name)
        self.actor_combo.blockSignals(False)
        if not info.users:
            self.actor_combo.addItem("(no users yet)", None)
            self.actor_combo.setToolTip("Add a user with: stella user add NAME --role ROLE")
            self.ctx.set_actor(None)
            return
        # keep who acts; else the first user who acts by name (a keyed user signs in first)
        names = [u.name for u in info.users]
        keyless = [u.name for u in info.users if not u.has_key]
        name = current if current in names else (keyless[0] if keyless else None)
        if name is None:
            self._show_actor("")
            return
        index = names.index(name)
        self.actor_combo.setCurrentIndex(index)
        self._actor_chosen(index)

    def set_actor(self, name: str) -> bool:
        index = self.actor_combo.findData(name)
        if index < 0:
            return False
        self.actor_combo.setCurrentIndex(index)
        return True

    def _actor_chosen(self, index: int) -> None:
        name = self.actor_combo.itemData(index) if index >= 0 else None
        session = self.ctx.session
        if name and self._keyed.get(name) and (session is None or session.name != name):
            self._show_actor(self.ctx.actor or "")  # the combo shows who acts until signed in
            self.ask_sign_in(name)
            return
        self.ctx.set_actor(name)

    # -- signing in -----------------------------------------------------------------
    def sign_in_on_start(self) -> None:
        """Ask who is there once the site's users are known (``stella gui``)."""
        if self.site_info is None:
            self._sign_in_on_start = True
        else:
            self.ask_sign_in()

    def ask_sign_in(self, name: str | None = None) -> LoginDialog:
        from views.login.dialog import LoginDialog

        dialog = self.login_dialog
        if dialog is None:
            dialog = LoginDialog(self.ctx, name, self)
            dialog.signed_in.connect(self._signed_in)
            dialog.finished.connect(lambda _code, d=dialog: self._login_closed(d))
            self.login_dialog = dialog
            dialog.open()
        elif name:
            dialog.preselect = name
            dialog.select(name)
        dialog.raise_()
        return dialog

    def _login_closed(self, dialog: LoginDialog) -> None:
        if self.login_dialog is dialog:
            self.login_dialog = None
        dialog.deleteLater()

    def _signed_in(self, user: SignedInUser) -> None:
        self._keyed[user.name] = user.has_key

    def _show_actor(self, name: str) -> None:
        """Keep the combo and the session label on whoever acts now."""
        index = self.actor_combo.findData(name) if name else -1
        self.actor_combo.blockSignals(True)
        self.actor_combo.setCurrentIndex(index)
        self.actor_combo.blockSignals(False)
        session = self.ctx.session
        users = self.site_info.users if self.site_info else ()
        role = next((u.role for u in users if u.name == name), None)
        signed = session if session is not None and session.name == name else None
        self._read_only = bool(name) and (role == "auditor" or (signed is not None
                                                                and signed.read_only))
        self._agent_changed(self.ctx.agent.status)
        if not name:
            text, tip = "<span style='color:#c62828'>not signed in</span>", "Sign in to act"
        elif self._read_only:
            text, tip = "<span style='color:#e65100'>read-only (auditor)</span>", \
                "Auditors are read-only: every action is disabled"
        elif signed is not None and signed.key_id is not None:  # signed in with their key
            text, tip = "<span style='color:#2e7d32'>✓ signed in with key</span>", \
                f"{name}'s key {signed.key_id[:16]}… was opened with its passphrase"
        elif self._keyed.get(name):
            text, tip = "<span style='color:#c62828'>key not opened</span>", \
                f"{name} has a signing key: sign in to act"
        else:
            text, tip = "acting by name", f"{name} has no signing key: acts by name, cannot approve"
        self.session_label.setText(f" {text} ")
        self.session_label.setToolTip(tip)

    # -- navigation -----------------------------------------------------------------
    def navigate(self, key: str) -> QWidget:
        for item in self._items():
            if item.data(0, KEY_ROLE) == key:
                self.nav.setCurrentItem(item)
        return self._show_page(key)

    def _show_page(self, key: str) -> QWidget:
        if self.ctx is None:  # the site is not open yet
            if key in (PROMOTIONS, "releases") and self.promotions is not None:
                self.stack.setCurrentWidget(self._frames[self.promotions])
                return self.promotions
            self.stack.setCurrentWidget(self.loading)
            return self.loading
        page = self.pages[key]
        self.stack.setCurrentWidget(self._frames[page])
        return page

    def open_run_link(self, key: str) -> QWidget:
        """A run view link: the page, on this run's row where it has one."""
        from views.run_timeline import links as run_links

        snapshot = self.promotions.run_view.snapshot
        page = self.navigate(key)
        if snapshot is not None:
            run_links.focus(page, key, snapshot)
        return page

    def current_page(self) -> QWidget | None:
        frame = self.stack.currentWidget()  # None only for an empty stack (never after __init__)
        return next((page for page, shown in self._frames.items() if shown is frame), frame)

    def show_run(self, promotion_id: str) -> bool:
        """Back to a promotion's Run / Timeline (from the Operations pages)."""
        self.navigate(PROMOTIONS)
        return self.promotions.select(promotion_id)

    def _items(self) -> list[QTreeWidgetItem]:
        items: list[QTreeWidgetItem] = []
        stack = [self.nav.topLevelItem(i) for i in range(self.nav.topLevelItemCount())]
        while stack:
            item = stack.pop(0)
            if item is None:  # an index out of range (the stubs allow it)
                continue
            items.append(item)
            stack.extend(item.child(i) for i in range(item.childCount()))
        return items

    def _nav_moved(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self._show_page(current.data(0, KEY_ROLE))

    # -- live state -----------------------------------------------------------------
    def refresh_all(self) -> None:
        from app.qt.changes import ChangeSet
        from app.qt.operation import Operation
        from app.screens.snapshots import load_site_info

        self.ctx.changes.broadcast(ChangeSet(promotion_list=True, users=True,
                                             promotions=frozenset(self._known_ids())), self)
        site = self.ctx.site
        Operation(self, lambda: load_site_info(site), tasks=self.ctx.tasks) \
            .success(self._site_info_loaded).run()

    def _known_ids(self) -> list[str]:
        model = self.promotions.model
        return [model.summary(row).id for row in range(model.rowCount())]

    def _polled(self, counts: dict[str, int]) -> None:
        self.live_label.setText(f"<span style='color:#2e7d32'>●</span> Live: {len(counts)} "
                                f"run(s) watched, checked every "
                                f"{self.ctx.poller.interval_ms / 1000:g} s")

    # -- the site agent -------------------------------------------------------------
    def start_agent(self) -> None:
        self.ctx.agent.start_agent()

    def _agent_changed(self, status: AgentStatus | None) -> None:
        text, tip = agent_text(status, self.ctx.agent.starting)
        self.agent_label.setText(text)
        self.agent_label.setToolTip(tip)
        startable = status is not None and not status.running and not self.ctx.agent.starting
        self.agent_button.setVisible(startable)
        self.agent_button.setEnabled(not self._read_only)
        self.agent_action.setEnabled(startable and not self._read_only)

    def live_runs(self) -> list[str]:
        """Promotions the list last showed RUNNING (no query: the GUI thread decides)."""
        model = self.promotions.model
        summaries = [model.summary(row) for row in range(model.rowCount())]
        return [s.id for s in summaries if s.status == "running"]

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.ctx is None:  # closed while the site was still opening
            super().closeEvent(event)
            return
        status = self.ctx.agent.status
        live = self.live_runs()
        if live and not self._quit_confirmed and (status is None or not status.running):
            event.ignore()  # ask first; the answer closes the window again
            self.ask_quit(live)
            return
        self.ctx.shutdown()
        super().closeEvent(event)

    def ask_quit(self, live: list[str]) -> QMessageBox:
        """No agent runs and a run is live: quitting asks (the run waits until an agent
        runs; this app runs no executor of its own)."""
        if self.quit_box is not None:
            return self.quit_box
        box = QMessageBox(QMessageBox.Icon.Warning, "Quit with a live run?",
                          f"{', '.join(live)} is running, but no agent runs on this site: "
                          "nothing advances, measures or rolls it back until one does.",
                          parent=self)
        box.setObjectName("quitLiveRun")
        start = box.addButton("Start agent and quit", QMessageBox.ButtonRole.AcceptRole)
        quit_anyway = box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(start)

        def answered(_code: int) -> None:
            self.quit_box = None
            clicked = box.clickedButton()
            box.deleteLater()
            if clicked is start:
                self.agent_label.setText("Agent: starting… (the app closes once it runs)")
                self.ctx.agent.changed.connect(self._quit_once_running)
                self.ctx.agent.start_agent()
            elif clicked is quit_anyway:
                self._quit_now()

        box.finished.connect(answered)
        self.quit_box = box
        box.open()
        return box

    def _quit_once_running(self, status: AgentStatus | None) -> None:
        if status is not None and status.running:
            self._quit_now()

    def _quit_now(self) -> None:
        self._quit_confirmed = True
        self.close()
