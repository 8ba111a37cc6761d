"""The one rule for a run's event signatures (timeline, GUI chain line, verify): every
event signed by its actor's roster key; unsigned only as a prefix recorded before the
roster's record #0."""

from __future__ import annotations

from engine.roster.run_signatures import check_event_signatures
from engine.run import events as ev
from tests.engine.roster.test_signed_events import EXEC, MALLORY, OLGA, appended, pause, roster


def unsigned(new: list[ev.NewEvent], prev: str = ev.GENESIS, seq: int = 0) -> list[ev.Event]:
    out = []
    for item in new:
        event = ev.Event.seal(item, seq=seq, prev=prev)
        out.append(event)
        seq, prev = seq + 1, event.hash
    return out


def test_every_event_signed_by_its_actor_passes() -> None:
    events = appended([pause(), pause()], OLGA)
    check = check_event_signatures("P-1", events, roster())
    assert check.ok and check.signed == 2 and check.before_roster == 0
    assert "2 event(s) signed" in check.summary


def test_an_unsigned_prefix_before_the_roster_is_reported_not_failed() -> None:
    old = unsigned([pause(at="2026-02-17T09:00:00Z"), pause(at="2026-02-17T09:05:00Z")])
    new = appended([pause()], OLGA, prev=old[-1].hash, seq=2)
    check = check_event_signatures("P-1", [*old, *new], roster())
    assert check.ok and check.before_roster == 2 and check.signed == 1
    assert "2 event(s) unsigned (recorded before the site roster)" in check.summary


def test_an_unsigned_event_under_the_roster_fails_naming_promotion_and_event() -> None:
    signed = appended([pause()], OLGA)
    added = unsigned([pause(at="2026-02-18T09:10:00Z")], prev=signed[-1].hash, seq=1)
    check = check_event_signatures("P-1", [*signed, *added], roster())
    assert not check.ok
    assert check.problems == ("promotion P-1: event #1 (run.paused by olga) carries no "
                              "signature, and was not recorded before the site roster",)


def test_a_back_dated_unsigned_event_after_a_signed_one_still_fails() -> None:
    signed = appended([pause()], OLGA)
    added = unsigned([pause(at="2020-01-01T00:00:00Z")], prev=signed[-1].hash, seq=1)
    assert not check_event_signatures("P-1", [*signed, *added], roster()).ok


def test_a_key_outside_the_roster_or_another_actors_key_fails() -> None:
    by_mallory = appended([pause()], MALLORY)
    check = check_event_signatures("P-1", by_mallory, roster())
    assert not check.ok and "which the roster did not hold for olga" in check.summary
    as_executor = appended([pause(actor="olga")], EXEC)
    assert not check_event_signatures("P-1", as_executor, roster()).ok
