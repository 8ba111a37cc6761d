"""A real Prometheus on 127.0.0.1 for integration tests: scrapes what a file-based
service discovery file lists (the test writes it), every second, into a temporary
store; always stopped by the context manager, whatever happened inside."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from tests.support.system_tools import ensure_tool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrometheusServer:
    def __init__(self, root: Path) -> None:
        self.binary = ensure_tool("prometheus", "prometheus")
        self.root = root
        self.port = free_port()
        self.sd_file = root / "targets.json"
        root.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_targets(self, targets: Mapping[str, int]) -> None:
        """File SD: one group per target, labelled ``stella_target=<name>``."""
        groups = [{"targets": [f"127.0.0.1:{port}"], "labels": {"stella_target": name}}
                  for name, port in sorted(targets.items())]
        tmp = self.sd_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(groups), encoding="utf-8")
        tmp.replace(self.sd_file)  # Prometheus must never read half a file

    def start(self) -> PrometheusServer:
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.sd_file.exists():
            self.write_targets({})
        config = self.root / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: stella-fleet\n    scrape_timeout: 900ms\n"
            f"    file_sd_configs:\n      - files: ['{self.sd_file}']\n        refresh_interval: 1s\n",
            encoding="utf-8")
        log = (self.root / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            [self.binary, f"--config.file={config}", f"--storage.tsdb.path={self.root / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.address}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"prometheus not ready after 30s: {self.log_tail()}")

    def wait_for_series(self, query: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.address}/api/v1/query?" + urlencode({"query": query})
        while time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if json.loads(answer.read())["data"]["result"]:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"no series for {query} after {timeout:g}s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def log_tail(self) -> str:
        path = self.root / "prometheus.log"
        return path.read_text(errors="replace")[-1500:] if path.exists() else ""

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
        shutil.rmtree(self.root / "data", ignore_errors=True)
