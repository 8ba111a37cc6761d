"""Screenshot of the demo's live canary measured by the Prometheus `stella demo` starts
beside the fleet: the Deploy Stage View names the provider that answered and the charts
draw the queries' conditions. Needs ``prometheus`` installed. Run under Xvfb:

    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshot_demo_prometheus.py
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.context import Site  # noqa: E402
from app.demo import control, layout  # noqa: E402
from app.demo.builder import build  # noqa: E402
from app.executor import Executor  # noqa: E402
from app.qt.context import GuiContext  # noqa: E402
from app.screens.session import sign_in  # noqa: E402
from app.services import promotions  # noqa: E402
from app.site import SiteConfig  # noqa: E402
from app.steps.defaults import default_registry  # noqa: E402
from engine.run import events as ev  # noqa: E402
from scripts.shots import saver, settle, waiter  # noqa: E402
from views.deploy_stage.view import DeployStageView  # noqa: E402
from views.run_timeline.view import RunTimelineView  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
MEASUREMENTS = 8


def measured(site: Site, pid: str) -> list[str]:
    events, _ = promotions.load_run(site, pid)
    return [e.step for e in events if e.type == ev.STEP_CRITERIA and isinstance(e.data.get("provider"), dict)]


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    config = SiteConfig.resolve(home=Path(tempfile.mkdtemp(prefix="stella-demo-prom-")) / "demo")
    ctx = None
    stop = threading.Event()
    try:
        summary = build(config, say=lambda line: print(f"demo: {line}", flush=True))
        if not summary.prometheus or not summary.live:
            raise SystemExit("no Prometheus beside the demo fleet (is the prometheus binary installed?)")
        site = Site.open(config)
        runner = threading.Thread(target=lambda: Executor(site, summary.live, default_registry(),
                                                          should_stop=stop.is_set).run())
        runner.start()
        deadline = time.monotonic() + 180
        while len(measured(site, summary.live)) < MEASUREMENTS and time.monotonic() < deadline:
            time.sleep(1)
        step = measured(site, summary.live)[-1]
        ctx = GuiContext(site, default_registry, poll_interval_ms=500)
        ctx.sign_in(sign_in(site, "olga", layout.DEMO_ONLY_PASSPHRASE))
        timeline = RunTimelineView(ctx)
        timeline.resize(1366, 768)
        timeline.show_promotion(summary.live)
        until = waiter("the stage view did not load", 30_000)
        until(lambda: timeline.snapshot is not None)
        dialog = timeline.open_step_detail(step)
        view = dialog.overview
        assert isinstance(view, DeployStageView)
        until(lambda: view.stage is not None and view.stage.provider)
        settle(500)
        saver(OUT)(dialog, "demo-deploy-stage-prometheus.png")  # while the canary still measures
        dialog.close()
        stop.set()
        runner.join(120)
    finally:
        stop.set()
        if ctx is not None:
            ctx.shutdown(10_000)
        control.stop(config.paths)
    app.quit()


if __name__ == "__main__":
    main()
