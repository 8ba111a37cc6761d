"""Start, reuse and stop the demo site's moving parts (DEMO ONLY)."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path

from app.agent import process
from app.agent.lock import AgentStatus
from app.context import Site
from app.demo import layout
from app.demo.prometheus import DemoPrometheus, PrometheusNotReady, find_binary
from app.demo.traffic import TrafficProcess
from app.drivers.demo_fleet import DemoFleet
from app.drivers.process import pid_alive
from app.errors import NotNow
from app.services import promotions
from app.site import SiteConfig, SitePaths
from engine.run.status import RunStatus

EXECUTOR_PID = "demo-executor.pid"


def is_demo_home(home: Path) -> bool:
    return (home / layout.MARKER).exists()


def refuse_foreign_home(home: Path) -> None:
    """Never build into, or wipe, a folder that is not empty and not a demo site."""
    if home.exists() and any(home.iterdir()) and not is_demo_home(home):
        raise NotNow(f"{home} is not empty and is not a demo site; choose another --home")


def stop(paths: SitePaths) -> list[str]:
    """Stop traffic and every demo target of the home; say what was stopped."""
    stopped = []
    if TrafficProcess(paths).stop():
        stopped.append("traffic")
    if DemoPrometheus(paths).stop():
        stopped.append("prometheus")
    agent = process.stop_detached(SiteConfig.resolve(home=paths.home))
    if agent.running:
        stopped.append(f"agent (pid {agent.pid})")
    executor = _detached_executor_pid(paths)
    if executor is not None:
        os.kill(executor, signal.SIGTERM)
        stopped.append(f"live executor (pid {executor})")
    (paths.run_dir / EXECUTOR_PID).unlink(missing_ok=True)
    for env in layout.ENVIRONMENTS:
        fleet = DemoFleet(paths.home, env.name)
        members = fleet.adopt()
        if members:
            fleet.stop()
            stopped.append(f"{env.name} fleet ({len(members)} targets)")
    return stopped


def wipe(paths: SitePaths) -> None:
    refuse_foreign_home(paths.home)
    stop(paths)
    if paths.home.exists():
        shutil.rmtree(paths.home)


def resume(site: Site, say: Callable[[str], None] = lambda _line: None) -> list[str]:
    """Reopen an existing demo site: traffic on, its Prometheus again if it had one, and
    say which targets are down."""
    TrafficProcess(site.paths).start([env.name for env in layout.ENVIRONMENTS])
    down = []
    fleets = {}
    for env in layout.ENVIRONMENTS:
        fleet = DemoFleet(site.paths.home, env.name)
        running = {m.name for m in fleet.adopt()}
        fleets[env.name] = fleet.ports()
        down += [name for name in env.targets if name not in running]
    _resume_prometheus(site, fleets, say)
    return down


def _resume_prometheus(site: Site, fleets: dict[str, dict[str, int]], say: Callable[[str], None]) -> None:
    """The live environment's settings name the address: the server comes back on that port."""
    server = DemoPrometheus(site.paths, find_binary())
    if server.port is None:
        return  # built without Prometheus: nothing asks one
    if server.binary is None:
        say(f"Prometheus not found; {layout.LIVE_ENVIRONMENT}'s canary will record Error measurements")
        return
    recorded = server.address
    try:
        address = server.start(fleets)
    except (PrometheusNotReady, OSError) as err:
        say(f"Prometheus could not start; {layout.LIVE_ENVIRONMENT}'s canary will record Error "
            f"measurements: {err}")
        return
    if address != recorded:  # its port was taken meanwhile
        say(f"Prometheus started at {address}, not {recorded} where {layout.LIVE_ENVIRONMENT}'s "
            "settings ask it: its canary will record Error measurements (`stella demo --rebuild`)")
    else:
        say(f"Prometheus at {address}, scraping the demo fleet")


def prometheus_address(paths: SitePaths) -> str | None:
    """The demo Prometheus's address while it runs."""
    server = DemoPrometheus(paths)
    return server.address if server.running_pid() is not None else None


def live_promotion(site: Site) -> str | None:
    """The demo's live canary, if it still has work (not ended, not waiting for people)."""
    for summary in promotions.list_promotions(site):
        if summary.to_env == "eu-prod" and summary.release_version == "1.3.0-rc1" \
                and summary.status in (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.INTERRUPTED):
            return summary.id
    return None


def start_agent(config: SiteConfig) -> AgentStatus:
    """The demo site's agent, detached (the one already running is kept)."""
    return process.start_detached(config)


def _detached_executor_pid(paths: SitePaths) -> int | None:
    """A detached `stella run` an older demo started (the agent replaced it)."""
    try:
        pid = int((paths.run_dir / EXECUTOR_PID).read_text())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None
