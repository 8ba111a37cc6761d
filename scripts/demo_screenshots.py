"""Screenshots of the real demo site (what ``make run`` shows), for docs/screenshots/demo-*.png.

Builds the demo site exactly as ``stella demo`` does (:func:`app.demo.builder.build`:
the signed sample bundles, a demo fleet on 127.0.0.1 under synthetic traffic, the
promotions P-0001…P-0006), opens the real main window on it as ``stella gui`` does,
starts P-0005's canary in the in-app executor, and grabs every screen of seed
§14.3–§14.9 once it shows real data: the live canary's charts are taken only after
the executor has measured enough of them. Users are signed in through the session
API with the published DEMO-ONLY passphrase; only the login screenshot uses the dialog.

The demo fleet and its traffic are always stopped at the end. Run it under a display
(``scripts/demo-screenshots.sh`` starts Xvfb)::

    python scripts/demo_screenshots.py --out docs/screenshots
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.demo import control, layout  # noqa: E402
from app.site import SiteConfig  # noqa: E402

SIZE = (1440, 900)
# measurements of the live canary (one every 5 s) on screen before its charts are taken
CHART_POINTS = 12
LIVE = "P-0005"
EXPECTED = {"P-0001": "completed", "P-0002": "completed", "P-0003": "rolled-back",
            "P-0004": "waiting", "P-0005": "running", "P-0006": "pending"}


class Shooter:
    """Waits for the app to reach a state (polling the event loop) and saves grabs.

    Ctrl-C or SIGTERM ends the wait with SystemExit from here, not inside a Qt slot
    (where PySide would swallow a KeyboardInterrupt), so the demo is always stopped."""

    def __init__(self, out: Path, prefix: str = "demo-") -> None:
        self.out = out
        self.prefix = prefix
        self.saved: list[Path] = []
        self.interrupted: str | None = None
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._interrupt)

    def _interrupt(self, signum: int, _frame: object) -> None:
        self.interrupted = signal.Signals(signum).name

    def spin(self, ms: int) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        if self.interrupted:
            raise SystemExit(f"demo screenshots: stopped by {self.interrupted}")
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def until(self, check: Callable[[], object], what: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not check():
            if time.monotonic() > deadline:
                raise SystemExit(f"demo screenshots: timed out waiting for {what}")
            self.spin(50)

    def save(self, widget, name: str) -> Path:
        self.spin(150)  # let the last layout and paint land before grabbing
        path = self.out / f"{self.prefix}{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"demo screenshots: could not write {path}")
        self.saved.append(path)
        print(path, flush=True)
        return path


def build(config: SiteConfig) -> str:
    from app.demo.builder import build as build_demo

    started = time.monotonic()
    summary = build_demo(config, lambda line: print(f"demo: {line}", flush=True))
    print(f"demo site built in {time.monotonic() - started:.1f} s", flush=True)
    if summary.live != LIVE:
        raise SystemExit(f"demo screenshots: expected {LIVE} to be the live canary, "
                         f"got {summary.live}")
    return summary.live


def shoot(config: SiteConfig, out: Path) -> list[Path]:
    from app.context import Site
    from app.gui import application, main_window
    from app.screens.session import sign_in

    app = application()
    site = Site.open(config)
    window = main_window(site)
    shots = Shooter(out)
    try:
        window.resize(*SIZE)
        window.show()
        control.start_agent(config)  # as `stella demo` does: the site agent runs the canary
        page = window.promotions
        shots.until(lambda: window.site_info is not None and page.model.rowCount() == 6,
                    "the six demo promotions")

        _login(window, shots)

        def as_user(name: str) -> None:
            window.ctx.sign_in(sign_in(site, name, layout.DEMO_ONLY_PASSPHRASE))

        as_user("olga")  # the operator watching the canary
        _deploy_screens(window, shots)
        _run_screens(window, shots)
        as_user("bob")
        _approval(window, shots)
        _rolled_back(window, shots)
        as_user("audrey")  # read-only: the auditor's look at sealed evidence and replays
        _evidence_and_replay(window, shots)
        as_user("olga")
        _schedule_screens(window, shots)
        _site_screens(window, shots)
    finally:
        window.ctx.shutdown()
        window.close()
        app.processEvents()
        site.close()
    return shots.saved


def _login(window, shots: Shooter) -> None:
    """Who signs in on start: the dialog `stella demo` opens, with bob chosen."""
    login = window.ask_sign_in("bob")
    shots.until(lambda: login.choice() is not None and login.choice().name == "bob",
                "the login dialog's users")
    login.passphrase_edit.setText(layout.DEMO_ONLY_PASSPHRASE)
    shots.save(login, "login")
    login.reject()
    shots.until(lambda: window.login_dialog is None, "the login dialog to close")


def _show(window, shots: Shooter, pid: str) -> None:
    """The promotion's Run / Timeline, loaded, in the Promotions page."""
    view = window.promotions.run_view
    window.navigate("promotions")
    window.promotions.select(pid)
    shots.until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid
                and view.snapshot.actor == window.ctx.actor, f"{pid}'s run")


