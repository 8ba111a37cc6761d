"""Alembic migrations reach the head from an empty database and from every earlier
revision, on SQLite and (on the PostgreSQL pass) on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from models import migrate
from models.db import sqlite_url
from models.tables import Base
from tests.support import postgres


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate._config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _empty_database(tmp_path, name: str) -> str:
    server = postgres.server_url()
    return postgres.fresh_database(server) if server else sqlite_url(tmp_path / f"{name}.db")


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_from_empty_to_head(tmp_path) -> None:
    url = _empty_database(tmp_path, "empty")
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= _tables(url)


@pytest.mark.parametrize("revision", _revisions()[:-1])
def test_from_every_earlier_revision(tmp_path, revision: str) -> None:
    url = _empty_database(tmp_path, revision)
    command.upgrade(migrate._config(url), revision)
    engine = create_engine(url)
    try:
        assert migrate.current_revision(engine) == revision
        migrate.upgrade(url)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= _tables(url)
