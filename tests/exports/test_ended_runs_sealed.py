"""Every ended run is sealed, not only a completed one: a rolled-back run's proof chain
covers its deployments, the measurements that breached, the rollback with its reason
and ticket, and its auditor bundle verifies offline."""

from __future__ import annotations

import json

from app.cli.main import main
from app.executor import Executor
from app.services import actions, evidence, promotions
from devkit.deploy import FakeEnv
from engine.crypto import dsse
from tests.support.deploy import add_demo_release
from tests.support.factories import passphrase_of, who


def _predicate(site, item) -> dict:
    return json.loads(dsse.Envelope.from_bytes(evidence.envelope_bytes(site, item.id)).payload)["predicate"]


def _breaching_run(site) -> tuple[FakeEnv, str]:
    env = FakeEnv(site)
    env.driver.targets["t01"].error_rate = 0.5  # the canary breaches its 1% error budget
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "fake-prod", who(site, "alice"))
    Executor(site, pid, env.registry()).run()
    return env, pid


def test_an_automatically_rolled_back_run_is_sealed_and_its_auditor_bundle_verifies(
        trusted_site, tmp_path, capsys, monkeypatch):
    site = trusted_site
    monkeypatch.setenv("STELLA_PASSPHRASE", passphrase_of("audrey"))
    env, pid = _breaching_run(site)
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back" and state.step("seal-evidence").status == "succeeded"
    assert env.versions()["t01"] == "1.2.0"

    items = evidence.list_evidence(site, pid)
    names = [i.name for i in items]
    assert names[-1] == "proof-chain" and "rollback" in names
    rollback = _predicate(site, items[names.index("rollback")])
    assert rollback["automatic"] is True and rollback["reason"].startswith("error rate")
    assert rollback["trigger"]["stage"] == "deploy-10"
    assert rollback["trigger"]["measurements"]["targets"][0]["target"] == "t01"
    sealed = _predicate(site, items[-1])
    assert [e["digest"] for e in sealed["evidence"]] == [i.digest for i in items[:-1]]

    home = str(site.paths.home)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export", "auditor", pid, "--to", str(out), "--as", "audrey", "--home", home,
                 "--json"]) == 0
    archive = out / json.loads(capsys.readouterr().out)["archive"]["name"]
    assert main(["verify", str(archive), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["failing"] == []


def test_a_manual_rollback_keeps_its_reason_and_ticket_in_the_seal(trusted_site):
    site = trusted_site
    env = FakeEnv(site)
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "fake-prod", who(site, "alice"))
    Executor(site, pid, env.registry()).run()  # deploy-10 waits for Continue
    actions.act(site, pid, "rollback", who(site, "olga"), "customer reports 502s", scope="full",
                data={"ticket": "INC-4711"})
    Executor(site, pid, env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert (state.status, state.step("seal-evidence").status) == ("rolled-back", "succeeded")
    items = evidence.list_evidence(site, pid)
    rollback = _predicate(site, next(i for i in items if i.name == "rollback"))
    assert (rollback["reason"], rollback["ticket"], rollback["requestedBy"]) == (
        "customer reports 502s", "INC-4711", "olga")
    assert state.step("deploy-10").rollback["ticket"] == "INC-4711"


def test_a_cancelled_run_is_sealed_even_without_evidence(trusted_site):
    site = trusted_site
    env = FakeEnv(site)
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "fake-prod", who(site, "alice"))
    actions.act(site, pid, "cancel", who(site, "olga"), "wrong release")
    Executor(site, pid, env.registry()).run()
    _, state = promotions.load_run(site, pid)
    assert (state.status, state.step("seal-evidence").status) == ("cancelled", "succeeded")
    assert [i.name for i in evidence.list_evidence(site, pid)] == ["proof-chain"]
    Executor(site, pid, env.registry()).run()  # sealed once
    assert [i.name for i in evidence.list_evidence(site, pid)] == ["proof-chain"]
