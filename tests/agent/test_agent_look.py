"""One look of the agent, in process (step doubles): which runs it moves, and how a
big site's first look is spread over several so a change is never behind it."""

from __future__ import annotations

import pytest

from app.agent import service
from app.agent.service import Agent
from app.services import actions, promotions
from app.services.run_requests import request_run
from tests.support.agent_process import as_user
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, make_site, who


@pytest.fixture
def agent_site(tmp_path):
    site = make_site(tmp_path / "home")
    add_release(site)
    yield site
    site.close()


def create(site) -> str:
    return promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage",
                                       as_user(site, "alice"))


def status_of(site, pid: str) -> str:
    return promotions.load_run(site, pid)[1].status


def look(agent: Agent) -> list[str]:
    started = agent.look().started
    assert agent.wait_idle(20)
    return started


def test_it_moves_started_runs_only(agent_site):
    fresh, asked, paused = create(agent_site), create(agent_site), create(agent_site)
    request_run(agent_site, asked, who(agent_site, "olga"), "go")
    request_run(agent_site, paused, who(agent_site, "olga"), "go")
    actions.act(agent_site, paused, "pause", as_user(agent_site, "olga"), "not yet")
    agent = Agent(agent_site, doubles_registry)
    assert look(agent) == [asked]
    assert status_of(agent_site, asked) == "completed"
    assert status_of(agent_site, fresh) == "pending" and status_of(agent_site, paused) == "paused"
    assert look(agent) == []  # nothing changed: nothing folded again
    actions.act(agent_site, paused, "resume", as_user(agent_site, "olga"), "now")
    assert look(agent) == [paused]
    assert status_of(agent_site, paused) == "completed"


def test_a_big_first_look_is_spread_over_several(agent_site, monkeypatch):
    monkeypatch.setattr(service, "FOLDS_PER_LOOK", 2)
    pids = [create(agent_site) for _ in range(5)]
    for pid in pids:
        request_run(agent_site, pid, who(agent_site, "olga"), "go")
    agent = Agent(agent_site, doubles_registry)
    first = look(agent)
    assert first == sorted(pids, reverse=True)[:2]  # the newest first, two per look
    started = list(first)
    for _ in range(5):
        started += look(agent)
    assert sorted(started) == sorted(pids)
    assert {status_of(agent_site, pid) for pid in pids} == {"completed"}
