"""Measure what a canary stage costs the run: the size of its step.criteria events and
the time to record one measurement and to reload the run as the event count grows.

    .venv/bin/python bench/deploy_stage.py [--targets 10] [--measurements 90]

Runs the product's deploy step on in-memory targets with a fixed clock (no sleeping),
so the time is all bookkeeping: analysis, event append (which re-verifies the chain),
the stop checks between measurements.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.deploy.settings import set_deploy_config
from app.executor import Executor
from app.services import promotions
from devkit.deploy import FakeEnv, add_demo_release
from devkit.factories import make_site, who
from engine.run import events as ev


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measurements", type=int, default=90)
    args = parser.parse_args()
    site = make_site(Path(tempfile.mkdtemp()) / "home")
    env = FakeEnv(site)  # ten targets
    window = args.measurements * 10
    set_deploy_config(site, "fake-prod", {"gates": {"default": {
        "window_seconds": window, "interval_seconds": 10}}, "auto_continue": True}, "olga")
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "fake-prod", who(site, "alice"))
    Executor(site, pid, env.registry()).run(until="deploy-start")
    for step in ("deploy-10", "deploy-50", "deploy-100"):
        started = time.perf_counter()
        Executor(site, pid, env.registry()).run(until=step)
        seconds = time.perf_counter() - started
        events, _ = promotions.load_run(site, pid)
        criteria = [e for e in events if e.type == ev.STEP_CRITERIA and e.step == step]
        sizes = [len(e.raw) for e in criteria]
        loads = []
        for _ in range(5):
            t = time.perf_counter()
            promotions.load_run(site, pid)
            loads.append(time.perf_counter() - t)
        print(f"{step}: {len(criteria)} measurements in {seconds:.2f}s "
              f"({seconds / len(criteria) * 1000:.0f} ms each), criteria event median "
              f"{statistics.median(sizes)} bytes; run now {len(events)} events / "
              f"{sum(len(e.raw) for e in events) // 1024} KiB, reload+verify+fold "
              f"{statistics.median(loads) * 1000:.0f} ms")
    site.close()


if __name__ == "__main__":
    main()
