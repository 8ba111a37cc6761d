"""The GUI bootstrap: ``stella gui``.

The first paint must not wait for SQLAlchemy's import or the site's migrations
(DESIGN §11, issue 13): the main window's frame (navigation, toolbar, a "Loading…"
page) is shown as soon as Qt is up, the data layer is imported and the site opened in
a worker, and the window is then given the site; the other pages' modules are imported
by a worker after the promotions are listed. A site that cannot be opened is reported
with its message and the matching exit code, never a traceback.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.qt.errors import install_excepthook
from app.qt.gc_collector import GuiThreadCollector
from app.qt.operation import Operation
from app.site import SiteConfig
from resources import STYLESHEET, read_text

log = logging.getLogger(__name__)

APP_NAME = "Stella Ops Offline Console"


def application() -> QApplication:
    """The process's QApplication, created with the app's name and stylesheet."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_NAME)
        app.setApplicationVersion(__version__)
        app.setOrganizationName("stella-ops")
        apply_style(app)
    return app  # type: ignore[return-value]


def apply_style(app: QApplication) -> None:
    try:
        app.setStyleSheet(read_text(STYLESHEET))
    except FileNotFoundError as exc:  # a broken install still runs, unstyled
        log.warning("%s", exc)


# Imported by a worker once the promotions are listed, so that the first visit to a
# page (or the first selected run) does not import them on the GUI thread.
LATER_MODULES = (
    "views.run_timeline.view", "views.login.dialog", "views.bundles.page",
    "views.operations.page", "views.evidence.pages", "views.platform_health.pages",
    "views.scheduler_runs.pages", "views.admin_pages.pages", "app.steps.defaults",
)


def open_site(config: SiteConfig):
    """Runs in a worker: import what the promotions list needs and open (and migrate)
    the site."""
    import app.qt.context  # noqa: F401 — imported off the GUI thread
    import views.promotions.page  # noqa: F401
    from app.context import Site

    return Site.open(config)


def quick_rows(config: SiteConfig):
    """Runs in a worker beside ``open_site``: the promotions of a SQLite site read
    without SQLAlchemy (None when only the opened site can answer), and the page that
    shows them."""
    import views.promotions.page  # noqa: F401 — imported off the GUI thread
    from app.services.promotion_listing import quick_listing

    return quick_listing(config)


def import_later_modules() -> None:
    """Runs in a worker: the modules of every page but the promotions list."""
    for name in LATER_MODULES:
        importlib.import_module(name)


def settle_heap() -> None:
    """Hide everything alive after start-up from the garbage collector (``gc.freeze``).

    A full collection scans every tracked object; with Qt, SQLAlchemy and the app
    loaded that is ~100k objects and ~100 ms, holding the GIL — long enough to freeze
    the window while a run advances. Frozen, later full collections scan only what
    the session itself created.
    """
    gc.collect()
    gc.freeze()


def main_window(site, registry_factory: Callable | None = None,
                poll_interval_ms: int | None = None, window=None):
    """Build the main window on an open site (or give ``window``, a frame shown while
    the site opened, its site) and start it (loading, live polling)."""
    from app.qt.context import GuiContext
    from app.qt.poller import POLL_INTERVAL_MS
    from views.main_window.window import MainWindow

    ctx = GuiContext(site, registry_factory,
                     poll_interval_ms or POLL_INTERVAL_MS)
    if window is None:
        window = MainWindow(ctx)
    else:
        window.attach(ctx)
    settle_heap()
    window.start()
    return window


def launch(config: SiteConfig, start_runs: Sequence[str] = ()) -> int:
    """Open the site's main window; ``start_runs`` are advanced by the in-app executor
    from the start (the demo's live canary)."""
    from views.main_window.window import MainWindow

    app = application()
    install_excepthook()
    collector = GuiThreadCollector()  # before the first worker: garbage goes on this thread
    window = MainWindow()  # the frame: painted while the site opens
    window.opening(str(config.paths.home))
    window.show()
    exit_code = 0  # the code of a site that could not be opened
    site_opened = False

    def opened(site) -> None:
        nonlocal site_opened
        if not window.isVisible():  # closed while the site was opening
            site.close()
            return
        main_window(site, window=window)
        site_opened = True
        window.sign_in_on_start()  # who acts is proven before anything is done
        for promotion_id in start_runs:
            window.ctx.executors.start(promotion_id)
        window.promotions.rows_loaded.connect(import_later, Qt.ConnectionType.SingleShotConnection)

    def import_later(_rows: int) -> None:
        # the run view is built once its modules are in, before any run advances on screen
        Operation(window, import_later_modules, tasks=window.ctx.tasks).success(build_run_view).run()

    def build_run_view(_none: None) -> None:
        _built = window.promotions.run_view  # the property builds it the first time

    def failed(failure) -> None:
        nonlocal exit_code
        from app.errors import StellaError

        QMessageBox.critical(window, f"{APP_NAME}: cannot open the site", failure.message)
        window.close()
        exit_code = _exit_code(failure.error_type, StellaError)
        app.quit()

    Operation(None, lambda: open_site(config)).success(opened).failure(failed).run()
    Operation(window, lambda: quick_rows(config)).success(window.show_preview) \
        .failure(lambda _failure: None).run()  # the opened site lists them anyway
    code = app.exec()
    if site_opened:
        window.ctx.shutdown()
        window.ctx.site.close()
    collector.stop()
    return exit_code or code


def launch_audit(path: str) -> int:
    """``stella gui --audit PATH``: auditor mode alone, on a laptop with no site at all."""
    from views.auditor.window import AuditorWindow

    app = application()
    install_excepthook()
    window = AuditorWindow()
    window.show()
    window.view.verify(path)
    code = app.exec()
    window.tasks.wait(10_000)
    return code


def _exit_code(error_type: str, base: type) -> int:
    """The CLI's exit code for a failure's error class (1 when unknown)."""
    stack = [base]
    while stack:
        klass = stack.pop()
        if klass.__name__ == error_type:
            return int(getattr(klass, "exit_code", 1))
        stack.extend(klass.__subclasses__())
    return 1
