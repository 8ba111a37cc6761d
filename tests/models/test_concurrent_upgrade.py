"""Two processes opening a site whose database is behind, at once, on PostgreSQL: one
migrates, the other waits for it and then finds nothing left to do."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from models import migrate
from tests.support import postgres

ROOT = Path(__file__).resolve().parents[2]
BEHIND = "0009"  # before run_summaries: a migration that creates and backfills a table

pytestmark = pytest.mark.skipif(postgres.server_url() is None,
                                reason="the migration lock is PostgreSQL's (SQLite's "
                                       "writer is alone)")


def _upgrading(url: str) -> subprocess.Popen:
    code = "import sys; from models.migrate import upgrade; upgrade(sys.argv[1])"
    return subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _behind_database() -> str:
    url = postgres.fresh_database(postgres.server_url())
    command.upgrade(migrate._config(url), BEHIND)
    return url


def test_two_processes_upgrade_a_behind_database_at_once() -> None:
    url = _behind_database()
    workers = [_upgrading(url) for _ in range(2)]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]
    engine = create_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_an_upgrade_waits_while_another_holds_the_migration_lock() -> None:
    url = _behind_database()
    engine = create_engine(url)
    try:
        with engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY})
            holder.commit()
            worker = _upgrading(url)
            time.sleep(3)
            assert worker.poll() is None, "the upgrade did not wait for the lock"
            assert migrate.current_revision(engine) == BEHIND
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.MIGRATION_LOCK_KEY})
            holder.commit()
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
