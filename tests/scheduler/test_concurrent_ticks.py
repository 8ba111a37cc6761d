"""Three ``stella scheduler tick`` processes released at the same instant against the same
site database: the due job runs exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.services import promotions, scheduler
from tests.scheduler.conftest import new_promotion

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 3  # three workstations (or agents) ticking at once


def test_concurrent_ticks_run_a_due_job_exactly_once(site, tmp_path):
    pid = new_promotion(site)
    real_now = datetime.now(UTC)  # the tick processes read the system clock
    scheduler.create_schedule(site, pid, at=real_now - timedelta(minutes=1), window="2h",
                              actor="olga", until="deploy-start")
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = {**os.environ, "STELLA_TEST_STEP_DELAY": "0.2", "STELLA_TEST_BARRIER": str(barrier)}
    command = [sys.executable, "-m", "tests.support.tick_with_doubles", "scheduler", "tick",
               "--json", "--home", str(site.paths.home)]
    started = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(PROCESSES)]
    deadline = time.monotonic() + 30
    while len(list(barrier.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    (barrier / "go").touch()  # both are past their imports: let them tick together
    outputs = [p.communicate(timeout=60) for p in started]
    assert [p.returncode for p in started] == [0] * PROCESSES, [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]

    actions = sorted(r["action"] for report in reports for r in report["results"])
    assert actions.count("run") == 1, reports
    assert set(actions) <= {"run", "skip"}  # the others found it claimed (or already done)
    assert "skip" in actions, "the ticks did not overlap; the test proved nothing"

    (attempt,) = scheduler.attempts(site)
    assert (attempt.status, attempt.number) == ("succeeded", 1)
    events, state = promotions.load_run(site, pid)
    started_steps = [e.step for e in events if e.type == "step.started"]
    assert started_steps == ["inputs-materialized", "gate-eval", "approval", "deploy-start"]
    assert state.step("deploy-start").status == "succeeded"
    assert state.step("deploy-10").status == "pending"
    assert scheduler.get_schedule(site, "S-0001").status == "succeeded"
