"""A demo deploy target: a real HTTP process on 127.0.0.1 (DEMO ONLY).

    python -m app.drivers.demo_fleet.target --port 0 --root DIR --name NAME [--seed N] [--watch-pid PID]

Endpoints:

- ``GET /healthz`` — 200 when a release is deployed and ready, else 503 with why;
- ``GET /version`` — JSON: target, pid, release name, version, digest, components;
- ``GET /metrics`` — Prometheus text 0.0.4: ``http_requests_total{code}``,
  ``http_request_errors_total``, the ``http_request_duration_seconds`` histogram
  and ``demo_release_info``;
- ``GET /work`` — what the load generator calls; answers 200 or an injected 500
  after the release's latency, as its ``app.json`` says.

The behaviour comes from the release that ``DIR/current.json`` points at, re-read
whenever that file is replaced. Injected errors and jitter come from a
``random.Random`` seeded with (seed, target, release digest): a given sequence of
requests gets the same answers on every run. The chosen port is written to
``DIR/target.json`` atomically once the socket listens. SIGTERM stops it cleanly;
``--watch-pid`` makes it exit when that process is gone (no orphans if the app dies).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app.drivers.demo_fleet.artifact import DemoArtifactError
from app.drivers.demo_fleet.files import atomic_write_json
from app.drivers.demo_fleet.release_dir import InstalledRelease, pointer_stamp, read_current

PORT_FILE = "target.json"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class TargetState:
    """Deployed release, seeded randomness and metrics of one target; thread-safe."""

    def __init__(self, root: Path, name: str, seed: int) -> None:
        self.root, self.name, self.seed = root, name, seed
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._loaded = False
        self.release: InstalledRelease | None = None
        self.problem = "no release deployed"
        self._rng = random.Random(f"{seed}:{name}:none")
        self._codes: dict[int, int] = {}
        self._errors = 0
        self._bucket_counts = [0] * len(BUCKETS)
        self._sum = 0.0
        self._count = 0

    def refresh(self) -> None:
        stamp = pointer_stamp(self.root)
        with self._lock:
            if self._loaded and stamp == self._stamp:
                return
            self._stamp, self._loaded = stamp, True
            try:
                release = read_current(self.root)
            except DemoArtifactError as err:
                self.release, self.problem = None, err.message
                log(f"cannot serve the current release: {err.message}")
                return
            self.release = release
            self.problem = "" if release else "no release deployed"
            digest = release.digest if release else "none"
            self._rng = random.Random(f"{self.seed}:{self.name}:{digest}")
            if release:
                log(f"serving {release.name} {release.version} ({release.digest[:19]}...)")

    def ready(self) -> tuple[bool, str]:
        with self._lock:
            if self.release is None:
                return False, self.problem
            if not self.release.behaviour.ready:
                return False, f"release {self.release.version} reports not ready"
            return True, "ok"

    def plan_work(self) -> tuple[int, float]:
        """(status code, seconds to take) for one ``/work`` request."""
        with self._lock:
            release = self.release
            if release is None or not release.behaviour.ready:
                return 503, 0.0
            behaviour = release.behaviour
            failed = self._rng.random() < behaviour.error_rate
            jitter = self._rng.uniform(-behaviour.latency_jitter_ms, behaviour.latency_jitter_ms)
        return (500 if failed else 200), max(0.0, behaviour.latency_ms + jitter) / 1000.0

    def observe(self, code: int, seconds: float) -> None:
        with self._lock:
            self._codes[code] = self._codes.get(code, 0) + 1
            if code >= 500:
                self._errors += 1
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self._bucket_counts[i] += 1
            self._sum += seconds
            self._count += 1

    def version_document(self) -> dict[str, object]:
        with self._lock:
            release = self.release
            return {
                "target": self.name,
                "pid": os.getpid(),
                "release": release.name if release else None,
                "version": release.version if release else None,
                "digest": release.digest if release else None,
                "components": list(release.components) if release else [],
                "problem": self.problem,
            }

    def metrics_text(self) -> str:
        with self._lock:
            lines = [
                "# HELP http_requests_total Requests to /work, by status code.",
                "# TYPE http_requests_total counter",
            ]
            lines += [f'http_requests_total{{code="{code}"}} {n}' for code, n in sorted(self._codes.items())]
            lines += [
                "# HELP http_request_errors_total Requests to /work answered with a 5xx status.",
                "# TYPE http_request_errors_total counter",
                f"http_request_errors_total {self._errors}",
                "# HELP http_request_duration_seconds Time to answer /work.",
                "# TYPE http_request_duration_seconds histogram",
            ]
            lines += [
                f'http_request_duration_seconds_bucket{{le="{bound}"}} {n}'
                for bound, n in zip(BUCKETS, self._bucket_counts, strict=True)
            ]
            lines += [
                f'http_request_duration_seconds_bucket{{le="+Inf"}} {self._count}',
                f"http_request_duration_seconds_sum {self._sum!r}",
                f"http_request_duration_seconds_count {self._count}",
            ]
            if self.release is not None:
                version = _label(self.release.version)
                lines += [
                    "# HELP demo_release_info The release this demo target serves.",
                    "# TYPE demo_release_info gauge",
                    f'demo_release_info{{digest="{self.release.digest}",version="{version}"}} 1',
                ]
        return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stella-demo-target"
    timeout = 30
    # Headers and body go out in two writes; without TCP_NODELAY a kept-alive client
    # waits for its delayed ACK (~40 ms) on every request.
    disable_nagle_algorithm = True
    state: TargetState  # set on the subclass made in serve()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.state.refresh()
        if path == "/work":
            started = time.perf_counter()
            code, seconds = self.state.plan_work()
            if seconds:
                time.sleep(seconds)
            body = {"ok": code == 200} if code != 503 else {"ok": False, "error": "not ready"}
            self._send(code, json.dumps(body).encode(), "application/json")
            self.state.observe(code, time.perf_counter() - started)
        elif path == "/healthz":
            ok, why = self.state.ready()
            self._send(200 if ok else 503, (why + "\n").encode(), "text/plain; charset=utf-8")
        elif path == "/version":
            document = self.state.version_document()
            self._send(200, json.dumps(document).encode(), "application/json")
        elif path == "/metrics":
            text = self.state.metrics_text()
            self._send(200, text.encode(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def _send(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the load generator would fill the log with access lines."""


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} demo-target[{os.getpid()}] {message}", file=sys.stderr, flush=True)


