"""Screenshots of ended and retried runs at 1366×768 (issue 11): a canary that breached,
was rolled back automatically and is sealed (its run view and its Evidence Timeline), and
a stage rolled back with a ticket and retried, whose timeline shows both attempts.

The runs are real — the product's deploy step, canary gate, rollback and seal — on fake
targets (``devkit/stage_fakes``) of a throw-away site. Run it under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1366x768x24 -dpi 96" \\
        .venv/bin/python scripts/screenshot_attempts.py --home /tmp/attempts-home
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.executor import Executor  # noqa: E402
from app.services import actions  # noqa: E402
from devkit.factories import make_site, passphrase_of, who  # noqa: E402
from devkit.stage_fakes import StageEnv, start  # noqa: E402

GATE = {"window_seconds": "5m", "interval_seconds": "30s", "max_p95_ms": "400ms"}


def build(home: Path):
    from datetime import timedelta

    from devkit.factories import START
    from scripts.screenshot_deploy import _Jump
    from scripts.screenshot_site import TickingClock

    clock = TickingClock(START - timedelta(hours=2), tick_seconds=2.0)
    site = make_site(home, clock=clock)
    from devkit.sealed_site import install_trust_root

    install_trust_root(site)  # an auditor bundle needs the trust root in force
    wait = _Jump(clock)
    bad = StageEnv(site, "us-west", tuple(f"us-west-{n:02d}" for n in range(1, 5)), GATE, wait,
                   latency_ms=90.0, error_rate=0.05)
    breached = start(bad)
    Executor(site, breached, bad.registry()).run()  # breached at 10%: rolled back, then sealed

    env = StageEnv(site, "eu-west", tuple(f"eu-west-{n:02d}" for n in range(1, 11)), GATE, wait,
                   latency_ms=150.0, error_rate=0.004)
    retried = start(env)
    Executor(site, retried, env.registry()).run()  # canary 10% measured, waits for Continue
    actions.act(site, retried, "rollback", who(site, "olga"), "p95 doubled on eu-west-01 after the "
                "cache flush", scope="stage", data={"ticket": "INC-2291"})
    Executor(site, retried, env.registry()).run()
    actions.act(site, retried, "retry", who(site, "olga"), "cache warmed; deploying again")
    Executor(site, retried, env.registry()).run()  # attempt 2 measured, waits for Continue
    return site, breached, retried


def shoot(site, breached: str, retried: str, out: Path) -> list[Path]:
    from app.gui import application, main_window
    from scripts import shots

    app = application()
    window = main_window(site)
    window.resize(1366, 768)
    window.show()
    saved: list[Path] = []
    until = shots.waiter("attempt screenshots: the app did not reach the expected state")
    save = shots.saver(out, saved)
    page = window.promotions
    view = page.run_view
    until(lambda: window.site_info is not None and page.model.rowCount() == 2)
    from app.screens.session import sign_in

    window.ctx.sign_in(sign_in(site, "audrey", passphrase_of("audrey")))  # an auditor
    page.splitter.setSizes([90, 700])

    def show(pid: str) -> None:
        page.select(pid)
        until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid
              and view.snapshot.actor == "audrey")

    def scroll_to(step: str, attempt: int = 0) -> None:
        number = view.model.row_of(f"{step}#{attempt}" if attempt else step)
        view.table.scrollTo(view.model.index(number, 0), view.table.ScrollHint.PositionAtTop)

    show(breached)
    view.tabs.setCurrentIndex(0)
    scroll_to("gate-eval")
    save(window, "run-rolled-back-sealed.png")
    dialog = view.open_evidence_timeline()
    dialog.resize(1280, 700)
    until(lambda: dialog.view.timeline is not None)
    save(dialog, "evidence-timeline-rolled-back-sealed.png")
    dialog.close()

    show(retried)
    scroll_to("deploy-start")
    save(window, "run-timeline-two-attempts.png")
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
    site, breached, retried = build(args.home)
    for path in shoot(site, breached, retried, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
