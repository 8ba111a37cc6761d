"""A timeline that never forgets: after a stage rollback and a retry, the stage shows
both attempts — the first ROLLED-BACK with its time, reason and ticket, the second as
it stands — the hints fit the moment, and the CLI timeline says the same."""

from __future__ import annotations

from app.cli.render import timeline_text
from app.executor import Executor
from app.screens.snapshots import load_run_snapshot
from app.services import actions, promotions
from tests.support.deploy import advancing_wait
from tests.support.factories import who
from tests.support.stage_fakes import StageEnv
from tests.views.deploy_helpers import GATE, TARGETS, start
from views.run_timeline.model import timeline_rows
from views.run_timeline.view import _now_text


def rows_of(site, pid):
    snapshot = load_run_snapshot(site, pid, "olga")
    return snapshot, {(r.step, r.attempt): r for r in timeline_rows(snapshot)}


def test_the_timeline_shows_both_attempts_after_rollback_and_retry(site):
    env = StageEnv(site, "retry-prod", TARGETS, GATE, advancing_wait(site.clock))
    pid = start(env)
    Executor(site, pid, env.registry()).run()  # deploy-10 measured, waits for Continue
    actions.act(site, pid, "rollback", who(site, "olga"), "p95 doubled on t01", scope="stage",
                data={"ticket": "INC-9"})
    Executor(site, pid, env.registry()).run()

    snapshot, rows = rows_of(site, pid)
    rolled = rows[("deploy-10", 0)]
    assert rolled.status == "rolled-back"
    assert rolled.summary.startswith("rolled back (stage) by olga: p95 doubled on t01 · ticket INC-9")
    assert "press Continue" not in rolled.summary
    now = _now_text(snapshot)
    assert "rolled back (stage) by olga: p95 doubled on t01 · ticket INC-9" in now
    assert "retry Deploy Canary 10% to deploy again, or cancel the run" in now
    assert "<b>Next:</b> Deploy Canary 50%" in now

    actions.act(site, pid, "retry", who(site, "olga"), "cache warmed; try again")
    Executor(site, pid, env.registry()).run()  # deploy-10 again: measured, waits for Continue
    snapshot, rows = rows_of(site, pid)
    first, second = rows[("deploy-10", 1)], rows[("deploy-10", 0)]
    assert (first.title, first.status) == ("Deploy Canary 10%  (attempt 1)", "rolled-back")
    assert first.time != "----" and first.duration
    assert first.summary == ("rolled back (stage) by olga: p95 doubled on t01 · ticket INC-9 · "
                             "retried by olga: cache warmed; try again")
    assert (second.title, second.status) == ("Deploy Canary 10%  (attempt 2)", "waiting")
    assert second.summary.endswith("press Continue")  # waiting now: the hint is right again
    order = [(r.step, r.attempt) for r in timeline_rows(snapshot)]
    assert order.index(("deploy-10", 1)) + 1 == order.index(("deploy-10", 0))
    assert "<b>Next:</b> Deploy Canary 50%" in _now_text(snapshot)

    _, state = promotions.load_run(site, pid)
    text = timeline_text(state)
    assert "Deploy Canary 10% #1     ROLLED-BACK" in text
    assert "attempt 2 · 1 target(s) on 1.3.0-rc1" in text
