"""Synthetic traffic for the demo fleet (DEMO ONLY), in a process of its own.

The canary gates read real request counts from the targets' ``/metrics``; without
traffic every gate would be inconclusive. The demo starts this process detached so
that runs measured by any executor (the app's, ``stella run``, the scheduler's) see
live traffic, and ``stella demo --stop`` ends it.

    python -m app.demo.traffic --home DIR ENV [ENV …]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from app.demo.prometheus import refresh_targets
from app.drivers.demo_fleet import DemoFleet, DemoLoadGenerator
from app.drivers.process import pid_alive
from app.site import SitePaths

PID_FILE = "demo-traffic.pid"
RATE_PER_TARGET = 20.0
REFRESH_SECONDS = 2.0


class TrafficProcess:
    """Start or stop the detached traffic process of a site home."""

    def __init__(self, paths: SitePaths) -> None:
        self.paths = paths
        self.pid_file = paths.run_dir / PID_FILE

    def running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def start(self, environments: Sequence[str]) -> int:
        pid = self.running_pid()
        if pid is not None:
            return pid
        self.paths.run_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.paths.run_dir / "demo-traffic.log", "ab")
        proc = subprocess.Popen([*_launcher(), "--home", str(self.paths.home), *environments],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        log.close()
        self.pid_file.write_text(str(proc.pid))
        return proc.pid

    def stop(self) -> bool:
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        self.pid_file.unlink(missing_ok=True)
        return True


def _launcher() -> list[str]:
    if getattr(sys, "frozen", False):  # the desktop build runs itself with a sub-command
        return [sys.executable, "demo-traffic"]
    return [sys.executable, "-m", "app.demo.traffic"]


def serve(home: Path, environments: Sequence[str], stop: threading.Event) -> None:
    """Drive every adopted target of ``environments`` until ``stop`` is set; targets
    restarted elsewhere (new ports) are picked up within a few seconds."""
    generators: dict[str, tuple[dict[str, int], DemoLoadGenerator]] = {}
    try:
        while not stop.is_set():
            fleets = {}
            for env in environments:
                fleet = DemoFleet(home, env)
                fleet.adopt()
                ports = fleets[env] = fleet.ports()
                current = generators.get(env)
                if current is None or current[0] != ports:
                    if current is not None:
                        current[1].stop()
                    generators[env] = (ports, DemoLoadGenerator(
                        fleet, rate_per_target=RATE_PER_TARGET).start())
            # a restarted target listens on a new port: the demo Prometheus must scrape it there
            refresh_targets(SitePaths(home), fleets)
            stop.wait(REFRESH_SECONDS)
    finally:
        for _, generator in generators.values():
            generator.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stella demo-traffic",
                                     description="synthetic traffic for the demo fleet (DEMO ONLY)")
    parser.add_argument("--home", required=True)
    parser.add_argument("environments", nargs="+")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve(Path(args.home), args.environments, stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
