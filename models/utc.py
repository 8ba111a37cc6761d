"""One column type for UTC instants: timezone-aware in Python, one storage form.

SQLite has no time zones: a ``DateTime`` column hands back the stored UTC time without
one, and code had to patch it by hand before comparing it with the clock's aware
``now``. :class:`UtcDateTime` does that once: every value written is converted to UTC,
and every value read is UTC and aware, on SQLite and on PostgreSQL (``timestamptz``)
alike. The stored form is the one ``DateTime(timezone=True)`` always had, so no data
moves. A naive value is taken as UTC, as SQLite always stored it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a stored time must be a datetime, not {type(value).__name__}")
        return _utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return _utc(value)  # SQLite keeps no zone: what it holds was written as UTC


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
