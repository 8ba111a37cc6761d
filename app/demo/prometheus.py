"""A Prometheus beside the demo fleet (DEMO ONLY), when the ``prometheus`` binary is
installed: it scrapes every demo target through a file-based service discovery file,
and the live canary's environment asks it PromQL instead of the fleet's own endpoints.

The server runs detached, like the fleet and the traffic, so that the demo's agent
keeps asking it after the GUI quits; ``stella demo --stop`` (and a failed build) stop
it. Its port is kept in ``<run>/prometheus/server.json`` and reused on the next start,
because the environment's signed settings name the address. The service discovery
file is rewritten by the traffic process whenever a target restarts on a new port.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from app.drivers.process import pid_alive
from app.site import SitePaths
from engine.crypto.atomic import atomic_write_bytes

BINARY = "prometheus"
FOLDER = "prometheus"
STATE_FILE = "server.json"
SD_FILE = "targets.json"
SCRAPE_SECONDS = 2
RATE_WINDOW = "20s"  # a few scrapes: a rate survives one target restart
READY_SECONDS = 30.0
EXTRA_DIRS = ("/usr/sbin", "/usr/local/bin")

# The live canary's queries: what the fleet's exporter exposes, per stage target.
ERROR_RATE = (f'sum(rate(http_request_errors_total{{stella_target=~"{{targets}}"}}[{RATE_WINDOW}])) / '
              f'sum(rate(http_requests_total{{stella_target=~"{{targets}}"}}[{RATE_WINDOW}]))')
P95_LATENCY = ('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket'
               f'{{stella_target=~"{{targets}}"}}[{RATE_WINDOW}])))')


class PrometheusNotReady(RuntimeError):
    """The server exited or did not answer ``/-/ready`` in time; the message says which."""


def find_binary(which: Callable[[str], str | None] = shutil.which) -> str | None:
    found = which(BINARY)
    if found:
        return found
    return next((str(Path(d) / BINARY) for d in EXTRA_DIRS if (Path(d) / BINARY).is_file()), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # as a server binds (Prometheus does): a port of a server just stopped, its
        # connections in TIME_WAIT, is free to listen on again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def scrape_config(sd_file: Path, *, scrape_seconds: float, job: str) -> str:
    """prometheus.yml: one job whose targets come from ``sd_file`` (re-read every second)."""
    timeout_ms = int(scrape_seconds * 900)
    return (f"global:\n  scrape_interval: {scrape_seconds:g}s\n  evaluation_interval: {scrape_seconds:g}s\n"
            f"scrape_configs:\n  - job_name: {job}\n    scrape_timeout: {timeout_ms}ms\n"
            f"    file_sd_configs:\n      - files: ['{sd_file}']\n        refresh_interval: 1s\n")


def write_sd_file(sd_file: Path, groups: list[dict[str, object]]) -> bool:
    """Write the file SD groups atomically (Prometheus never reads half a file); False
    when the file already says exactly that."""
    data = json.dumps(groups, sort_keys=True, indent=1).encode()
    try:
        if sd_file.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(sd_file, data)
    return True


def target_groups(fleets: Mapping[str, Mapping[str, int]]) -> list[dict[str, object]]:
    """One group per target, labelled with its name and environment."""
    return [{"targets": [f"127.0.0.1:{port}"], "labels": {"stella_target": name, "stella_environment": env}}
            for env, ports in sorted(fleets.items()) for name, port in sorted(ports.items())]


def wait_ready(address: str, alive: Callable[[], bool], log: Callable[[], str],
               timeout: float = READY_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise PrometheusNotReady(f"prometheus exited: {log()}")
        try:
            with _opener().open(f"{address}/-/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise PrometheusNotReady(f"prometheus did not answer {address}/-/ready within {timeout:g}s: {log()}")


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


class DemoPrometheus:
    """Start, find and stop the demo site's Prometheus."""

    def __init__(self, paths: SitePaths, binary: str | None = None) -> None:
        self.folder = paths.run_dir / FOLDER
        self.state_file = self.folder / STATE_FILE
        self.sd_file = self.folder / SD_FILE
        self.binary = binary

    def _state(self) -> dict[str, int]:
        try:
            state = json.loads(self.state_file.read_bytes())
            return {"pid": int(state["pid"]), "port": int(state["port"])}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    @property
    def port(self) -> int | None:
        return self._state().get("port")

    @property
    def address(self) -> str | None:
        port = self.port
        return None if port is None else f"http://127.0.0.1:{port}"

    def running_pid(self) -> int | None:
        pid = self._state().get("pid")
        return pid if pid is not None and pid_alive(pid) and self._is_ours(pid) else None

    def log_tail(self) -> str:
        path = self.folder / "prometheus.log"
        return path.read_text(errors="replace")[-800:] if path.exists() else ""

    def start(self, fleets: Mapping[str, Mapping[str, int]]) -> str:
        """Start it (or keep the one running) scraping ``fleets``; return its address."""
        if self.binary is None:
            raise PrometheusNotReady("the prometheus binary was not found")
        self.folder.mkdir(parents=True, exist_ok=True)
        write_sd_file(self.sd_file, target_groups(fleets))
        if self.running_pid() is not None and self.address:
            return self.address
        port = self.port if self.port and port_is_free(self.port) else free_port()
        config = self.folder / "prometheus.yml"
        config.write_text(scrape_config(self.sd_file, scrape_seconds=SCRAPE_SECONDS, job="stella-demo-fleet"),
                          encoding="utf-8")
        log = (self.folder / "prometheus.log").open("ab")
        proc = subprocess.Popen(
            [self.binary, f"--config.file={config}", f"--storage.tsdb.path={self.folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1d"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        atomic_write_bytes(self.state_file, json.dumps({"pid": proc.pid, "port": port}).encode())
        address = f"http://127.0.0.1:{port}"
        try:
            wait_ready(address, lambda: proc.poll() is None, self.log_tail)
        except PrometheusNotReady:
            self.stop()
            raise
        return address

    def stop(self) -> bool:
        """Stop the server if it runs (True), waiting a little for it to flush."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.1)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        return True

    def _is_ours(self, pid: int) -> bool:
        """Signal a recorded pid only when it is this folder's prometheus (pids are reused)."""
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return not Path("/proc/self").exists()  # no /proc: trust the pid file
        return any(arg.endswith(str(self.folder / "prometheus.yml").encode()) for arg in argv)


def refresh_targets(paths: SitePaths, fleets: Mapping[str, Mapping[str, int]]) -> bool:
    """Rewrite the SD file when a demo Prometheus was set up and a port changed."""
    server = DemoPrometheus(paths)
    if not server.folder.is_dir():
        return False
    return write_sd_file(server.sd_file, target_groups(fleets))


def live_metrics(address: str) -> dict[str, object]:
    """The demo environment's metrics settings: error rate and p95 of the stage's targets."""
    return {"provider": "prometheus", "address": address, "timeout_seconds": 3,
            "consecutive_error_limit": 2, "on_error": "pause",
            "queries": [{"name": "error-rate", "query": ERROR_RATE, "success": "< 0.01"},
                        {"name": "p95-latency", "query": P95_LATENCY, "success": "< 0.5"}]}
