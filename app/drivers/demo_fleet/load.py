"""DEMO ONLY: synthetic traffic so that demo targets' metrics move.

One thread per target calls ``GET /work`` at a steady rate over a kept-alive
connection, following the target to its new port after a restart and simply
counting failures while it is down. It never catches up in bursts: a late
request moves the schedule instead, so a slow release cannot be flooded.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass

from app.drivers.demo_fleet.fleet import DemoFleet


@dataclass
class LoadStats:
    sent: int = 0
    ok: int = 0
    errors: int = 0
    failures: int = 0


class DemoLoadGenerator:
    """Steady ``/work`` traffic to every member of ``fleet`` (names taken at start)."""

    def __init__(self, fleet: DemoFleet, *, rate_per_target: float = 20.0, timeout: float = 2.0) -> None:
        if rate_per_target <= 0:
            raise ValueError("rate_per_target must be positive")
        self._fleet = fleet
        self._interval = 1.0 / rate_per_target
        self._timeout = timeout
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stats: dict[str, LoadStats] = {}
        self._lock = threading.Lock()

    def start(self) -> DemoLoadGenerator:
        if self._threads:
            raise RuntimeError("the load generator is already running")
        self._stop.clear()
        for member in self._fleet.members():
            self._stats[member.name] = LoadStats()
            thread = threading.Thread(
                target=self._drive, args=(member.name,), name=f"demo-load-{member.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self._timeout + 1)
        self._threads.clear()

    def stats(self) -> dict[str, LoadStats]:
        with self._lock:
            return {name: LoadStats(**vars(s)) for name, s in self._stats.items()}

    def __enter__(self) -> DemoLoadGenerator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _drive(self, name: str) -> None:
        connection: http.client.HTTPConnection | None = None
        connected_port: int | None = None
        next_at = time.monotonic()
        while not self._stop.is_set():
            port = self._fleet.ports().get(name)
            if port is not None and port != connected_port:
                if connection is not None:
                    connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=self._timeout)
                connected_port = port
            outcome = "failures"
            if connection is not None:
                try:
                    connection.request("GET", "/work")
                    response = connection.getresponse()
                    response.read()
                    outcome = "ok" if response.status < 500 else "errors"
                except (OSError, http.client.HTTPException):
                    connection.close()  # reconnects on the next request
            with self._lock:
                stats = self._stats[name]
                stats.sent += 1
                setattr(stats, outcome, getattr(stats, outcome) + 1)
            next_at += self._interval
            now = time.monotonic()
            if next_at < now:
                next_at = now
            self._stop.wait(next_at - now)
        if connection is not None:
            connection.close()
