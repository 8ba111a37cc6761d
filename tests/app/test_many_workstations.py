"""Three workstations (site homes) on one site database, ten executors among them, fifty
promotions through the canary workflow: every promotion completes, no run's chain forks
or repeats an event (by SQL and by chain verification), no step starts twice."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.services import history, promotions
from models.tables import RunEvent
from tests.support.factories import add_release, who

ROOT = Path(__file__).resolve().parents[2]
HOMES, EXECUTORS, PROMOTIONS = 3, 10, 50


def _workstation(site, name: str) -> Path:
    home = site.paths.home.parent / name
    shutil.copytree(site.paths.keys, home / "keys")
    (home / "database.url").write_text(site.config.db_url + "\n", encoding="utf-8")
    return home


def test_ten_executors_on_three_workstations_complete_fifty_promotions(site) -> None:
    add_release(site)
    alice = who(site, "alice")
    ids = [promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", alice)
           for _ in range(PROMOTIONS)]
    homes = [site.paths.home, *(_workstation(site, f"ws-{n}") for n in range(1, HOMES))]
    workers = [subprocess.Popen([sys.executable, "-m", "tests.support.run_many",
                                 str(homes[n % HOMES]), str(n), *ids], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(EXECUTORS)]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert [w.returncode for w in workers] == [0] * EXECUTORS, [err[-2000:] for _, err in outputs]
    assert sum(json.loads(out)["held"] for out, _ in outputs) > 0, "the executors never met"

    with site.db.read() as session:
        forks = session.execute(select(RunEvent.promotion_id, RunEvent.prev_hash, func.count())
                                .group_by(RunEvent.promotion_id, RunEvent.prev_hash)
                                .having(func.count() > 1)).all()
        repeats = session.execute(select(RunEvent.hash).group_by(RunEvent.hash)
                                  .having(func.count() > 1)).all()
    assert forks == [] and repeats == []
    for pid in ids:
        events, state = promotions.load_run(site, pid)  # the chain verifies
        assert state.status == "completed", pid
        started = [e.step for e in events if e.type == "step.started"]
        assert len(started) == len(set(started)), f"{pid}: a step started twice: {started}"
        assert not history.history_of(site, pid).problems  # every event is in the site log
