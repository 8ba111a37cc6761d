"""Creating, listing and cancelling schedules: who may, what is refused and why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.errors import NotFound, NotNow, Rejected, UsageError
from app.services import actions, scheduler
from engine.schedule import Precondition
from tests.scheduler.conftest import OPENS, new_promotion, tick
from tests.support.factories import who


def create(site, pid, **changes):
    options = {"at": OPENS, "window": "2h", "actor": "olga", **changes}
    return scheduler.create_schedule(site, pid, **options)


def test_a_new_schedule_waits_for_its_window(site):
    pid = new_promotion(site)
    info = create(site, pid, requires=["feeds-fresh<1h", "sbom-rescans-complete"],
                  warns=["integrations-healthy"], until="gate-eval")
    assert info.id == "S-0001" and info.status == "scheduled"
    assert info.slot.key == "S-0001@2026-02-18T09:30:00Z"
    assert info.state_text == "waiting: opens at 2026-02-18 09:30 UTC (in 1h)"
    assert [p.spec for p in info.preconditions] == ["feeds-fresh<1h", "sbom-rescans-complete",
                                                    "integrations-healthy"]
    assert [p.blocking for p in info.preconditions] == [True, True, False]
    assert info.scope_text == "until gate-eval" and info.release == "platform 1.3.0-rc1"
    assert info.to_json()["window"] == {"opens_at": "2026-02-18T09:30:00Z",
                                        "closes_at": "2026-02-18T11:30:00Z", "length": "2h"}
    assert scheduler.list_schedules(site) == [info]


def test_times_and_windows_are_read_from_text(site):
    info = create(site, new_promotion(site), at="+45m", window="90m")
    assert info.window.start == "2026-02-18T09:15:00Z"
    assert info.window.length == timedelta(minutes=90)


@pytest.mark.parametrize("changes,error,match", [
    ({"at": "tomorrow"}, UsageError, "RFC 3339"),
    ({"window": "forever"}, UsageError, "window 'forever' is not a duration"),
    ({"at": "2026-02-18T05:00:00Z", "window": "1h"}, UsageError, "has already closed"),
    ({"requires": ["feeds-old"]}, UsageError, "precondition 'feeds-old'"),
    ({"requires": ["feeds-fresh<1h"], "warns": ["feeds-fresh<2h"]}, UsageError,
     "feeds-fresh given more than once"),
    ({"until": "deploy-75"}, UsageError, "no such stage"),
    ({"max_failures": 0}, UsageError, "1 to 20 times"),
    ({"actor": "audrey"}, Rejected, "may not schedule a promotion"),
    ({"actor": "nobody"}, NotFound, "no user named nobody"),
    ({"actor": ""}, Rejected, "say who you are"),
])
def test_bad_requests_are_refused_and_change_nothing(site, changes, error, match):
    pid = new_promotion(site)
    with pytest.raises(error, match=match):
        create(site, pid, **changes)
    assert scheduler.list_schedules(site) == []


def test_unknown_promotion(site):
    with pytest.raises(NotFound, match="no promotion P-0042"):
        create(site, "P-0042")


def test_one_active_schedule_per_promotion(site):
    pid = new_promotion(site)
    create(site, pid)
    with pytest.raises(NotNow, match=f"{pid} already has schedule S-0001; cancel it first"):
        create(site, pid, at=OPENS + timedelta(hours=3))
    scheduler.cancel_schedule(site, "S-0001", "olga", "moved to the weekend")
    assert create(site, pid, at=OPENS + timedelta(hours=3)).id == "S-0002"


def test_an_ended_run_cannot_be_scheduled(site):
    pid = new_promotion(site)
    actions.act(site, pid, "cancel", who(site, "olga"), "superseded")
    with pytest.raises(NotNow, match="has ended \\(cancelled\\)"):
        create(site, pid)


def test_a_stage_already_passed_cannot_be_the_end(site, clock):
    pid = new_promotion(site)
    with pytest.raises(NotNow, match="already past Promotion Created"):
        create(site, pid, until="promotion-created")


def test_cancel_needs_a_reason_and_an_operator(site):
    create(site, new_promotion(site))
    with pytest.raises(UsageError, match="a reason is required"):
        scheduler.cancel_schedule(site, "S-0001", "olga", "  ")
    with pytest.raises(Rejected, match="may not cancel a schedule"):
        scheduler.cancel_schedule(site, "S-0001", "bob", "not mine")
    info = scheduler.cancel_schedule(site, "S-0001", "olga", "change freeze")
    assert info.status == "cancelled"
    assert info.state_text == "cancelled by olga: change freeze"
    with pytest.raises(NotNow, match="a cancelled job cannot become cancelled: .* final"):
        scheduler.cancel_schedule(site, "S-0001", "olga", "again")
    with pytest.raises(NotFound, match="no schedule S-0009"):
        scheduler.cancel_schedule(site, "S-0009", "olga", "x")


def test_a_cancelled_schedule_is_not_ticked(site, clock):
    create(site, new_promotion(site))
    scheduler.cancel_schedule(site, "S-0001", "olga", "change freeze")
    clock.advance(3600)
    assert tick(site).results == ()
    assert scheduler.attempts(site) == []


def test_preconditions_may_be_given_as_values(site):
    info = create(site, new_promotion(site),
                  requires=[Precondition.parse("feeds-fresh<30m")],
                  warns=[Precondition.parse("integrations-healthy", blocking=False)])
    assert [p.label for p in info.preconditions] == ["Feeds fresh (< 30m)",
                                                     "Integrations healthy — warn only"]


def test_list_puts_the_next_window_first_and_ended_jobs_last(site):
    first = create(site, new_promotion(site), at=OPENS + timedelta(hours=5))
    second = create(site, new_promotion(site, "eu-prod"), at=OPENS)
    add_third = new_promotion(site)
    third = create(site, add_third, at=OPENS + timedelta(hours=1))
    scheduler.cancel_schedule(site, second.id, "olga", "not needed")
    assert [i.id for i in scheduler.list_schedules(site)] == [third.id, first.id, second.id]
    assert [i.id for i in scheduler.list_schedules(site, statuses=["cancelled"])] == [second.id]
