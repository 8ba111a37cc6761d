"""Presentation of times, digests, durations and marks (shared with the CLI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.cli.render import MARKS, duration, short

__all__ = ["MARKS", "clock_time", "duration", "mark", "short", "value_text", "when"]


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def when(stamp: str | None) -> str:
    """``Feb 18 2026, 08:30:12 UTC`` — the run's times are stored in UTC."""
    moment = _parse(stamp)
    return moment.strftime("%b %d %Y, %H:%M:%S UTC") if moment else "—"


def slot_time(stamp: str | None) -> str:
    """``Dec 09 02:00 UTC`` — when a schedule's slot opens."""
    moment = _parse(stamp)
    return moment.strftime("%b %d %H:%M UTC") if moment else "—"


def clock_time(stamp: str | None) -> str:
    moment = _parse(stamp)
    return moment.strftime("%H:%M:%S") if moment else "----"


def mark(status: str) -> str:
    return MARKS.get(status, "?")


def value_text(value: Any) -> str:
    """A step output value on one line: strings as is, the rest as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
