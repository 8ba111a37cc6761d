"""The app's background chain verifier: a worker verifies what moved and broadcasts a
run it finds broken, so the promotion list can show it without refolding every run."""

from __future__ import annotations

from sqlalchemy import update

from app.qt.chain_verifier import ChainVerifierRunner
from app.qt.changes import ChangeBroadcaster
from app.qt.worker import TaskManager
from models.tables import RunSummary
from tests.support.run_story import append, created, every_kind, new_run


def test_a_pass_runs_in_a_worker_and_broadcasts_a_broken_run(qtbot, site):
    for pid in ("P-0001", "P-0002"):
        new_run(site, pid)
        append(site, pid, [created(pid), *every_kind()[:3]])
    with site.db.write() as session:
        session.execute(update(RunSummary).where(RunSummary.promotion_id == "P-0002")
                        .values(head="f" * 64))
    tasks, changes = TaskManager(), ChangeBroadcaster()
    runner = ChainVerifierRunner(site, changes, tasks, interval_ms=60_000)
    seen = []
    changes.changed.connect(lambda change: seen.append(change))
    with qtbot.waitSignal(runner.checked, timeout=10_000) as signal:
        runner.check_now()
    status = signal.args[0]
    assert (status.verified, [p for p, _ in status.broken]) == (1, ["P-0002"])
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert "P-0002" in seen[0].changes.promotions
    tasks.close()
    tasks.wait()
