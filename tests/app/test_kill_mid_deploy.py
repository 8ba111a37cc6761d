"""The incident behind "reconcile, don't assume": the executor is killed while a command
driver's deploy runs; the command finishes anyway and switches the target. The run must
still know, and ``stella rollback --scope full`` must end with every target back on the
previous release — not "no target changes recorded" and a target left on the new one."""

from __future__ import annotations

import os
import signal

import pytest

from app.cli.main import main
from app.context import Site
from app.services import promotions
from app.site import SiteConfig
from engine.run import events as ev
from tests.app.test_crash_recovery import Events
from tests.support.command_fleet import OLD_DIGEST, CommandFleet
from tests.support.deploy import add_demo_release, product_registry
from tests.support.factories import passphrase_of, who
from tests.support.fork_runner import ForkRunner

SQLITE_ONLY = "kills at moments read from the SQLite file (tests/app/test_crash_recovery.py)"
pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL, fork and POSIX shell commands")


def stella(home: str, *argv: str) -> int:
    return main([*argv, "--home", home], registry=product_registry())


def test_a_deploy_that_lands_after_its_executor_died_is_rolled_back(site, tmp_path, monkeypatch, capsys):
    site = Site.open(SiteConfig.resolve(home=site.paths.home))
    try:
        fleet = CommandFleet(site, "cmd-prod", ("c1", "c2"), tmp_path / "fleet", monkeypatch,
                             deploy_seconds=1.0)
        new = add_demo_release(site, "1.3.0-rc1", artifacts=False)
        pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "cmd-prod", who(site, "alice"))
        home = str(site.paths.home)
        seen = Events(site)
        runner = ForkRunner()
        try:
            child = runner.start("--home", home, "run", pid)
            while not (ev.TARGET_DEPLOY_STARTED in seen.types(pid) and fleet.busy() == ["c1"]):
                assert runner.ended(child, 0.005) is None, "the run ended before its first deployment"
            os.kill(child, signal.SIGKILL)  # while c1's deploy command runs
            assert runner.wait(child) == -signal.SIGKILL
        finally:
            runner.close()
        fleet.wait_idle()
        assert fleet.digests() == {"c1": new, "c2": OLD_DIGEST}  # the command finished anyway

        assert stella(home, "run", pid) == 0  # recovery: the stage was interrupted
        events, state = promotions.load_run(site, pid)
        assert state.status == "interrupted" and state.current_step == "deploy-10"
        observed = [e.data for e in events if e.type == ev.TARGET_OBSERVED]
        assert [(o["target"], o["digest"]) for o in observed] == [("c1", new)]
        capsys.readouterr()
        assert stella(home, "rollback", pid, "--scope", "full", "--preview") == 0
        preview = capsys.readouterr().out
        assert "c1: 1.3.0-rc1 → 1.2.0" in preview and "no target changes recorded" not in preview

        monkeypatch.setenv("STELLA_PASSPHRASE", passphrase_of("olga"))
        assert stella(home, "rollback", pid, "--scope", "full", "--reason", "executor died mid-deploy",
                      "--ticket", "INC-1138", "--as", "olga") == 0
        assert stella(home, "run", pid) == 0
        _, state = promotions.load_run(site, pid)
        assert state.status == "rolled-back" and state.step("seal-evidence").status == "succeeded"
        assert fleet.digests() == {"c1": OLD_DIGEST, "c2": OLD_DIGEST}  # every target back
        assert state.step("deploy-10").rollback["ticket"] == "INC-1138"
    finally:
        site.close()
