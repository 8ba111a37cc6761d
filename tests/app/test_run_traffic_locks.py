"""On PostgreSQL run traffic does not wait for the site-wide write lock: while another
workstation holds it (a roster change, say), promotions are created and a run advances;
a site-wide write still waits for it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from app.executor import Executor
from app.services import promotions
from models.db import WRITE_LOCK_KEY
from tests.support import postgres
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, who

pytestmark = pytest.mark.skipif(postgres.server_url() is None,
                                reason="SQLite has one writer at a time by design")


def test_run_traffic_goes_on_while_the_site_wide_lock_is_held(site) -> None:
    add_release(site)
    alice = who(site, "alice")
    holder = create_engine(site.config.db_url)
    try:
        with holder.connect() as connection, connection.begin():
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
            pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", alice)
            Executor(site, pid, doubles_registry()).run()
            assert promotions.load_run(site, pid)[1].status == "completed"

            finished = threading.Event()

            def site_wide() -> None:
                with site.db.write():
                    pass
                finished.set()

            waiting = threading.Thread(target=site_wide, daemon=True)
            waiting.start()
            assert not finished.wait(1.0), "a site-wide write did not wait for the lock"
        assert finished.wait(10.0)  # released with the holder's transaction
        waiting.join(5)
    finally:
        holder.dispose()
