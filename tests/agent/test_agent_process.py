"""A real ``stella agent`` process on a temporary site: operators' actions, made while
the agent runs and no other executor does, take effect by themselves."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.agent import lock as agent_lock
from app.cli.main import main
from app.services import actions, promotions
from app.site import SiteConfig
from devkit.doubles import doubles_registry
from tests.support.agent_process import ROOT, as_user, start_agent, stop_agent
from tests.support.factories import add_release, make_site

EFFECT_TIMEOUT = 10.0  # the target is 2 s; a shared CI machine gets some slack


def stella(home: Path, *argv: str) -> int:
    return main([*argv, "--home", str(home)], registry=doubles_registry())


def status_of(site, pid: str) -> str:
    return promotions.load_run(site, pid)[1].status


def wait_for(predicate, timeout: float) -> float:
    """Seconds until ``predicate()`` held; fails the test after ``timeout``."""
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > timeout:
            pytest.fail(f"no effect within {timeout:g} s")
        time.sleep(0.02)
    return time.monotonic() - began


@pytest.fixture
def agent_site(tmp_path):
    site = make_site(tmp_path / "home")
    add_release(site)
    yield site
    site.close()


def test_actions_take_effect_under_the_agent_alone(agent_site, tmp_path):
    home = agent_site.paths.home
    first = promotions.create_promotion(agent_site, "platform@1.3.0-rc1", "eu-stage",
                                        as_user(agent_site, "alice"))
    second = promotions.create_promotion(agent_site, "platform@1.3.0-rc1", "eu-stage",
                                        as_user(agent_site, "alice"))
    fresh = promotions.create_promotion(agent_site, "platform@1.3.0-rc1", "eu-stage",
                                        as_user(agent_site, "alice"))
    # started (the second one up to its first canary stage), then paused by an operator
    for pid, until in ((first, "gate-eval"), (second, "deploy-10")):
        assert stella(home, "run", pid, "--until", until) == 0
        actions.act(agent_site, pid, "pause", as_user(agent_site, "olga"),
                    "hold for the window")

    proc = start_agent(home, tmp_path / "agent.log")
    try:
        status = agent_lock.status(SiteConfig.resolve(home=home))
        assert status.running and status.pid == proc.pid and status.since
        time.sleep(1.5)  # the agent has looked: nothing paused or never started moved
        assert status_of(agent_site, first) == "paused"
        assert status_of(agent_site, fresh) == "pending"

        actions.act(agent_site, first, "resume", as_user(agent_site, "olga"), "window open")
        resumed = wait_for(lambda: status_of(agent_site, first) == "completed", EFFECT_TIMEOUT)

        actions.act(agent_site, second, "rollback", as_user(agent_site, "olga"),
                    "not this week", scope="full", data={"ticket": "CHG-7"})
        rolled = wait_for(lambda: status_of(agent_site, second) == "rolled-back", EFFECT_TIMEOUT)
        print(f"resume took effect in {resumed:.2f} s, rollback in {rolled:.2f} s")
        assert status_of(agent_site, fresh) == "pending"
    finally:
        code = stop_agent(proc)
    assert code == 0, (tmp_path / "agent.log").read_text()
    assert not agent_lock.status(SiteConfig.resolve(home=home)).running


def test_one_agent_per_site_and_database(agent_site, tmp_path):
    home = agent_site.paths.home
    proc = start_agent(home, tmp_path / "agent.log")
    try:
        second = subprocess.run([sys.executable, "-m", "devkit.run_with_doubles",
                                 "--home", str(home), "agent"], cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 4
        assert "an agent already runs for this site and database: running since" in second.stderr
        assert f"(pid {proc.pid})" in second.stderr
    finally:
        stop_agent(proc)
