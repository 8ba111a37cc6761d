"""The run summary projection equals the fold of the run's chain: after every kind of
event, after a writer is killed at any moment (same transaction as the append), and
after migrating a site that had runs before the projection existed (backfilled)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select, update

from app.context import Site
from app.errors import Rejected
from app.services import promotions
from app.site import SiteConfig
from engine.run import events as ev
from engine.run.state import fold
from models import run_store, run_summary
from models.migrate import _config, current_revision, head_revision
from models.tables import RunEvent, RunSummary
from tests.support.run_story import append, created, every_kind, new_run


def _assert_summary_is_the_fold(site: Site, promotion_id: str) -> None:
    with site.db.read() as session:
        events = run_store.load_events(session, promotion_id)
        row = session.get(RunSummary, promotion_id)
    state = fold(events)
    assert row is not None
    assert (row.status, row.current_step, row.current_title, row.head, row.event_count,
            row.created_at, row.updated_at, row.ended_at, row.problem) == (
        state.status, state.current.name if state.current else None,
        state.current.title if state.current else "", state.head, state.event_count,
        state.created_at, events[-1].at, state.ended_at, None)


def test_summary_is_the_fold_after_every_kind_of_event(site):
    new_run(site, "P-0001")
    append(site, "P-0001", [created("P-0001")])
    _assert_summary_is_the_fold(site, "P-0001")
    seen = {ev.RUN_CREATED}
    for new in every_kind():
        append(site, "P-0001", [new])
        _assert_summary_is_the_fold(site, "P-0001")
        seen.add(new.type)
    assert seen == ev.EVENT_TYPES
    listed = promotions.list_promotions(site)[0]
    assert (listed.status, listed.event_count) == ("cancelled", len(every_kind()) + 1)


def test_lists_read_the_summary_and_opening_a_run_verifies_the_chain(site):
    new_run(site, "P-0001")
    append(site, "P-0001", [created("P-0001"), *every_kind()[:3]])
    with site.db.write() as session:
        row = (RunEvent.promotion_id == "P-0001", RunEvent.seq == 1)
        raw = bytes(session.scalar(select(RunEvent.raw).where(*row)))  # bytes, on any database
        session.execute(update(RunEvent).where(*row).values(raw=raw + b" "))
    assert promotions.list_promotions(site)[0].status == "waiting"  # the list trusts the summary
    with pytest.raises(Rejected, match="broken"):
        promotions.load_run(site, "P-0001")  # opening a run does not
    with site.db.read() as session:
        found = run_summary.summarise(run_summary.load_raw(session, "P-0001"))
    assert found["status"] == run_summary.CHAIN_BROKEN and "event #1" in found["problem"]


KILLED_WRITER = """
import sys
from app.context import Site
from app.site import SiteConfig
from models import run_store
from tests.support.run_story import every_kind
site = Site.open(SiteConfig.resolve(home=sys.argv[1]))
story = every_kind()
print("ready", flush=True)
for i in range(10_000):
    pid = f"P-000{i % 3 + 1}"
    with site.db.write() as session:
        seq, head = run_store.head_of(session, pid)
        run_store.append(session, pid, head, [story[(seq - 1) % (len(story) - 1)]])
"""


@pytest.mark.parametrize("after", [0.15, 0.4, 0.9])
def test_a_writer_killed_at_any_moment_leaves_summary_and_chain_agreeing(site, after):
    for pid in ("P-0001", "P-0002", "P-0003"):
        new_run(site, pid)
        append(site, pid, [created(pid)])
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(site.paths.home)],
                             stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert child.stdout.readline().strip() == "ready"
    time.sleep(after)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    reopened = Site.open(SiteConfig.resolve(home=site.paths.home))
    for pid in ("P-0001", "P-0002", "P-0003"):
        _assert_summary_is_the_fold(reopened, pid)
    reopened.close()


def test_migrating_a_site_that_had_runs_backfills_their_summaries(site):
    from alembic import command

    for pid in ("P-0001", "P-0002"):
        new_run(site, pid)
    append(site, "P-0001", [created("P-0001"), *every_kind()[:9]])
    append(site, "P-0002", [created("P-0002"), *every_kind()])
    command.downgrade(_config(site.config.db_url), "0009")  # before the projection existed
    assert current_revision(site.db.engine) == "0009"
    reopened = Site.open(SiteConfig.resolve(home=site.paths.home))
    assert current_revision(reopened.db.engine) == head_revision()
    for pid in ("P-0001", "P-0002"):
        _assert_summary_is_the_fold(reopened, pid)
    assert [p.status for p in promotions.list_promotions(reopened)] == ["cancelled", "running"]
    reopened.close()
