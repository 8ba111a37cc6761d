"""Stored instants come back timezone-aware and in UTC, on SQLite and (on the PostgreSQL
pass) on PostgreSQL, whatever zone they were written in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from models.tables import Site
from models.utc import UtcDateTime
from tests.support.factories import make_site

BERLIN_WINTER = timezone(timedelta(hours=1))


@pytest.fixture
def probe(tmp_path):
    """A table of one instant column in the site's own database."""
    site = make_site(tmp_path / "home")
    table = Table("utc_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("at", UtcDateTime()))
    table.create(site.db.engine)
    yield site, table
    table.drop(site.db.engine)
    site.close()


def _round_trip(site, table, value: datetime) -> datetime:
    with site.db.engine.begin() as connection:
        connection.execute(insert(table).values(id=1, at=value))
    with site.db.engine.connect() as connection:
        return connection.scalar(select(table.c.at))


def test_an_instant_written_in_any_zone_reads_back_as_the_same_instant_in_utc(probe):
    site, table = probe
    written = datetime(2026, 12, 8, 4, 30, 15, 123456, tzinfo=BERLIN_WINTER)
    read = _round_trip(site, table, written)
    assert read == written and read.tzinfo is UTC
    assert read.isoformat() == "2026-12-08T03:30:15.123456+00:00"
    with site.db.read() as session:  # a column of the site's tables, written by its clock
        created = session.scalar(select(Site.created_at))
    assert created is not None and created.tzinfo is UTC


def test_a_naive_instant_is_taken_as_utc_as_sqlite_always_stored_it(probe):
    site, table = probe
    assert _round_trip(site, table, datetime(2026, 12, 8, 4, 30)) == \
        datetime(2026, 12, 8, 4, 30, tzinfo=UTC)


def test_a_time_that_is_not_a_datetime_is_refused(probe):
    site, table = probe
    with pytest.raises(StatementError, match="a stored time must be a datetime, not str"):
        _round_trip(site, table, "2026-12-08T04:30:00Z")  # type: ignore[arg-type]
