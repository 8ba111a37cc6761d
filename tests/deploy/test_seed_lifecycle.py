"""The run lifecycle of seed §14.2, step for step, with the product's steps on fake
targets: Created → Inputs → Gate → (no approval) → Deploy start → Canary 10% → 50% →
100% → Post-Deploy Verify → Finalize + Seal → Complete; and the "SLO/Health OK? no"
branch: auto-rollback, after which the ended run is still finalized and sealed."""

from __future__ import annotations

from app.executor import Executor
from app.services import evidence, promotions
from devkit.deploy import FakeEnv
from engine.run import events as ev
from tests.support.deploy import add_demo_release
from tests.support.factories import who

SEED_ORDER = ["inputs-materialized", "gate-eval", "approval", "deploy-start", "deploy-10",
              "deploy-50", "deploy-100", "post-deploy-verify", "seal-evidence", "complete"]


def run(env: FakeEnv) -> tuple[list[ev.Event], object]:
    add_demo_release(env.site, "1.3.0-rc1", artifacts=False)
    pid = promotions.create_promotion(env.site, "platform@1.3.0-rc1", "fake-prod", who(env.site, "alice"))
    Executor(env.site, pid, env.registry()).run()
    return promotions.load_run(env.site, pid)


def test_the_happy_path_holds_step_for_step(site):
    env = FakeEnv(site, auto_continue=True)
    events, state = run(env)
    assert state.status == "completed"
    assert [e.step for e in events if e.type == ev.STEP_STARTED] == SEED_ORDER
    assert state.step("promotion-created").status == "succeeded"
    assert state.step("approval").status == "skipped"  # "Approval Required? no"
    assert [s.status for s in state.steps if s.name != "approval"] == ["succeeded"] * 10
    names = [i.name for i in evidence.list_evidence(site, state.promotion_id)]
    assert names[-2:] == ["runtime-reachability", "proof-chain"]  # L and M capture points
    assert set(env.versions().values()) == {"1.3.0-rc1"}


def test_a_breach_at_50_rolls_back_and_the_run_is_still_sealed(site):
    env = FakeEnv(site, auto_continue=True)
    env.driver.targets["t02"].error_rate = 0.5  # joins at 50%: "SLO/Health OK? no"
    events, state = run(env)
    started = [e.step for e in events if e.type == ev.STEP_STARTED]
    assert started == SEED_ORDER[:6] + ["seal-evidence"]  # … Canary 50% → Auto-Rollback → Seal
    requested = next(e for e in events if e.type == ev.ROLLBACK_REQUESTED)
    assert requested.step == "deploy-50" and requested.data["automatic"] is True
    assert state.status == "rolled-back"
    assert [state.step(n).status for n in ("deploy-10", "deploy-50", "deploy-100")] == [
        "rolled-back", "rolled-back", "skipped"]
    assert (state.step("seal-evidence").status, state.step("complete").status) == ("succeeded", "skipped")
    assert set(env.versions().values()) == {"1.2.0"}
