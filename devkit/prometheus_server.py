"""A real Prometheus on 127.0.0.1 for integration tests: scrapes what a file-based
service discovery file lists (the test writes it), every second, into a temporary
store; always stopped by the context manager, whatever happened inside. The
configuration and the discovery file are written as the demo's own Prometheus's."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from app.demo.prometheus import scrape_config, target_groups, write_sd_file
from devkit.loopback_server import LoopbackServer


class PrometheusServer(LoopbackServer):
    name = "prometheus"

    def __init__(self, root: Path, binary: str) -> None:
        self.binary = binary  # the prometheus executable
        super().__init__(root)
        self.sd_file = root / "targets.json"

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_targets(self, targets: Mapping[str, int]) -> None:
        """File SD: one group per target, labelled ``stella_target=<name>``."""
        write_sd_file(self.sd_file, target_groups({"test": targets}))

    def start(self) -> PrometheusServer:
        if not self.sd_file.exists():
            self.write_targets({})
        config = self.root / "prometheus.yml"
        config.write_text(scrape_config(self.sd_file, scrape_seconds=1, job="stella-fleet"), encoding="utf-8")
        self.spawn([self.binary, f"--config.file={config}", f"--storage.tsdb.path={self.root / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h"],
                   ready=self._ready, timeout=30)
        return self

    def _ready(self) -> bool:
        with urllib.request.urlopen(f"{self.address}/-/ready", timeout=1) as answer:
            return bool(answer.status == 200)

    def wait_for_series(self, query: str, timeout: float = 20.0) -> None:
        url = f"{self.address}/api/v1/query?" + urlencode({"query": query})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if json.loads(answer.read())["data"]["result"]:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"no series for {query} after {timeout:g}s")

    def cleanup(self) -> None:
        self.remove("data")
