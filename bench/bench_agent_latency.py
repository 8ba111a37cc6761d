#!/usr/bin/env python3
"""How fast the site agent acts: action-to-effect latency, and schedule start lateness.

A real ``stella agent`` process (step doubles, so a step is bookkeeping only) serves a
temporary site. Action to effect: a paused run is resumed (``actions.act``, as the CLI
and the GUI do) and the clock stops when the agent's executor has recorded the next
``step.started``. Schedule lateness: promotions scheduled a few seconds ahead, and how
long after its slot opened each one's first step started (the event's own time, from
the agent's clock). Targets: both ≤ 2 s (issue 11). The machine is shared: the
numbers move with its load.

    .venv/bin/python bench/bench_agent_latency.py [--actions 20] [--schedules 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.executor import Executor  # noqa: E402
from app.services import actions, promotions, scheduler  # noqa: E402
from devkit.agent_process import start_agent, stop_agent  # noqa: E402
from devkit.doubles import doubles_registry  # noqa: E402
from devkit.factories import add_release, make_site, who  # noqa: E402
from engine.clock import SystemClock, parse_rfc3339  # noqa: E402
from engine.run import events as ev  # noqa: E402

TIMEOUT = 30.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def started_steps(site, pid: str) -> list[ev.Event]:
    events, _ = promotions.load_run(site, pid)
    return [e for e in events if e.type == ev.STEP_STARTED]


def new_run(site) -> str:
    return promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))


def action_latencies(site, paused: list[str]) -> list[float]:
    """Seconds from a resume being committed to the agent starting the next step."""
    latencies = []
    for pid in paused:
        before = len(started_steps(site, pid))
        began = time.monotonic()
        actions.act(site, pid, "resume", who(site, "olga"), "bench: resume")
        while len(started_steps(site, pid)) == before:
            if time.monotonic() - began > TIMEOUT:
                raise SystemExit(f"{pid}: no effect within {TIMEOUT:g} s")
            time.sleep(0.005)
        latencies.append(time.monotonic() - began)
        time.sleep(0.2)  # one action at a time, as a person would
    return latencies


def schedule_lateness(site, count: int) -> list[float]:
    """Seconds between each slot opening and its run's first step starting."""
    first_slot = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    slots = {}
    for i in range(count):
        pid = new_run(site)
        slot = first_slot + timedelta(seconds=1.5 * i)
        scheduler.create_schedule(site, pid, at=slot, window=timedelta(minutes=10), actor="olga")
        slots[pid] = slot
    deadline = time.monotonic() + TIMEOUT + 1.5 * count
    lateness = {}
    while len(lateness) < count and time.monotonic() < deadline:
        for pid, slot in slots.items():
            if pid not in lateness and (steps := started_steps(site, pid)):
                lateness[pid] = (parse_rfc3339(steps[0].at) - slot).total_seconds()
        time.sleep(0.05)
    if len(lateness) < count:
        raise SystemExit(f"only {len(lateness)} of {count} scheduled runs started")
    return list(lateness.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=20)
    parser.add_argument("--schedules", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        site = make_site(folder / "home", clock=SystemClock())
        add_release(site)
        paused = []
        for _ in range(args.actions):  # started, stopped after a step, paused by an operator
            pid = new_run(site)
            Executor(site, pid, doubles_registry()).run(until="inputs-materialized")
            actions.act(site, pid, "pause", who(site, "olga"), "bench: hold")
            paused.append(pid)
        agent = start_agent(site.paths.home, folder / "agent.log", grace=2.0)
        try:
            time.sleep(1.0)  # its first look is done
            latencies = action_latencies(site, paused)
            lateness = schedule_lateness(site, args.schedules)
        finally:
            code = stop_agent(agent)
        site.close()
    print(f"action to effect ({len(latencies)} resumes): median {statistics.median(latencies):.3f} s, "
          f"p95 {p95(latencies):.3f} s, max {max(latencies):.3f} s  (target ≤ 2 s)")
    print(f"schedule start lateness ({len(lateness)} slots): median "
          f"{statistics.median(lateness):.3f} s, p95 {p95(lateness):.3f} s, "
          f"max {max(lateness):.3f} s  (target ≤ 2 s)")
    print(f"agent exit code after SIGTERM: {code}")
    return 0 if p95(latencies) <= 2.0 and p95(lateness) <= 2.0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
