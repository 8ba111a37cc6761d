"""The GUI bootstrap: ``stella gui``.

The first paint must not wait for SQLAlchemy's import or the site's migrations
(DESIGN §11), so a small window appears first and the site is opened in a worker;
the main window replaces it once the site is ready. A site that cannot be opened is
reported with its message and the matching exit code, never a traceback.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from app import __version__
from app.qt.errors import install_excepthook
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


def open_site(config: SiteConfig):
    """Runs in a worker: import the data layer and open (and migrate) the site."""
    import views.main_window.window  # noqa: F401 — import off the GUI thread
    from app.context import Site

    return Site.open(config)


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
                poll_interval_ms: int | None = None):
    """Build the main window on an open site and start it (loading, live polling)."""
    from app.qt.context import GuiContext
    from app.qt.poller import POLL_INTERVAL_MS
    from views.main_window.window import MainWindow

    ctx = GuiContext(site, registry_factory,
                     poll_interval_ms or POLL_INTERVAL_MS)
    window = MainWindow(ctx)
    settle_heap()
    window.start()
    return window


def launch(config: SiteConfig, start_runs: Sequence[str] = ()) -> int:
    """Open the site's main window; ``start_runs`` are advanced by the in-app executor
    from the start (the demo's live canary)."""
    app = application()
    install_excepthook()
    splash = QLabel(f"{APP_NAME}\n\nOpening the site in {config.paths.home} …")
    splash.setAlignment(Qt.AlignmentFlag.AlignCenter)
    splash.setWindowTitle(APP_NAME)
    splash.resize(520, 160)
    splash.show()
    outcome: dict[str, object] = {"code": 0}

    def opened(site) -> None:
        window = main_window(site)
        outcome["window"] = window
        window.show()
        window.sign_in_on_start()  # who acts is proven before anything is done
        for promotion_id in start_runs:
            window.ctx.executors.start(promotion_id)  # type: ignore[attr-defined]
        splash.close()

    def failed(failure) -> None:
        from app.errors import StellaError

        QMessageBox.critical(splash, f"{APP_NAME}: cannot open the site", failure.message)
        splash.close()
        outcome["code"] = _exit_code(failure.error_type, StellaError)
        app.quit()

    Operation(None, lambda: open_site(config)).success(opened).failure(failed).run()
    code = app.exec()
    window = outcome.get("window")
    if window is not None:
        window.ctx.shutdown()  # type: ignore[attr-defined]
        window.ctx.site.close()  # type: ignore[attr-defined]
    return int(outcome["code"]) or code


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
