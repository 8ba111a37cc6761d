"""SIGKILL the real executor at moments chosen from the database, not from a stopwatch:
after the n-th ``step.started``, after the n-th deployment intent (its command about to
run or running), mid-measurement. Whatever the moment, nothing committed is lost or
doubled, a step that was running waits for an operator as ``interrupted``, no target
moved without an intent on record, recovery records what the crashed stage's targets
really run, and a rollback returns every target — including one whose command finished
after its executor died."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time

import pytest

from app.context import Site
from app.executor import Executor
from app.services import actions, promotions
from app.site import SiteConfig
from engine.run import events as ev
from tests.support.command_fleet import OLD_DIGEST, CommandFleet
from tests.support.deploy import add_demo_release, product_registry
from tests.support.factories import who
from tests.support.fork_runner import ForkRunner

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL, fork and POSIX shell commands")

KILLS = 30
TARGETS = ("c1", "c2", "c3")
TRIGGERS = (ev.STEP_STARTED, ev.TARGET_DEPLOY_STARTED, ev.STEP_CRITERIA)


class Events:
    """The run's event types as committed, read straight from the database file."""

    def __init__(self, site) -> None:
        self.path = site.paths.db_file

    def types(self, pid: str) -> list[str]:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5) as db:
            return [t for (t,) in db.execute(
                "SELECT type FROM run_events WHERE promotion_id = ? ORDER BY seq", (pid,))]


def kill_when(runner: ForkRunner, child: int, seen: Events, pid: str, kind: str, nth: int,
              fleet: CommandFleet, in_driver: bool) -> bool:
    """SIGKILL ``child`` once the run has ``nth`` more events of ``kind`` (and, with
    ``in_driver``, once that deployment's command is running); False if it ended first."""
    base = seen.types(pid).count(kind)
    while True:
        if seen.types(pid).count(kind) >= base + nth and (not in_driver or fleet.busy()):
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:  # it ended just now
                pass
            return runner.wait(child) == -signal.SIGKILL
        if runner.ended(child, 0.003) is not None:  # it ended first: the run finished or waits
            return False


def check_after_recovery(site, fleet: CommandFleet, pid: str, before) -> None:
    events, state = promotions.load_run(site, pid)  # the chain verifies
    assert [e.hash for e in events[:len(before)]] == [e.hash for e in before]  # nothing lost
    starts = [(e.step, e.data.get("attempt")) for e in events if e.type == ev.STEP_STARTED]
    assert len(starts) == len(set(starts))  # nothing doubled
    assert not any(s.status == "running" for s in state.steps)
    release = state.release["digest"]
    intended = {e.data["target"] for e in events if e.type == ev.TARGET_DEPLOY_STARTED}
    for name, digest in fleet.digests().items():  # no target moved without an intent on record
        assert digest == OLD_DIGEST or name in intended, (name, digest)
    if state.status == "interrupted":
        assert state.current.error.startswith("the process running this step stopped")
        crashed = [e for e in events if e.type == ev.STEP_INTERRUPTED][-1]
        seen = {e.data["target"]: e.data for e in events[:crashed.seq]
                if e.type == ev.TARGET_OBSERVED and e.step == crashed.step}
        for name, data in seen.items():  # recovery recorded what the targets really ran
            assert data["observed"] and data["digest"] == fleet.digests()[name], (name, data)
        assert release  # (nothing else to compare)


@pytest.mark.slow
def test_sigkill_at_moments_chosen_from_the_database(site, tmp_path, monkeypatch):
    site = Site.open(SiteConfig.resolve(home=site.paths.home))  # real time: canary windows pass
    fleet = CommandFleet(site, "crash-prod", TARGETS, tmp_path / "fleet", monkeypatch, deploy_seconds=0.05)
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    home = str(site.paths.home)
    rng = random.Random(20260218)
    seen = Events(site)
    registry = product_registry()
    runner = ForkRunner()
    started = time.monotonic()
    kills = interrupted = rolled_back = completed = 0
    in_driver_kills = 0
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "crash-prod", who(site, "alice"))
    try:
        while kills < KILLS:
            before, _ = promotions.load_run(site, pid)
            kind = rng.choice(TRIGGERS)
            in_driver = kind == ev.TARGET_DEPLOY_STARTED and rng.random() < 0.5
            nth = rng.randint(1, 2 if kind != ev.STEP_STARTED else 4)
            child = runner.start("--home", home, "run", pid)
            if kill_when(runner, child, seen, pid, kind, nth, fleet, in_driver):
                kills += 1
                in_driver_kills += in_driver
            fleet.wait_idle()  # an orphaned deploy command finishes (and switches its target)

            Executor(site, pid, registry).run()  # a new executor recovers (or carries on)
            check_after_recovery(site, fleet, pid, before)
            _, state = promotions.load_run(site, pid)
            if state.status == "interrupted":
                interrupted += 1
                if rng.random() < 0.3:
                    actions.act(site, pid, "rollback", who(site, "olga"), "executor killed", scope="full")
                    Executor(site, pid, registry).run()
                    _, state = promotions.load_run(site, pid)
                    assert state.status == "rolled-back", [(s.name, s.status, s.error) for s in state.steps]
                    assert set(fleet.digests().values()) == {OLD_DIGEST}  # every target back
                    assert state.step("seal-evidence").status == "succeeded"
                    rolled_back += 1
                else:
                    actions.act(site, pid, "retry", who(site, "olga"), "executor was killed; retrying")
                    continue
            elif state.status == "completed":
                assert set(fleet.digests().values()) == {state.release["digest"]}
                completed += 1
            elif state.status != "rolled-back":
                pytest.fail(f"unexpected status after restart: {state.status}")
            fleet.reset()
            pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "crash-prod", who(site, "alice"))
    finally:
        runner.close()
        site.close()
    assert interrupted >= KILLS // 2 and rolled_back >= 1 and in_driver_kills >= 1
    print(f"{kills} kills ({in_driver_kills} mid-command), {interrupted} interrupted, "
          f"{rolled_back} rolled back, {completed} completed in {time.monotonic() - started:.1f}s")
