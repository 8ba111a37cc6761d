"""Schedule windows: when a job may start, read against an injected ``now``.

A window opens at ``opens_at`` and stays open for ``length``. Before it opens a
job is *waiting* ("opens at …"), while it is open the job is *due*, and once it
has closed without the job having run the job has *missed* it. The bounds are
half-open: due from ``opens_at`` inclusive until ``closes_at`` exclusive.

A **slot** is one window of one schedule: ``(schedule id, window start)``. The
scheduler claims a slot's runs in the database under that identity, so a slot
runs at most once however many schedulers tick at the same moment; an operator
retrying a dead-lettered job gives it a new window, hence a new slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from engine.clock import parse_rfc3339, rfc3339
from engine.schedule.errors import DurationInvalid, TimeInvalid, WindowInvalid

WAITING = "waiting"
DUE = "due"
MISSED = "missed"

MAX_WINDOW = timedelta(days=31)
MAX_DURATION = timedelta(days=3660)  # any duration or delay: at most ten years
MAX_AHEAD = timedelta(days=3660)  # a start time: at most ten years from now
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_LOCAL = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$")


def parse_duration(text: str, *, field: str = "duration") -> timedelta:
    """``90m``, ``2h``, ``1h30m``, ``1d``, ``45s`` → a positive :class:`timedelta`."""
    cleaned = (text or "").strip().lower().replace(" ", "")
    match = _DURATION.match(cleaned)
    if not cleaned or match is None:
        raise DurationInvalid(text, field=field)
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    try:
        delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:  # more days than a timedelta holds: out of any range we accept
        raise DurationInvalid(text, field=field) from None
    if delta <= timedelta(0) or delta > MAX_DURATION:
        raise DurationInvalid(text, field=field)
    return delta


def duration_text(delta: timedelta) -> str:
    """The inverse of :func:`parse_duration`, shortest form: ``1h30m``, ``2d``, ``45s``."""
    total = int(delta.total_seconds())
    if total <= 0:
        return "0s"
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m"),
                                          (seconds, "s")) if n]
    return "".join(parts)


def remaining_text(delta: timedelta) -> str:
    """A countdown a person reads: whole minutes once above a minute."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds >= 60:
        seconds -= seconds % 60
    return duration_text(timedelta(seconds=seconds)) if seconds else "less than a second"


def time_text(moment: datetime) -> str:
    """``2026-02-19 02:00 UTC`` (seconds shown only when not zero)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if moment.second else "%Y-%m-%d %H:%M UTC")


def parse_time(text: str, now: datetime) -> datetime:
    """A start time: RFC 3339 (``Z`` or an offset), ``YYYY-MM-DD HH:MM[:SS]`` taken as
    UTC, ``now``, or a delay from ``now`` such as ``+30m`` (whole seconds)."""
    cleaned = (text or "").strip()
    if cleaned.lower() == "now":
        return now.astimezone(UTC).replace(microsecond=0)
    if cleaned.startswith("+"):
        try:
            later = now + parse_duration(cleaned[1:], field="delay")
            return _within_range(later.astimezone(UTC).replace(microsecond=0), text, now)
        except DurationInvalid:
            raise TimeInvalid(text) from None
    local = _LOCAL.match(cleaned)
    if local:
        day, hour_minute, seconds = local.groups()
        cleaned = f"{day}T{hour_minute}{seconds or ':00'}Z"
    try:
        if cleaned.endswith("Z"):
            return _within_range(parse_rfc3339(cleaned), text, now)
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise TimeInvalid(text) from None
    if parsed.tzinfo is None or "T" not in cleaned:
        raise TimeInvalid(text)
    return _within_range(parsed.astimezone(UTC), text, now)


def _within_range(moment: datetime, text: str, now: datetime) -> datetime:
    """Start times stay within ten years of now, so every window end is a real date."""
    if abs(moment - now) > MAX_AHEAD:
        raise TimeInvalid(text, beyond=MAX_AHEAD.days // 366)
    return moment


@dataclass(frozen=True)
class WindowPhase:
    kind: str  # waiting | due | missed
    text: str


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    length: timedelta

    def __post_init__(self) -> None:
        if self.opens_at.tzinfo is None:
            raise WindowInvalid("a window's start needs a time zone (UTC)")
        if self.length <= timedelta(0):
            raise WindowInvalid("a window must last longer than zero")
        if self.length > MAX_WINDOW:
            raise WindowInvalid(f"a window of {duration_text(self.length)} is longer than the "
                                f"{MAX_WINDOW.days} days a schedule may stay open")
        object.__setattr__(self, "opens_at", self.opens_at.astimezone(UTC))

    @property
    def closes_at(self) -> datetime:
        return self.opens_at + self.length

    @property
    def start(self) -> str:
        """The window start as stored: the slot part of the slot identity."""
        return rfc3339(self.opens_at)

    def text(self) -> str:
        """``2026-02-19 02:00 UTC – 04:00 (2h)``."""
        closes = self.closes_at
        same_day = closes.date() == self.opens_at.date()
        end = closes.strftime("%H:%M" if not closes.second else "%H:%M:%S") if same_day \
            else time_text(closes)
        return f"{time_text(self.opens_at)} – {end} ({duration_text(self.length)})"

    def phase(self, now: datetime) -> WindowPhase:
        if now < self.opens_at:
            return WindowPhase(WAITING, f"opens at {time_text(self.opens_at)} "
                                        f"(in {remaining_text(self.opens_at - now)})")
        if now < self.closes_at:
            return WindowPhase(DUE, f"due: the window is open until "
                                    f"{time_text(self.closes_at)} "
                                    f"({remaining_text(self.closes_at - now)} left)")
        return WindowPhase(MISSED, f"missed: the window {self.text()} closed at "
                                   f"{time_text(self.closes_at)}")


@dataclass(frozen=True)
class Slot:
    """One window of one schedule: the unit that runs at most once."""

    schedule_id: str
    window: Window

    @property
    def start(self) -> str:
        return self.window.start

    @property
    def key(self) -> str:
        return f"{self.schedule_id}@{self.start}"
