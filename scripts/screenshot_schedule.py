"""Screenshots of the scheduling screens, taken by ``scripts/screenshot_site.py`` on its
fixture site once the main window is up: the Schedule Promotion dialog before and
after Create Schedule, Operations → Scheduler Runs (empty, then with a job waiting on
stale feeds, a dead-lettered one and a succeeded one), Dead Letter and Orchestrator
(the app's live run holding its lease, and the queued jobs).

The jobs are made through the real services and ticks, with the step doubles.
Run alone (faster, for these screens only)::

    xvfb-run -a python scripts/screenshot_schedule.py --home /tmp/shots --out /tmp/png
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services import promotions, scheduler, scheduler_tick  # noqa: E402
from devkit.doubles import doubles_registry  # noqa: E402
from devkit.factories import who  # noqa: E402

Save = Callable[[object, str], None]
Until = Callable[..., None]


def _tick(site) -> None:
    scheduler_tick.tick(site, scheduler_tick.executor_runner(doubles_registry()))


def make_jobs(site, ids: dict[str, str]) -> dict[str, str]:
    """A job waiting on stale feeds, one dead-lettered (its run failed), one succeeded."""
    blocked = promotions.create_promotion(site, "search@0.9.0", "eu-prod", who(site, "alice"), "eu-stage")
    scheduler.create_schedule(site, blocked, at="now", window="2h", actor="olga",
                              requires=["feeds-fresh<1h", "sbom-rescans-complete"],
                              warns=["integrations-healthy"])
    scheduler.create_schedule(site, ids["failed"], at="now", window="1h", actor="olga",
                              requires=["sbom-rescans-complete"])
    done = promotions.create_promotion(site, "platform@1.2.4", "eu-stage", who(site, "alice"))
    scheduler.create_schedule(site, done, at="now", window="30m", actor="olga",
                              until="gate-eval")
    _tick(site)
    _tick(site)  # the blocked job's second look folds into its first attempt
    return {"blocked": blocked, "done": done}


def shoot_schedule(window, site, ids: dict[str, str], out: Path, save: Save,
                   until: Until) -> None:
    page = window.promotions
    view = page.run_view
    window.set_actor("olga")
    runs = window.navigate("scheduler-runs")
    until(lambda: runs.snapshot is not None)
    save(window, "scheduler-runs-empty.png")

    jobs = make_jobs(site, ids)
    target = promotions.create_promotion(site, "payments@2.0.1", "eu-prod", who(site, "alice"), "eu-stage")
    window.refresh_all()
    window.navigate("promotions")
    until(lambda: page.model.row_of(target) is not None)
    page.select(target)
    until(lambda: view.snapshot is not None and view.snapshot.promotion_id == target)
    view.schedule_button.click()
    dialog = window.scheduler_screens.dialog
    until(lambda: dialog.form is not None)
    dialog.checks["integrations-healthy"].setChecked(True)
    save(dialog, "schedule-dialog.png")
    dialog.create_button.click()
    until(lambda: dialog.schedule is not None)
    save(dialog, "schedule-created.png")
    dialog.runs_link.linkActivated.emit("runs")

    runs = window.current_page()
    until(lambda: runs.snapshot is not None and len(runs.snapshot.schedules) == 4)
    runs.select("S-0001")
    until(lambda: runs.attempts.rowCount() == 1)
    save(window, "scheduler-runs.png")

    letters = window.navigate("dead-letter")
    until(lambda: letters.snapshot is not None and letters.model.rowCount() == 1)
    save(window, "dead-letter.png")

    # the fixture's clock moves on every reading, far faster than the executor's heartbeat:
    # hold it still, so the live run's lease reads as a real one would
    site.clock.set_tick(0)
    orchestrator = window.scheduler_screens.page("orchestrator")
    loads: list = []
    orchestrator.loaded.connect(loads.append)
    window.navigate("orchestrator")
    until(lambda: loads and loads[-1].leases and loads[-1].leases[0].state == "live",
          timeout_ms=30_000)
    save(window, "orchestrator.png")
    site.clock.set_tick(3)
    window.navigate("promotions")
    page.select(ids["failed"])  # its run view's data health banner counts the dead letter
    until(lambda: view.snapshot is not None and view.snapshot.promotion_id == ids["failed"]
          and view.health_banner.report is not None
          and any(j.status == "dead-lettered" for j in view.health_banner.report.jobs))
    save(view, "schedule-dead-letter-banner.png")
    assert jobs


def main(argv: list[str] | None = None) -> int:
    """These screens alone, on a fresh fixture site (the full set: screenshot_site.py)."""
    from app.gui import application, main_window
    from scripts import shots
    from scripts.screenshot_site import build_site, live_registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path, help="a new, empty folder")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    site, ids = build_site(args.home)
    app = application()
    window = main_window(site, live_registry)
    window.resize(1440, 920)
    window.show()

    until = shots.waiter("screenshot fixture: the app did not reach the expected state")
    save = shots.saver(args.out)

    until(lambda: window.site_info is not None)
    window.promotions.select(ids["live"])
    window.ctx.executors.start(ids["live"])
    until(lambda: window.ctx.executors.is_running(ids["live"]))
    shoot_schedule(window, site, ids, args.out, save, until)
    window.ctx.executors.stop_all()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