def _run_screens(window, shots: Shooter) -> None:
    """§14.3: the list with every state, and P-0005's run live at Canary 10%."""
    page = window.promotions
    view = page.run_view
    _show(window, shots, LIVE)
    shots.until(lambda: _statuses(page) == EXPECTED, "the promotions in their demo states")
    shots.until(lambda: view.health_banner.report is not None, "the data health banner")
    _fit_list(page)
    view.tabs.setCurrentIndex(0)
    shots.save(window, "main-window")
    _fit_list(page, rows=0)  # the run view alone: every step of the timeline in sight
    shots.save(view, "run-timeline")
    view.tabs.setCurrentIndex(1)
    shots.save(view, "stage-graph")
    view.tabs.setCurrentIndex(0)
    _fit_list(page)

    # §14.4: Step Detail of the gate, and the evidence captured at it
    dialog = view.open_step_detail("gate-eval")
    dialog.resize(1180, 640)
    shots.until(lambda: dialog.overview.detail is not None, "the gate's verdict")
    shots.save(dialog, "step-detail-gate")
    dialog.tabs.setCurrentWidget(dialog.evidence)
    shots.until(lambda: dialog.evidence.receipts and dialog.evidence.timeline is not None,
                "the gate's evidence")
    shots.save(dialog, "step-detail-evidence")
    dialog.close()


def _fit_list(page, rows: int | None = None) -> None:
    """The promotions list just tall enough for its rows (all, or none: folded away);
    the run view gets the rest."""
    table = page.table
    count = page.model.rowCount() if rows is None else rows
    wanted = 0 if count == 0 else table.horizontalHeader().height() + 2 * table.frameWidth() \
        + 2 + sum(table.rowHeight(row) for row in range(count))
    total = sum(page.splitter.sizes())
    page.splitter.setSizes([wanted, total - wanted])


def _statuses(page) -> dict[str, str]:
    model = page.model
    return {model.summary(row).id: model.summary(row).status for row in range(model.rowCount())}


def _deploy_screens(window, shots: Shooter) -> None:
    """§14.5 and §14.6: the live canary's Deploy Stage View, then its rollback dialog."""
    view = window.promotions.run_view
    _show(window, shots, LIVE)
    shots.until(lambda: view.snapshot.status_of("deploy-10") == "running",
                f"{LIVE}'s canary 10% to start", timeout_s=60)
    dialog = view.open_step_detail("deploy-10")
    dialog.resize(1180, 720)
    stage = dialog.overview
    shots.until(lambda: stage.stage is not None and len(stage.stage.points) >= CHART_POINTS,
                f"{CHART_POINTS} measurements of the live canary", timeout_s=CHART_POINTS * 10)
    shots.save(dialog, "deploy-stage")
    stage.rollback_button.click()
    rollback = stage.launcher.active_dialog
    shots.until(lambda: rollback is not None
                and "Per target:" in rollback.preview_text.toPlainText(), "the impact preview")
    rollback.reason_edit.setText("CAB-2047 withdrawn: hold 1.3.0-rc1 until INC-2051 is fixed")
    rollback.ticket_edit.setText("INC-2051")
    shots.save(rollback, "rollback-dialog")
    rollback.reject()
    dialog.close()


