"""Two workstations on one site database create promotions at the same moment, 100
times each: every promotion gets its own id and nobody sees an error (on SQLite and,
on the PostgreSQL pass, on PostgreSQL)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from models.tables import Promotion, RunEvent
from tests.support.factories import add_release

ROOT = Path(__file__).resolve().parents[2]
EACH = 100


def _workstation(site, name: str) -> Path:
    """A second home with the site's keys whose database is the first one's."""
    home = site.paths.home.parent / name
    shutil.copytree(site.paths.keys, home / "keys")
    (home / "database.url").write_text(site.config.db_url + "\n", encoding="utf-8")
    return home


def test_two_workstations_create_at_once(site, tmp_path) -> None:
    add_release(site)
    homes = [site.paths.home, _workstation(site, "workstation-b")]
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    workers = [subprocess.Popen([sys.executable, "-m", "tests.support.create_many", str(home),
                                 str(EACH), str(barrier)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for home in homes]
    deadline = time.monotonic() + 60
    while len(list(barrier.glob("ready-*"))) < len(workers) and time.monotonic() < deadline:
        time.sleep(0.01)
    (barrier / "go").touch()
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert [r["errors"] for r in reports] == [[], []]
    ids = [pid for report in reports for pid in report["ids"]]
    assert len(ids) == len(set(ids)) == 2 * EACH
    with site.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Promotion)) == 2 * EACH
        # every run: exactly its two creation events, no fork
        per_run = session.execute(select(RunEvent.promotion_id, func.count())
                                  .group_by(RunEvent.promotion_id)).all()
    assert sorted(ids) == sorted(pid for pid, _ in per_run)
    assert {count for _, count in per_run} == {2}
