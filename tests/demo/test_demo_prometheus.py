"""`stella demo` with a real Prometheus beside the fleet: started when the binary is
installed, scraping every demo target through its file service discovery file, asked
by the live canary's environment, named in the Deploy Stage View, stopped with the
demo. Without the binary the demo says so and measures as before."""

from __future__ import annotations

import json
import threading
import time

import pytest

from app.context import Site
from app.demo import builder, control, layout
from app.demo.builder import build
from app.demo.prometheus import DemoPrometheus
from app.deploy.settings import deploy_config
from app.drivers.process import pid_alive
from app.executor import Executor
from app.screens.deploy_snapshots import load_deploy_stage
from app.services import promotions
from app.site import SiteConfig
from app.steps.defaults import default_registry
from engine.run import events as ev
from tests.support.system_tools import ensure_tool


def _metric_rows(site: Site, pid: str) -> list:
    events, _ = promotions.load_run(site, pid)
    return [e for e in events if e.type == ev.STEP_CRITERIA and isinstance(e.data.get("provider"), dict)]


@pytest.mark.slow
def test_demo_starts_prometheus_and_its_live_canary_is_measured_by_it(tmp_path):
    ensure_tool("prometheus", "prometheus")
    config = SiteConfig.resolve(home=tmp_path / "demo")
    said: list[str] = []
    server = DemoPrometheus(config.paths)
    try:
        summary = build(config, say=said.append)
        address = summary.prometheus
        assert address and any(line.startswith(f"Prometheus started at {address}") for line in said), said
        prometheus_pid = server.running_pid()
        assert prometheus_pid is not None
        groups = json.loads(server.sd_file.read_text())
        assert sorted(g["labels"]["stella_target"] for g in groups) == sorted(
            t for env in layout.ENVIRONMENTS for t in env.targets)
        site = Site.open(config)
        try:
            metrics = deploy_config(site, layout.LIVE_ENVIRONMENT).metrics
            assert metrics is not None and metrics.address == address
            pid = summary.live
            assert pid is not None
            stop = threading.Event()
            runner = threading.Thread(
                target=lambda: Executor(site, pid, default_registry(), should_stop=stop.is_set).run())
            runner.start()
            try:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and not _metric_rows(site, pid):
                    time.sleep(0.5)
            finally:
                stop.set()
                runner.join(timeout=120)
            assert not runner.is_alive()
            rows = _metric_rows(site, pid)
            assert rows, "the live canary recorded no measurement"
            first = rows[0]
            assert first.data["provider"] == {"name": "prometheus", "address": address, "answered": True}, \
                first.data["measurement"]["notes"]
            asked = first.data["measurement"]["queries"][0]
            assert "eu\\\\-prod\\\\-01" in asked["query"] and asked["raw"]["resultType"] == "vector"
            stage = load_deploy_stage(site, pid, first.step)
            assert stage.provider == f"prometheus at {address}: answered"  # what the view shows
        finally:
            site.close()
        stopped = control.stop(config.paths)
        assert "prometheus" in stopped and not pid_alive(prometheus_pid)
        # `stella demo` on the existing site: its Prometheus comes back where the settings ask it
        site = Site.open(config)
        try:
            said.clear()
            control.resume(site, said.append)
        finally:
            site.close()
        assert said == [f"Prometheus at {address}, scraping the demo fleet"]
        assert control.prometheus_address(config.paths) == address
    finally:
        control.stop(config.paths)
    assert server.running_pid() is None


def test_without_the_binary_the_demo_says_prometheus_was_not_found(tmp_path, monkeypatch):
    monkeypatch.setattr(builder, "find_binary", lambda: None)
    said: list[str] = []
    paths = SiteConfig.resolve(home=tmp_path / "demo").paths
    assert builder.start_prometheus(paths, {"eu-prod": {"eu-prod-01": 1}}, said.append) is None
    assert said and said[0].startswith("Prometheus not found")
    assert DemoPrometheus(paths).running_pid() is None and not (paths.run_dir / "prometheus").exists()
