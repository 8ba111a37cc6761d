"""Schedules are law under the agent: a scheduled promotion starts at its slot and
inside its window, never before; running it sooner is an explicit, reasoned action
that cancels the slot (clock injected; the agent's threads run step doubles)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.agent.service import Agent
from app.cli.main import main
from app.errors import NotNow, UsageError
from app.executor import Executor
from app.services import promotions, scheduler
from engine.clock import rfc3339
from engine.run import events as ev
from tests.scheduler.conftest import OPENS, new_promotion
from tests.support.doubles import doubles_registry
from tests.support.factories import who


def run_events(site, pid):
    """(events, state) of a run."""
    return promotions.load_run(site, pid)


def look(agent: Agent):
    report = agent.look()
    assert agent.wait_idle(20), "the agent's runs did not end"
    return report


def test_a_scheduled_promotion_starts_at_its_slot_not_before(site, clock):
    pid = new_promotion(site)
    info = scheduler.create_schedule(site, pid, at=OPENS, window=timedelta(hours=1),
                                     actor="olga")
    summary = next(s for s in promotions.list_promotions(site) if s.id == pid)
    assert summary.shown_status == "scheduled" and summary.scheduled_at == rfc3339(OPENS)

    agent = Agent(site, doubles_registry)
    look(agent)
    events, state = run_events(site, pid)
    assert state.status == "pending" and not any(e.type == ev.STEP_STARTED for e in events)
    with pytest.raises(NotNow, match="scheduled for 2026-02-18 09:30 UTC.*run-now S-0001"):
        Executor(site, pid, doubles_registry()).run()  # a plain run is refused

    clock.advance((OPENS - clock.now()).total_seconds() - 1)  # one second before the slot
    look(agent)
    assert run_events(site, pid)[1].status == "pending"

    clock.advance(1)  # the slot opens
    report = look(agent)
    assert info.id in report.ticked
    events, state = run_events(site, pid)
    assert state.status == "completed"
    started = [e.at for e in events if e.type == ev.STEP_STARTED]
    assert started[0] == rfc3339(OPENS)  # inside its window, at its slot
    done = scheduler.get_schedule(site, info.id)
    assert done.status == "succeeded" and done.last_attempt.started_at == rfc3339(OPENS)


def test_a_plain_stella_run_of_a_scheduled_promotion_exits_4(site, capsys):
    pid = new_promotion(site)
    scheduler.create_schedule(site, pid, at=OPENS, window=timedelta(hours=2), actor="olga")
    code = main(["run", pid, "--home", str(site.paths.home)], registry=doubles_registry())
    err = capsys.readouterr().err
    assert code == 4 and "the site agent starts it then" in err and "run-now" in err
    assert run_events(site, pid)[1].status == "pending"


def test_run_now_needs_a_reason_records_it_and_cancels_the_slot(site, clock):
    pid = new_promotion(site)
    info = scheduler.create_schedule(site, pid, at=OPENS, window=timedelta(hours=1),
                                     actor="olga")
    for reason in ("", "   "):
        with pytest.raises(UsageError, match="a reason is required"):
            scheduler.run_now(site, info.id, who(site, "olga"), reason)
    assert scheduler.get_schedule(site, info.id).status == "scheduled"

    done = scheduler.run_now(site, info.id, who(site, "olga"), "hotfix for INC-42 cannot wait")
    assert done.status == "cancelled"
    assert done.cancel_reason == ("run now instead of at 2026-02-18 09:30 UTC: "
                                  "hotfix for INC-42 cannot wait")
    events, state = run_events(site, pid)
    asked = events[-1]
    assert asked.type == ev.RUN_REQUESTED and asked.actor == "olga"
    assert asked.reason == "hotfix for INC-42 cannot wait"
    assert asked.data["schedule"] == info.id and asked.data["instead_of"] == rfc3339(OPENS)
    with pytest.raises(NotNow, match="no slot to run now instead"):
        scheduler.run_now(site, info.id, who(site, "olga"), "again")

    look(Agent(site, doubles_registry))  # still an hour before the slot
    assert run_events(site, pid)[1].status == "completed"


def test_run_now_on_the_command_line_requires_a_reason(site, capsys):
    pid = new_promotion(site)
    info = scheduler.create_schedule(site, pid, at=OPENS, window=timedelta(hours=1),
                                     actor="olga")
    code = main(["schedule", "run-now", info.id, "--as", "olga", "--home",
                 str(site.paths.home)], registry=doubles_registry())
    assert code == 2 and "--reason" in capsys.readouterr().err
    assert scheduler.get_schedule(site, info.id).status == "scheduled"


def test_stella_promotions_shows_scheduled_with_its_slot(site, capsys):
    pid = new_promotion(site)
    scheduler.create_schedule(site, pid, at=OPENS, window=timedelta(hours=2), actor="olga")
    assert main(["promotions", "--home", str(site.paths.home)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(pid))
    assert "SCHEDULED" in line and f"slot {rfc3339(OPENS)}" in line and "PENDING" not in line
