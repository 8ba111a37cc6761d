"""The suite's PostgreSQL pass: ``STELLA_TEST_DB`` names a server (scripts/pg-cluster.sh
starts a private one) and every test site gets a fresh database of its own there."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

TEST_DB_ENV = "STELLA_TEST_DB"

created: list[str] = []
"""URLs of the databases made during the current test (the suite drops them after it)."""


def server_url() -> str | None:
    """The PostgreSQL server of this pass, or ``None`` when the suite runs on SQLite."""
    return os.environ.get(TEST_DB_ENV) or None


def fresh_database(server: str, template: str | None = None) -> str:
    """Create a database on ``server`` (empty, or a copy of the database ``template``)
    and return its URL."""
    name = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    created.append(url)
    return url


def copy_home(template: Path, home: Path) -> Path:
    """Copy a site home built once (a test template); on the PostgreSQL pass its database
    is copied too (the template's is kept for the next copies)."""
    shutil.copytree(template, home)
    url_file = home / "database.url"
    if url_file.exists():
        source = url_file.read_text(encoding="utf-8").strip()
        if source in created:
            created.remove(source)  # a template: it outlives this test
        copy = fresh_database(source, template=make_url(source).database)
        url_file.write_text(copy + "\n", encoding="utf-8")
    return home


def drop_created() -> None:
    while created:
        drop_database(created.pop())


def drop_database(url: str) -> None:
    """Drop a test database (connections still open to it are ended first)."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
