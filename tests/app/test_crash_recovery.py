"""SIGKILL the real executor at random moments: nothing committed is lost or doubled,
and the step that was running waits for an operator as ``interrupted``."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.services import actions, promotions
from tests.support.factories import add_release, who

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20


def _start(home: str, pid: str) -> subprocess.Popen:
    env = {**os.environ, "STELLA_TEST_STEP_DELAY": "0.25", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.support.run_with_doubles", "--home", home,
                             "run", pid], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_at_random_moments(site):
    add_release(site)
    home = str(site.paths.home)
    rng = random.Random(20260218)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    kills = interrupted_seen = 0
    while kills < KILLS:
        before, _ = promotions.load_run(site, pid)
        proc = _start(home, pid)
        time.sleep(rng.uniform(0.3, 1.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)

        # Restart: a new executor recovers and stops for the operator (or finishes).
        restart = _start(home, pid)
        _, err = restart.communicate(timeout=120)
        assert restart.returncode == 0, err
        events, state = promotions.load_run(site, pid)  # the chain verifies
        assert [e.hash for e in events[:len(before)]] == [e.hash for e in before]  # nothing lost
        starts = [(e.step, e.data.get("attempt")) for e in events if e.type == "step.started"]
        assert len(starts) == len(set(starts))  # nothing doubled
        assert not any(s.status == "running" for s in state.steps)
        if state.status == "interrupted":
            interrupted_seen += 1
            assert state.current.error.startswith("the process running this step stopped")
            actions.act(site, pid, "retry", who(site, "olga"), "executor was killed; retrying")
        elif state.status == "completed":
            pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
        else:
            pytest.fail(f"unexpected status after restart: {state.status}")
    assert interrupted_seen >= KILLS // 2
