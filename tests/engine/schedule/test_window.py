"""Schedule windows against an injected clock: before, inside and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import FixedClock
from engine.schedule import (
    DurationInvalid,
    Slot,
    TimeInvalid,
    Window,
    WindowInvalid,
    duration_text,
    parse_duration,
    parse_time,
)
from engine.schedule.window import DUE, MISSED, WAITING

OPENS = datetime(2026, 2, 19, 2, 0, tzinfo=UTC)
WINDOW = Window(OPENS, timedelta(hours=2))


@pytest.mark.parametrize("text,expected", [
    ("2h", timedelta(hours=2)), ("90m", timedelta(minutes=90)), ("1h30m", timedelta(minutes=90)),
    ("1d", timedelta(days=1)), ("45s", timedelta(seconds=45)), (" 2H ", timedelta(hours=2)),
])
def test_durations_parse(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0h", "2", "h", "2x", "-1h", "1.5h", "2h1d"])
def test_bad_durations_say_what_was_wrong(text):
    with pytest.raises(DurationInvalid, match="window") as err:
        parse_duration(text, field="window")
    assert err.value.field == "window"


def test_duration_text_is_the_shortest_round_trip():
    for text in ("2h", "1h30m", "1d2h", "45s", "3d"):
        assert duration_text(parse_duration(text)) == text


def test_before_the_window_it_waits_and_says_when_it_opens():
    clock = FixedClock(OPENS - timedelta(hours=3, minutes=20))
    phase = WINDOW.phase(clock.now())
    assert phase.kind == WAITING
    assert phase.text == "opens at 2026-02-19 02:00 UTC (in 3h20m)"


def test_inside_the_window_it_is_due_from_the_first_second():
    clock = FixedClock(OPENS)
    assert WINDOW.phase(clock.now()).kind == DUE
    clock.advance(50 * 60)
    phase = WINDOW.phase(clock.now())
    assert phase.kind == DUE
    assert phase.text == "due: the window is open until 2026-02-19 04:00 UTC (1h10m left)"


def test_after_the_window_it_is_missed_and_the_end_is_exclusive():
    clock = FixedClock(OPENS + timedelta(hours=2) - timedelta(seconds=1))
    assert WINDOW.phase(clock.now()).kind == DUE
    clock.advance(1)
    phase = WINDOW.phase(clock.now())
    assert phase.kind == MISSED
    assert "closed at 2026-02-19 04:00 UTC" in phase.text
    assert "2026-02-19 02:00 UTC – 04:00 (2h)" in phase.text


def test_a_window_needs_a_zone_a_length_and_a_limit():
    with pytest.raises(WindowInvalid, match="time zone"):
        Window(datetime(2026, 2, 19, 2, 0), timedelta(hours=1))
    with pytest.raises(WindowInvalid, match="longer than zero"):
        Window(OPENS, timedelta(0))
    with pytest.raises(WindowInvalid, match="31 days"):
        Window(OPENS, timedelta(days=40))


def test_a_window_over_midnight_names_the_closing_day():
    late = Window(datetime(2026, 2, 19, 23, 0, tzinfo=UTC), timedelta(hours=2))
    assert late.text() == "2026-02-19 23:00 UTC – 2026-02-20 01:00 UTC (2h)"


def test_slot_identity_is_the_schedule_and_the_window_start():
    assert Slot("S-0001", WINDOW).key == "S-0001@2026-02-19T02:00:00Z"
    same_start = Slot("S-0001", Window(OPENS, timedelta(hours=5)))
    assert same_start.key == Slot("S-0001", WINDOW).key  # the length is not part of it
    retried = Slot("S-0001", Window(OPENS + timedelta(minutes=1), timedelta(hours=2)))
    assert retried.key != Slot("S-0001", WINDOW).key
    assert Slot("S-0002", WINDOW).key != Slot("S-0001", WINDOW).key


@pytest.mark.parametrize("text,expected", [
    ("2026-02-19T02:00:00Z", OPENS),
    ("2026-02-19T03:00:00+01:00", OPENS),
    ("2026-02-19 02:00", OPENS),
    ("2026-02-19T02:00", OPENS),
    ("now", datetime(2026, 2, 18, 8, 30, tzinfo=UTC)),
    ("+30m", datetime(2026, 2, 18, 9, 0, tzinfo=UTC)),
])
def test_start_times(text, expected):
    assert parse_time(text, datetime(2026, 2, 18, 8, 30, tzinfo=UTC)) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-02-19", "+soon", "2026-02-19T02:00:00"
                                  "+25:00", "19/02/2026 02:00"])
def test_bad_start_times(text):
    with pytest.raises(TimeInvalid, match="RFC 3339"):
        parse_time(text, OPENS)
