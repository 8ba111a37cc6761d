"""Screenshot fixture — NOT the product demo (``stella demo`` arrives with bundles).

Builds a throw-away site with promotions in different states through the real
services and the real executor, with the step doubles from ``tests/support`` in
place of the steps later features implement, then opens the real main window on it,
starts one run live in the app, and saves PNGs of the screens with
``QWidget.grab()``. Run it through ``scripts/screenshots.sh`` (under Xvfb).

    python scripts/screenshot_site.py --home /tmp/shots-home --out docs/screenshots
"""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.executor import Executor  # noqa: E402
from app.services import actions, approvals, promotions  # noqa: E402
from app.steps.base import StepRegistry  # noqa: E402
from devkit.doubles import DeployStep, doubles_registry  # noqa: E402
from devkit.factories import START, add_release, make_site, passphrase_of, who  # noqa: E402

LIVE_STEP_SECONDS = 600.0  # the live canary stage stays RUNNING while screenshots are taken


class TickingClock:
    """Moves a few seconds on every reading, so durations in the fixture look real."""

    def __init__(self, start: datetime, tick_seconds: float = 3.0) -> None:
        self._now = start
        self._tick = timedelta(seconds=tick_seconds)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += self._tick
            return self._now

    def jump(self, minutes: float) -> None:
        with self._lock:
            self._now += timedelta(minutes=minutes)

    def set_tick(self, seconds: float) -> None:
        """How far each reading moves (0: hold still, e.g. for heartbeat ages)."""
        with self._lock:
            self._tick = timedelta(seconds=seconds)


def build_site(home: Path):
    """Six promotions: completed, completed with approval, rolled back, failed,
    waiting for approval, and one left for the app to run live."""
    clock = TickingClock(START - timedelta(hours=5))
    site = make_site(home, clock=clock)
    add_release(site, "platform", "1.2.4")
    add_release(site, "payments", "2.0.1")
    add_release(site, "search", "0.9.0")
    add_release(site, "platform", "1.3.0-rc1")

    def promote(release: str, to_env: str, from_env: str | None = None) -> str:
        clock.jump(37)
        return promotions.create_promotion(site, release, to_env, who(site, "alice"), from_env)

    done = promote("platform@1.2.4", "eu-stage")
    Executor(site, done, doubles_registry()).run()

    approved = promote("platform@1.2.4", "eu-prod", "eu-stage")
    Executor(site, approved, doubles_registry()).run()
    approvals.approve(site, approved, "bob", passphrase_of("bob"),
                      "gate PASS, change CR-4411 approved")
    Executor(site, approved, doubles_registry()).run()

    rolled = promote("payments@2.0.1", "eu-stage")
    Executor(site, rolled, doubles_registry()).run(until="deploy-50")
    actions.act(site, rolled, "rollback", who(site, "olga"), "p95 latency doubled after 50%",
                scope="full", data={"ticket": "INC-1234"})
    Executor(site, rolled, doubles_registry()).run()

    failed = promote("search@0.9.0", "eu-stage")
    Executor(site, failed, doubles_registry(auto_continue=False)).run()
    actions.act(site, failed, "mark-failed", who(site, "olga"), "error rate 3.2% at 10% canary")

    waiting = promote("platform@1.3.0-rc1", "eu-prod", "eu-stage")
    Executor(site, waiting, doubles_registry()).run()

    from scripts.screenshot_gate import build_gate

    gate_ids = build_gate(site, clock)  # real gate runs, feeds and policies
    live = promote("platform@1.3.0-rc1", "eu-stage")
    return site, {"completed": done, "approved": approved, "rolled_back": rolled,
                  "failed": failed, "waiting": waiting, "live": live, **gate_ids}


def live_registry() -> StepRegistry:
    """Doubles whose canary stages take long enough to be seen RUNNING."""
    registry = doubles_registry()
    registry.register("deploy", DeployStep(delay=LIVE_STEP_SECONDS))
    return registry


def shoot(site, ids: dict[str, str], out: Path) -> list[Path]:
    from app.gui import application, main_window
    from scripts import shots

    app = application()
    window = main_window(site, live_registry)
    window.resize(1440, 920)
    window.show()
    saved: list[Path] = []

    until = shots.waiter("screenshot fixture: the app did not reach the expected state")
    save = shots.saver(out, saved)

    page = window.promotions
    view = page.run_view
    until(lambda: window.site_info is not None and page.model.rowCount() == len(ids))

    def show(pid: str, status: str | None = None) -> None:
        page.select(pid)
        until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid
              and (status is None or view.snapshot.state.current_step == status))

    # the live run: started in the app, caught while its first canary stage runs
    show(ids["live"])
    window.ctx.executors.start(ids["live"])
    until(lambda: view.snapshot.status_of("deploy-10") == "running")
    page.splitter.setSizes([230, 690])
    save(window, "main-window.png")

    view.tabs.setCurrentIndex(1)
    save(view, "stage-graph.png")
    view.tabs.setCurrentIndex(0)
    save(view, "run-timeline.png")

    dialog = view.open_step_detail("deploy-10")
    dialog.resize(820, 560)
    dialog.tabs.setCurrentWidget(dialog.logs)
    until(lambda: dialog.logs.shown >= 1)
    save(dialog, "step-detail-logs.png")
    dialog.close()

    show(ids["rolled_back"])
    view.tabs.setCurrentIndex(0)
    save(view, "run-timeline-rolled-back.png")

    dialog = view.open_step_detail("deploy-50")
    dialog.resize(820, 560)
    save(dialog, "step-detail.png")
    dialog.close()

    from app.screens.session import sign_in
    from scripts.screenshot_gate import APPROVER_PASSPHRASE

    window.ctx.sign_in(sign_in(site, "bob", APPROVER_PASSPHRASE))  # bob has a key
    show(ids["waiting"])
    until(lambda: view.snapshot.actor == "bob")
    window.navigate("promotions")
    save(window, "main-window-approval.png")

    from scripts.screenshot_gate import shoot_gate

    shoot_gate(window, site, ids, out, save, until)

    from scripts.screenshot_evidence import shoot_evidence

    shoot_evidence(window, site, ids, out, save, until)

    from scripts.screenshot_schedule import shoot_schedule

    shoot_schedule(window, site, ids, out, save, until)

    from scripts.screenshot_deploy import shoot_deploy

    shoot_deploy(window, site, ids, out, save, until)  # adds its environments: last on this site

    from scripts.screenshot_bundles import shoot_bundles

    shoot_bundles(site.paths.home / "bundles-site", out, save, until)

    window.ctx.executors.stop_all()
    window.close()
    app.processEvents()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path, help="a new, empty folder")
    parser.add_argument("--out", default=ROOT / "docs" / "screenshots", type=Path)
    args = parser.parse_args(argv)
    if args.home.exists() and any(args.home.iterdir()):
        parser.error(f"{args.home} is not empty; give a new folder")
    args.out.mkdir(parents=True, exist_ok=True)
    site, ids = build_site(args.home)
    for path in shoot(site, ids, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
