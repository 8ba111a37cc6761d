"""`stella promotions` on a SQLite site reads without SQLAlchemy: it must list exactly
what the ORM listing lists, and hand over to it whenever it cannot."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import text

from app.services import promotions
from app.services.promotion_listing import quick_listing
from models.tables import Schedule
from tests.support.run_story import append, created, every_kind, new_run

SQLITE_ONLY = "the quick listing reads a SQLite site's file; other databases take the ORM path"


def _story(site) -> None:  # (a Site)
    for pid, events in (("P-1", [created("P-1")]), ("P-2", [created("P-2"), *every_kind()]),
                        ("P-3", [created("P-3")])):
        new_run(site, pid)
        append(site, pid, events)
    with site.db.write() as session:
        session.add(Schedule(
            id="S-1", promotion_id="P-3", until_step=None, window_start="2026-12-09T02:00:00Z",
            window_seconds=3600, preconditions=[], max_failures=3, backoff_seconds=120,
            status="scheduled", created_by="olga", created_at="2026-12-01T10:00:00Z",
            updated_at="2026-12-01T10:00:00Z"))


def test_the_quick_listing_equals_the_orm_listing(site):
    _story(site)
    quick = quick_listing(site.config)
    assert quick is not None and len(quick) == 3
    assert quick == promotions.list_promotions(site)
    assert {p.id: p.shown_status for p in quick}["P-3"] == "scheduled"


def test_it_hands_over_when_a_summary_is_missing_or_the_schema_is_older(site):
    _story(site)
    new_run(site, "P-4")  # a promotion whose first append is still being written
    assert quick_listing(site.config) is None
    assert [p.id for p in promotions.list_promotions(site)].count("P-4") == 1
    with site.db.write() as session:
        session.execute(text("DELETE FROM promotions WHERE id = 'P-4'"))
        session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    assert quick_listing(site.config) is None


def test_it_hands_over_while_an_interrupted_export_waits_for_recovery(site):
    _story(site)
    (site.paths.custody / "intent.json").write_text("{}")
    assert quick_listing(site.config) is None


def test_the_command_lists_without_sqlalchemy_or_cryptography(site):
    _story(site)
    probe = ("import io, json, sys, contextlib\nfrom app.cli.main import main\n"
             "out = io.StringIO()\n"
             "with contextlib.redirect_stdout(out):\n"
             f"    main(['--home', {str(site.paths.home)!r}, 'promotions', '--json'])\n"
             "print(json.dumps({'out': out.getvalue(), 'heavy': [m for m in "
             "('sqlalchemy', 'cryptography', 'alembic') if m in sys.modules]}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=60)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["heavy"] == []
    listed = json.loads(found["out"])
    assert [p["id"] for p in listed] == [p.id for p in promotions.list_promotions(site)]
    assert {p["id"]: p["scheduled_at"] for p in listed}["P-3"] == "2026-12-09T02:00:00Z"
