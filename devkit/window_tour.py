"""Open every top-level window and dialog of the app on a small real site and report
where each one lands on the screen (and, with ``--shots``, save a PNG of each).

Run in a process of its own, because the screen is fixed when the QApplication
starts: ``QT_QPA_PLATFORM=offscreen:configfile=screen.json`` gives an offscreen
screen of the size under test (tests/views/test_fit_screen.py); under Xvfb it shows
what an operator would see (scripts/screenshots-ux.sh).

    python -m devkit.window_tour --home /tmp/tour [--shots DIR] [--prefix P]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from devkit import exporting
from devkit.factories import who


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def until(check: Callable[[], object], what: str, timeout_ms: int = 20_000) -> None:
    waited = 0
    while not check():
        if waited > timeout_ms:
            raise SystemExit(f"window tour: {what} did not happen")
        settle(50)
        waited += 50


def build_site(home: Path):
    """A completed run, one rolled back at 50 %, one waiting for approval."""
    from app.executor import Executor
    from app.services import actions, promotions
    from devkit import factories
    from devkit.doubles import doubles_registry
    from devkit.gate_data import gated_promotion
    from devkit.sealed_site import install_trust_root

    site = factories.make_site(home)
    install_trust_root(site)  # exports for the auditor window need one
    factories.add_release(site)
    # the people who act: authenticated identities where the site roster has them
    who = getattr(factories, "who", lambda _site, name: name)
    release = "platform@1.3.0-rc1"
    done = promotions.create_promotion(site, release, "eu-stage", who(site, "alice"))
    Executor(site, done, doubles_registry()).run()
    rolled = promotions.create_promotion(site, release, "eu-stage", who(site, "alice"))
    Executor(site, rolled, doubles_registry()).run(until="deploy-50")
    actions.act(site, rolled, "rollback", who(site, "olga"), "p95 latency doubled", scope="full")
    Executor(site, rolled, doubles_registry()).run()
    waiting = promotions.create_promotion(site, release, "eu-prod", who(site, "alice"), "eu-stage")
    Executor(site, waiting, doubles_registry()).run()
    gated = gated_promotion(site)  # a real gate verdict: findings, a VEX suppression, replayable
    return site, {"completed": done, "rolled_back": rolled, "waiting": waiting, "gated": gated}


def windows(site, ids: dict[str, str]) -> Iterator[tuple[str, QWidget]]:
    """Each window or dialog, opened as the app opens it; the caller closes it."""
    from airgap_bundles.report import Check
    from app.gui import main_window
    from app.screens.evidence_items import load_packet
    from app.screens.import_jobs import ImportOutcome, ImportRequest, RootPreview
    from app.services import evidence
    from devkit.doubles import doubles_registry
    from views.auditor.window import AuditorWindow
    from views.common.reason_dialog import ReasonDialog
    from views.deploy_stage.target_logs import TargetLogDialog
    from views.evidence.packet_dialog import EvidencePacketDialog
    from views.export_dialog.dialog import ExportDialog
    from views.import_dialog.dialog import ImportReportDialog
    from views.import_dialog.first_root import FirstRootDialog
    from views.login.dialog import LoginDialog
    from views.schedule.dialog import ScheduleDialog

    window = main_window(site, doubles_registry)
    window.show()
    until(lambda: window.site_info is not None, "site loading")
    page = window.promotions
    view = page.run_view

    def show(pid: str) -> None:
        until(lambda: page.model.row_of(pid) is not None, f"{pid} listed")
        page.select(pid)
        until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid,
              f"{pid} shown")

    show(ids["completed"])
    yield "main-window", window
    for key in list(window.pages):
        window.navigate(key)
        settle(100)
        yield f"main-window-{key}", window
    window.navigate("promotions")
    ctx = window.ctx
    for step in ("inputs-materialized", "gate-eval", "deploy-10", "seal-evidence"):
        dialog = view.open_step_detail(step)
        yield f"step-detail-{step}", dialog
        dialog.close()
    show(ids["gated"])
    dialog = view.open_step_detail("gate-eval")
    until(lambda: dialog.overview.detail is not None, "the gate verdict loaded")
    dialog.overview.tabs.setCurrentIndex(1)  # its findings
    with_replay = dialog.overview.request_replay()
    until(lambda: not dialog.overview.replaying, "the verdict replayed")
    yield "step-detail-gate-verdict" if with_replay else "step-detail-gate-verdict-unreplayed", dialog
    dialog.close()
    show(ids["completed"])
    dialog = view.open_evidence_timeline()
    yield "evidence-timeline", dialog
    dialog.close()
    record = evidence.list_evidence(site, ids["completed"])[0]
    dialog = EvidencePacketDialog(load_packet(site, ids["completed"], record.id), parent=window)
    dialog.show()
    yield "evidence-packet", dialog
    dialog.close()
    dialog = TargetLogDialog(ctx, ids["completed"], "deploy-10", "t01", window)
    dialog.show()
    yield "target-log", dialog
    dialog.close()
    dialog = ExportDialog(ctx, ids["completed"], media_source=list, parent=window)
    dialog.show()
    yield "export", dialog
    dialog.close()
    dialog = ScheduleDialog(ctx, ids["waiting"], window)
    dialog.show()
    yield "schedule", dialog
    dialog.close()
    dialog = LoginDialog(ctx, None, window)
    dialog.show()
    yield "login", dialog
    dialog.close()
    request = ImportRequest("/media/usb/release-platform-1.3.0.tar")
    checks = tuple(Check(f"check-{i}", f"Check number {i} of the bundle", i != 7,
                         "member digest matches the manifest") for i in range(24))
    outcome = ImportOutcome(request, "rejected", "The bundle was refused: a member's digest "
                            "does not match its manifest.", checks, "R-DIGEST", "sbom/api.json")
    dialog = ImportReportDialog(outcome, {}, window)
    dialog.show()
    yield "import-report", dialog
    dialog.close()
    preview = RootPreview(1, "sha256:" + "cd" * 32, "2030-01-01T00:00:00Z",
                          (("release", 1, 1), ("feed", 1, 1), ("root", 2, 2)),
                          (("ab" * 32, "release signer"),))
    dialog = FirstRootDialog("trust-root.json", preview, window)
    dialog.show()
    yield "first-root", dialog
    dialog.close()

    show(ids["waiting"])
    act_as(window, "olga")
    for action in ("pause", "rollback"):
        dialog = view.start_action(action)
        if dialog is not None:
            yield f"action-{action}", dialog
            dialog.close()
    dialog = ReasonDialog("mark-failed", "Mark failed…", "<b>Mark failed</b>", parent=window)
    dialog.finish_layout()
    dialog.show()
    yield "reason", dialog
    dialog.close()
    act_as(window, "bob")
    dialog = view.start_action("approve")
    if dialog is not None:
        yield "approval", dialog
        dialog.close()
    show(ids["rolled_back"])
    yield "main-window-rolled-back", window

    auditor = AuditorWindow()
    auditor.show()
    yield "auditor", auditor
    auditor.close()
    for name in ("completed", "rolled_back"):  # the auditor's story of two sealed runs
        folder = site.paths.home.parent / "exports" / name
        folder.mkdir(parents=True, exist_ok=True)
        archive = exporting.export(site, ids[name], "auditor", folder,
                                   who(site, "audrey")).files.archive
        auditor = AuditorWindow()
        auditor.show()
        auditor.view.verify(str(folder / archive.name))
        until(lambda w=auditor: w.view.result is not None, f"{name} bundle verified")
        yield f"auditor-story-{name.replace('_', '-')}", auditor
        auditor.close()
    ctx.executors.stop_all()
    window.close()


def act_as(window, name: str) -> None:
    """Sign ``name`` in with their test key where the site has one, else act by name."""
    from app.screens import session
    from devkit import factories

    view = window.promotions.run_view
    passphrase = getattr(factories, "passphrase_of", None)
    try:
        user = session.sign_in(window.ctx.site, name, passphrase(name)) if passphrase else None
    except Exception:
        user = None
    if user is not None:
        window.ctx.sign_in(user)
    else:
        window.ctx.set_actor(name)
    until(lambda: view.snapshot is not None and view.snapshot.actor == name, f"{name} acting")


def unnamed(window: QWidget) -> list[str]:
    """Visible widgets a user acts on that a screen reader could not name."""
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QTabBar,
        QTextEdit,
    )

    kinds = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit,
             QPlainTextEdit, QTextEdit, QTabBar)
    missing = []
    for child in window.findChildren(QWidget):
        if not isinstance(child, kinds) or not child.isVisibleTo(window) \
                or child.focusPolicy() == child.focusPolicy().NoFocus and \
                not isinstance(child, QAbstractButton):
            continue
        if type(child).__name__ in ("QScrollBar", "QHeaderView") \
                or isinstance(child.parentWidget(), (QComboBox, QAbstractSpinBox)):
            continue  # parts of a named widget
        face = QAccessible.queryAccessibleInterface(child)
        name = face.text(QAccessible.Text.Name) if face is not None else ""
        if not name.strip():
            missing.append(f"{type(child).__name__}#{child.objectName()}")
    return sorted(set(missing))


def measure(name: str, widget: QWidget) -> dict:
    settle(120)
    screen = widget.screen() or QApplication.primaryScreen()
    area = screen.availableGeometry()
    frame = widget.frameGeometry()
    hint = widget.minimumSizeHint()
    from PySide6.QtWidgets import QTableView

    rows = {table.objectName(): table.viewport().height()
            // max(table.verticalHeader().defaultSectionSize(), 1)
            for table in widget.findChildren(QTableView) if table.isVisible()}
    from PySide6.QtWidgets import QTreeView

    overflowing = sorted(view.objectName() for view in widget.findChildren(QTreeView)
                         if view.isVisible() and view.header().length()
                         > view.viewport().width() + 1)
    return {"rows": rows, "unnamed": unnamed(widget), "overflowing": overflowing, "name": name, "x": frame.x(), "y": frame.y(), "width": frame.width(),
            "height": frame.height(), "min_width": max(hint.width(), widget.minimumWidth()),
            "min_height": max(hint.height(), widget.minimumHeight()),
            "screen": [area.x(), area.y(), area.width(), area.height()]}


def dark_palette():
    """What a dark desktop theme hands the app (Fusion's colours for a dark scheme)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    for which, colour in ((role.Window, "#2b2b2b"), (role.WindowText, "#e8e8e8"),
                          (role.Base, "#1e1e1e"), (role.AlternateBase, "#262626"),
                          (role.Text, "#e8e8e8"), (role.Button, "#353535"),
                          (role.ButtonText, "#e8e8e8"), (role.BrightText, "#ffffff"),
                          (role.Highlight, "#2f65ca"), (role.HighlightedText, "#ffffff"),
                          (role.Dark, "#181818"), (role.Mid, "#505050"),
                          (role.Midlight, "#3c3c3c"), (role.Light, "#474747"),
                          (role.PlaceholderText, "#9a9a9a"), (role.ToolTipBase, "#353535"),
                          (role.ToolTipText, "#e8e8e8"), (role.Link, "#82b1ff")):
        palette.setColor(which, QColor(colour))
    return palette


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--shots", type=Path, help="save a PNG of each window here")
    parser.add_argument("--prefix", default="", help="file name prefix of the PNGs")
    parser.add_argument("--only", nargs="*", help="only these windows (names)")
    parser.add_argument("--dark", action="store_true",
                        help="a dark desktop palette, as a dark system theme gives the app")
    args = parser.parse_args(argv)
    from app.gui import application

    app = application()
    if args.dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    from PySide6.QtCore import QSettings

    # window geometry is remembered per user: keep this tour's out of the user's file
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(args.home / "settings"))
    site, ids = build_site(args.home / "site")
    results = []
    for name, widget in windows(site, ids):
        if args.only and name not in args.only:
            continue
        results.append(measure(name, widget))
        if args.shots is not None:
            settle(700)  # workers report, charts and logs fill in
            args.shots.mkdir(parents=True, exist_ok=True)
            widget.grab().save(str(args.shots / f"{args.prefix}{name}.png"))
    app.processEvents()
    site.close()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
