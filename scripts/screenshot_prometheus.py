"""Screenshots of the Deploy Stage View measured by a real Prometheus: a canary of the
demo fleet whose metrics server is stopped mid-window, so the view shows the provider,
its Error measurements and the paused stage. Needs ``prometheus`` installed
(scripts/integration-deps.sh). Run under Xvfb at 1366x768:

    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshot_prometheus.py
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

from app.demo.prometheus import find_binary  # noqa: E402
from app.drivers.demo_fleet import DemoFleet, DemoLoadGenerator  # noqa: E402
from app.executor import Executor  # noqa: E402
from app.qt.context import GuiContext  # noqa: E402
from app.services import promotions  # noqa: E402
from devkit.deploy import add_demo_release, add_environment, demo_ref, product_registry  # noqa: E402
from devkit.deploy import prometheus_settings as settings  # noqa: E402
from devkit.factories import make_site, sign_in_as, who  # noqa: E402
from devkit.prometheus_server import PrometheusServer  # noqa: E402
from engine.clock import SystemClock  # noqa: E402
from engine.run import events as ev  # noqa: E402
from scripts.shots import saver, settle, waiter  # noqa: E402
from views.deploy_stage.view import DeployStageView  # noqa: E402
from views.run_timeline.view import RunTimelineView  # noqa: E402

TARGETS = ("eu-demo-01", "eu-demo-02", "eu-demo-03")
OUT = ROOT / "docs" / "screenshots"


def measured(site, pid: str) -> list[dict]:
    events, _ = promotions.load_run(site, pid)
    return [e.data for e in events if e.type == ev.STEP_CRITERIA and "measurement" in e.data]


def main() -> None:
    binary = find_binary()
    if binary is None:
        sys.exit("prometheus is not installed (scripts/integration-deps.sh prometheus)")
    app = QApplication.instance() or QApplication(sys.argv)
    work = Path(tempfile.mkdtemp(prefix="stella-prom-shots-"))
    site = make_site(work / "home", SystemClock())
    fleet = DemoFleet(site.paths.home, "eu-demo", watch_parent=True)
    fleet.start(TARGETS, release=demo_ref(work, "1.2.0"))
    load = DemoLoadGenerator(fleet, rate_per_target=40.0, timeout=1.0).start()
    prometheus = PrometheusServer(work / "prometheus", binary)
    prometheus.write_targets(fleet.ports())
    ctx = None
    try:
        with prometheus:
            prometheus.wait_for_series('http_requests_total{stella_target="eu-demo-01"}')
            add_environment(site, "eu-demo", TARGETS, "demo-fleet", settings(prometheus.address, window=60.0))
            add_demo_release(site, "1.3.0-rc1", error_rate=0.01, latency_ms=40.0)
            pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-demo", who(site, "alice"))
            runner = threading.Thread(target=lambda: Executor(site, pid, product_registry()).run())
            runner.start()
            deadline = time.monotonic() + 60
            while len(measured(site, pid)) < 8 and time.monotonic() < deadline:
                time.sleep(0.2)
        runner.join(60)  # Prometheus stopped: Error measurements until the limit pauses the stage
        ctx = GuiContext(site, product_registry, poll_interval_ms=200)
        sign_in_as(ctx, "olga")
        timeline = RunTimelineView(ctx)
        timeline.resize(1366, 768)
        timeline.show_promotion(pid)
        until = waiter("the stage view did not load", 30_000)
        until(lambda: timeline.snapshot is not None)
        dialog = timeline.open_step_detail("deploy-10")
        view = dialog.overview
        assert isinstance(view, DeployStageView)
        until(lambda: view.stage is not None and view.stage.provider)
        settle(500)
        saver(OUT)(dialog, "deploy-stage-prometheus-error.png")
        dialog.close()
    finally:
        if ctx is not None:
            ctx.shutdown(10_000)
        load.stop()
        fleet.stop()
        site.close()
    app.quit()


if __name__ == "__main__":
    main()
