#!/usr/bin/env python3
"""What a scheduler tick costs when nothing runs, by how many jobs it looks at.

A tick reads every active job; a due one also gathers its precondition facts and
records (or folds) a waiting attempt in one write transaction. This measures, on a
site with N promotions each scheduled: a tick with every job before its window
(the common case for a timer every minute), a tick with every job due but waiting
on stale feeds (facts gathered, one write per job), and the Scheduler Runs screen's
load. Medians of several runs; the machine is shared, so compare ratios.

    .venv/bin/python bench/bench_scheduler_tick.py [--jobs 100] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.screens import scheduler_screens  # noqa: E402
from app.services import promotions, scheduler, scheduler_tick  # noqa: E402
from devkit.doubles import doubles_registry  # noqa: E402
from devkit.factories import START, add_release, make_site, who  # noqa: E402
from engine.clock import FixedClock  # noqa: E402


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    clock = FixedClock(START)
    with tempfile.TemporaryDirectory() as tmp:
        site = make_site(Path(tmp) / "home", clock=clock)
        add_release(site)
        for _ in range(args.jobs):
            pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
            scheduler.create_schedule(site, pid, at=START + timedelta(hours=1), window="2h",
                                      actor="olga", requires=["feeds-fresh<1h"])
        runner = scheduler_tick.executor_runner(doubles_registry())
        before = median_ms(lambda: scheduler_tick.tick(site, runner), args.runs)
        clock.advance(3600 + 60)
        first = median_ms(lambda: scheduler_tick.tick(site, runner), 1)  # inserts the waits
        folded = median_ms(lambda: scheduler_tick.tick(site, runner), args.runs)
        screen = median_ms(lambda: scheduler_screens.runs_screen(site), args.runs)
        site.close()
    print(f"{args.jobs} jobs: tick before the windows {before:.0f} ms "
          f"({before / args.jobs:.2f} ms/job); due and waiting: first tick {first:.0f} ms, "
          f"later ticks (waits folded) {folded:.0f} ms ({folded / args.jobs:.2f} ms/job); "
          f"Scheduler Runs screen load {screen:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