def serve(root: Path, name: str, port: int, seed: int, watch_pid: int | None) -> int:
    root.mkdir(parents=True, exist_ok=True)
    state = TargetState(root, name, seed)
    state.refresh()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    chosen = server.server_address[1]

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if watch_pid is not None and os.name == "posix":
        threading.Thread(target=_watch, args=(watch_pid, stop), daemon=True).start()
    atomic_write_json(root / PORT_FILE, {"name": name, "pid": os.getpid(), "port": chosen})
    log(f"{name} listening on 127.0.0.1:{chosen}")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        _remove_port_file(root / PORT_FILE)
        log(f"{name} stopped")
    return 0


def _watch(pid: int, stop: Callable[[], None]) -> None:
    while True:
        time.sleep(0.5)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log(f"watched process {pid} is gone; stopping")
            stop()
            return
        except PermissionError:
            continue


def _remove_port_file(path: Path) -> None:
    try:
        if json.loads(path.read_bytes()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Stella demo deploy target (DEMO ONLY, 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    parser.add_argument("--root", type=Path, required=True, help="the target's folder")
    parser.add_argument("--name", required=True, help="the target's name")
    parser.add_argument("--seed", type=int, default=0, help="seed for injected errors and jitter")
    parser.add_argument("--watch-pid", type=int, default=None, help="exit when this process is gone")
    args = parser.parse_args(argv)
    return serve(args.root.resolve(), args.name, args.port, args.seed, args.watch_pid)


if __name__ == "__main__":
    sys.exit(main())
