"""Stopping the agent: SIGTERM lets the running step finish and starts no other; a
SIGKILL loses nothing — the next agent records the step interrupted, and a retry
takes the run on from there."""

from __future__ import annotations

import os
import signal
import time

import pytest

from app.agent import lock as agent_lock
from app.services import actions, promotions
from app.services.run_requests import request_run
from app.site import SiteConfig
from engine.run import events as ev
from tests.support.agent_process import as_user, start_agent, stop_agent
from tests.support.factories import add_release, make_site, who


@pytest.fixture
def agent_site(tmp_path):
    site = make_site(tmp_path / "home")
    add_release(site)
    yield site
    site.close()


def state_of(site, pid):
    return promotions.load_run(site, pid)[1]


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


def running_step(site, pid):
    state = state_of(site, pid)
    current = state.current
    return current.name if current is not None and current.status == "running" else None


def test_sigterm_lets_the_running_step_finish_and_starts_no_other(agent_site, tmp_path):
    pid = promotions.create_promotion(agent_site, "platform@1.3.0-rc1", "eu-stage",
                                        as_user(agent_site, "alice"))
    request_run(agent_site, pid, who(agent_site, "olga"))
    proc = start_agent(agent_site.paths.home, tmp_path / "agent.log", step_delay=1.5, grace=10)
    wait_for(lambda: running_step(agent_site, pid) is not None)
    step = running_step(agent_site, pid)
    assert stop_agent(proc) == 0
    state = state_of(agent_site, pid)
    assert state.step(step).status == "succeeded"  # finished, not cut short
    assert state.current.status == "pending"  # and nothing else started
    assert not agent_lock.status(SiteConfig.resolve(home=agent_site.paths.home)).running


def test_sigkill_loses_nothing_and_the_next_agent_recovers(agent_site, tmp_path):
    pid = promotions.create_promotion(agent_site, "platform@1.3.0-rc1", "eu-stage",
                                        as_user(agent_site, "alice"))
    request_run(agent_site, pid, who(agent_site, "olga"))
    home = agent_site.paths.home
    proc = start_agent(home, tmp_path / "agent.log", step_delay=3.0)
    wait_for(lambda: running_step(agent_site, pid) is not None)
    step = running_step(agent_site, pid)
    before = len(promotions.load_run(agent_site, pid)[0])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert not agent_lock.status(SiteConfig.resolve(home=home)).running  # the lock went with it
    assert len(promotions.load_run(agent_site, pid)[0]) == before  # every committed event kept

    again = start_agent(home, tmp_path / "agent2.log")
    try:
        wait_for(lambda: state_of(agent_site, pid).step(step).status == "interrupted")
        events, _ = promotions.load_run(agent_site, pid)
        assert events[-1].type == ev.STEP_INTERRUPTED and events[-1].step == step
        actions.act(agent_site, pid, "retry", as_user(agent_site, "olga"), "the agent was killed; go on")
        wait_for(lambda: state_of(agent_site, pid).status == "completed", 30.0)
    finally:
        assert stop_agent(again) == 0