def _approval(window, shots: Shooter) -> None:
    """P-0004 waits for an approver: bob, signed in with his key, opens the decision."""
    view = window.promotions.run_view
    _show(window, shots, "P-0004")
    shots.until(lambda: view.actions_bar.buttons["approve"].isEnabled(), "approve to be allowed")
    dialog = view.start_action("approve")
    dialog.reason_edit.setText("CAB-2052: US rollout after the EU canary")
    shots.save(dialog, "approval")
    dialog.reject()


def _rolled_back(window, shots: Shooter) -> None:
    view = window.promotions.run_view
    _show(window, shots, "P-0003")
    _fit_list(window.promotions, rows=0)
    view.tabs.setCurrentIndex(0)
    shots.save(view, "rolled-back")
    _fit_list(window.promotions)


def _evidence_and_replay(window, shots: Shooter) -> None:
    """§14.7: P-0001's sealed evidence; §14.8: a replay of P-0002's verdict."""
    from views.evidence.dialog import EvidenceTimelineDialog

    sealed = EvidenceTimelineDialog(window.ctx, "P-0001", window)
    sealed.resize(1420, 640)
    sealed.show()
    shots.until(lambda: sealed.view.timeline is not None, "P-0001's evidence timeline")
    sealed.view.select_entry("gate-eval", "policy-decision")
    shots.save(sealed, "evidence-timeline")
    sealed.close()

    view = window.promotions.run_view
    _show(window, shots, "P-0002")
    view.replay_button.click()
    replay = window.current_page()
    shots.until(lambda: replay.snapshot is not None and replay.snapshot.promotion_id == "P-0002",
                "P-0002's verdicts")
    done: list = []
    replay.replay_finished.connect(done.append)
    replay.reason_edit.setText("Audit sample: P-0002 before the US rollout")
    replay.request_replay()
    shots.until(lambda: bool(done), "the replay", timeout_s=60)
    shots.until(lambda: replay.requests.rowCount() >= 1, "the replay in the list")
    replay.requests_view.selectRow(0)
    shots.save(window, "replay")


def _schedule_screens(window, shots: Shooter) -> None:
    """§14.9: P-0006's schedule (tomorrow 02:00 UTC), and Operations → Scheduler Runs."""
    view = window.promotions.run_view
    _show(window, shots, "P-0006")
    view.schedule_button.click()
    dialog = window.scheduler_screens.dialog
    shots.until(lambda: dialog.form is not None and dialog.form.schedule is not None,
                "P-0006's schedule")
    shots.save(dialog, "schedule")
    dialog.close()
    runs = window.navigate("scheduler-runs")
    shots.until(lambda: runs.snapshot is not None and runs.snapshot.schedules, "the schedules")
    runs.select(runs.snapshot.schedules[0].id)
    shots.save(window, "scheduler-runs")


def _site_screens(window, shots: Shooter) -> None:
    """Bundles / Import (trust root v2 in force), Feeds + AirGap Ops, Platform Health."""
    from views.main_window.navigation import BUNDLES

    page = window.navigate(BUNDLES)
    shots.until(lambda: page.snapshot is not None and page.snapshot.rows, "the imported bundles")
    shots.save(window, "bundles")
    feeds = window.navigate("feeds-airgap")
    shots.until(lambda: feeds.snapshot is not None, "the feeds")
    shots.save(window, "feeds")
    health = window.navigate("platform-health")
    shots.until(lambda: health.report is not None, "platform health")
    shots.save(window, "platform-health")
    window.navigate("promotions")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path,
                        help="a new, empty folder for the demo site (default: a temporary one)")
    parser.add_argument("--out", default=ROOT / "docs" / "screenshots", type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stella-demo-shots-") as scratch:
        home = args.home or Path(scratch) / "home"
        if home.exists() and any(home.iterdir()):
            parser.error(f"{home} is not empty; give a new folder")
        config = SiteConfig.resolve(home=str(home))
        started = time.monotonic()
        try:
            build(config)
            saved = shoot(config, args.out)
        finally:
            stopped = control.stop(config.paths)
            print("demo: stopped " + (", ".join(stopped) if stopped else "nothing"), flush=True)
        print(f"{len(saved)} screenshots in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
