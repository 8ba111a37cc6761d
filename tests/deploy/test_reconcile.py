"""Reconcile, don't assume: an intent before every driver call, targets asked what they
run after a crash and before a rollback, and a rollback that returns every target that
observably moved — or says which one it cannot see instead of claiming ROLLED-BACK."""

from __future__ import annotations

from app.executor import Executor
from app.services import actions, promotions
from devkit.deploy import OLD
from engine.run import events as ev
from tests.support.deploy import add_demo_release
from tests.support.factories import who


class Crash(BaseException):
    """The executor's process dying mid-call (not an error the step could report)."""


def start(env, version: str = "1.3.0-rc1") -> str:
    add_demo_release(env.site, version, artifacts=False)
    return promotions.create_promotion(env.site, f"platform@{version}", "fake-prod", who(env.site, "alice"))


def unsigned(data) -> dict:
    """An event's data without the executor's signature over it."""
    return {k: v for k, v in data.items() if k != "signature"}


def of_type(site, pid, kind):
    events, _ = promotions.load_run(site, pid)
    return [e for e in events if e.type == kind]


def test_each_deployment_is_announced_before_the_driver_is_called(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    seen_at_call: list[int] = []
    deploy = fake_env.driver.deploy

    def counting_deploy(target, release, **kwargs):
        seen_at_call.append(len(of_type(site, pid, ev.TARGET_DEPLOY_STARTED)))
        return deploy(target, release, **kwargs)

    fake_env.driver.deploy = counting_deploy
    Executor(site, pid, fake_env.registry()).run()
    intents = of_type(site, pid, ev.TARGET_DEPLOY_STARTED)
    assert seen_at_call == [1]  # committed before the call, one per call
    _, state = promotions.load_run(site, pid)
    assert intents[0].step == "deploy-10" and unsigned(intents[0].data) == {
        "target": "t01", "driver": "fake", "release": "platform", "version": "1.3.0-rc1",
        "digest": state.release["digest"], "from_version": OLD[0], "from_digest": OLD[1],
        "observed": {"release": None, "version": OLD[0], "digest": OLD[1]}}


def test_a_crash_during_a_driver_call_is_reconciled_and_rolled_back(fake_env):
    """The driver switched the target and then the executor died: no outcome, no
    progress row — only the intent. Recovery observes the target; rollback returns it."""
    site = fake_env.site
    pid = start(fake_env)
    deploy = fake_env.driver.deploy

    def deploy_then_die(target, release, **kwargs):
        deploy(target, release, **kwargs)
        raise Crash()

    fake_env.driver.deploy = deploy_then_die
    try:
        Executor(site, pid, fake_env.registry()).run()
    except Crash:
        pass
    fake_env.driver.deploy = deploy
    assert fake_env.versions()["t01"] == "1.3.0-rc1"

    Executor(site, pid, fake_env.registry()).run()  # recovery
    _, state = promotions.load_run(site, pid)
    assert state.status == "interrupted"
    observed = [unsigned(e.data) for e in of_type(site, pid, ev.TARGET_OBSERVED)]
    assert observed == [{"target": "t01", "driver": "fake", "purpose": "recovery", "observed": True,
                         "release": None, "version": "1.3.0-rc1", "digest": state.release["digest"],
                         "error": ""}]
    preview = actions.preview(site, pid, "full")
    assert [(t["target"], t["to"]) for t in preview["targets"]] == [("t01", OLD[0])]

    actions.act(site, pid, "rollback", who(site, "olga"), "deploy died mid-way", scope="full")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert set(fake_env.versions().values()) == {OLD[0]}
    done = of_type(site, pid, ev.ROLLBACK_COMPLETED)[-1].data
    assert [(t["target"], t["status"]) for t in done["targets"]] == [("t01", "succeeded")]


def test_a_target_that_cannot_be_observed_blocks_the_rollback(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    Executor(site, pid, fake_env.registry()).run()  # deploy-10 waits for continue
    fake_env.driver.unobservable = {"t01"}
    actions.act(site, pid, "rollback", who(site, "olga"), "bad canary", scope="full", data={"ticket": "INC-7"})
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status != "rolled-back"
    failed = of_type(site, pid, ev.ROLLBACK_FAILED)[-1].data["error"]
    assert "t01: cannot tell what it runs now (t01: did not answer (on purpose))" in failed
    assert fake_env.versions()["t01"] == "1.3.0-rc1"  # nothing was done blind

    fake_env.driver.unobservable = set()
    actions.act(site, pid, "rollback", who(site, "olga"), "target answers again", scope="full")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back" and fake_env.versions()["t01"] == OLD[0]


def test_a_target_already_back_is_left_alone(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    Executor(site, pid, fake_env.registry()).run()
    fake_env.driver.targets["t01"].version, fake_env.driver.targets["t01"].digest = OLD  # by hand
    actions.act(site, pid, "rollback", who(site, "olga"), "bad canary", scope="full")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert [c for c in fake_env.driver.calls if c[0] == "rollback"] == []
    done = of_type(site, pid, ev.ROLLBACK_COMPLETED)[-1].data
    assert [(t["target"], t["status"]) for t in done["targets"]] == [("t01", "unchanged")]


def test_a_rollback_the_target_does_not_confirm_is_not_reported_done(fake_env):
    site = fake_env.site
    pid = start(fake_env)
    Executor(site, pid, fake_env.registry()).run()
    rollback = fake_env.driver.rollback

    def claims_but_does_not(target, to_release, **kwargs):
        result = rollback(target, to_release, **kwargs)
        fake_env.driver.targets[target.name].digest = "sha256:" + "ee" * 32  # something else runs
        return result

    fake_env.driver.rollback = claims_but_does_not
    actions.act(site, pid, "rollback", who(site, "olga"), "bad canary", scope="full")
    Executor(site, pid, fake_env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status != "rolled-back"
    assert "but afterwards t01 runs 1.2.0 (sha256:eeeeeeeeeeee…)" in \
        of_type(site, pid, ev.ROLLBACK_FAILED)[-1].data["error"]
