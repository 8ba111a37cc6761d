"""Measure canary analysis and the demo fleet: parse speed, analysis cost, fleet timings.

    .venv/bin/python bench/canary_fleet.py [--targets 10]

Medians of a few repetitions; the machine is shared, so compare ratios.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from app.drivers import ReleaseRef, health_of_all
from app.drivers.demo_fleet import (
    DemoBehaviour,
    DemoFleet,
    DemoFleetDriver,
    DemoLoadGenerator,
    write_demo_artifact,
)
from engine.canary import CanaryAnalysis, Exposition, HealthGate, HealthSample, Histogram
from engine.clock import FixedClock


def timed(fn, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def big_scrape(series: int) -> str:
    lines = ["# TYPE http_requests_total counter"]
    lines += [f'http_requests_total{{code="200",path="/p{i}"}} {i}' for i in range(series)]
    lines += ["# TYPE lat_seconds histogram"]
    for i in range(series // 12):
        for j, le in enumerate(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"]):
            lines.append(f'lat_seconds_bucket{{path="/p{i}",le="{le}"}} {j}')
        lines.append(f'lat_seconds_bucket{{path="/p{i}",le="+Inf"}} 11')
    return "\n".join(lines) + "\n"


def bench_engine() -> None:
    text = big_scrape(10_000)
    lines = text.count("\n")
    seconds = timed(lambda: Exposition.parse(text), repeat=3)
    print(f"parse: {lines} lines in {seconds * 1000:.0f} ms ({lines / seconds:,.0f} lines/s)")

    bounds = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, float("inf"))

    def analysis_run(targets: int, observations: int) -> None:
        clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        analysis = CanaryAnalysis(HealthGate(window_seconds=10_000, interval_seconds=10, max_p95_ms=300), clock)
        for k in range(observations):
            samples = [
                HealthSample(target=f"t{i}", scraped_at=clock.now(), healthy=True, requests_total=100.0 * k,
                             errors_total=0.0,
                             latency=Histogram(tuple((b, 100.0 * k) for b in bounds), sum=1.0 * k, count=100.0 * k))
                for i in range(targets)
            ]
            analysis.observe(samples)
            clock.advance(10)

    seconds = timed(lambda: analysis_run(100, 30), repeat=3)
    print(f"analysis: 100 targets x 30 observations in {seconds * 1000:.0f} ms "
          f"({seconds / 30 * 1000:.2f} ms per observation)")


def bench_fleet(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        releases = []
        for version, rate in (("1.2.0", 0.0), ("1.3.0-rc1", 0.0)):
            artifacts = home / version / "artifacts"
            write_demo_artifact(artifacts, "api", DemoBehaviour(version=version, error_rate=rate, latency_ms=5))
            releases.append(ReleaseRef.from_release_json(
                {"name": "platform", "version": version,
                 "components": [{"name": "api", "image": "r/api", "digest": "sha256:" + "0" * 64}]},
                artifacts_dir=artifacts))
        fleet = DemoFleet(home, "bench", watch_parent=True)
        names = [f"bench-{i:02d}" for i in range(count)]
        started = time.perf_counter()
        fleet.start(names, release=releases[0])
        print(f"fleet: {count} targets started in {(time.perf_counter() - started) * 1000:.0f} ms")
        try:
            driver = DemoFleetDriver(fleet)
            targets = fleet.targets()
            started = time.perf_counter()
            for target in targets:
                assert driver.deploy(target, releases[1], log=lambda _: None).ok
            per = (time.perf_counter() - started) / count
            print(f"deploy (install + switch + /version confirms): {per * 1000:.1f} ms per target")
            with DemoLoadGenerator(fleet, rate_per_target=50) as load:
                seconds = timed(lambda: health_of_all(driver, targets), repeat=5)
                print(f"health scrape (/healthz + /version + /metrics, under load): "
                      f"{seconds / count * 1000:.1f} ms per target")
                time.sleep(1.0)
            sent = sum(s.sent for s in load.stats().values())
            print(f"load generator: {sent} requests to {count} targets (asked 50/s each)")
            started = time.perf_counter()
        finally:
            fleet.stop()
        print(f"fleet stop: {(time.perf_counter() - started) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=10)
    args = parser.parse_args()
    bench_engine()
    bench_fleet(args.targets)


if __name__ == "__main__":
    main()
