"""The SSH host driver against a real sshd on 127.0.0.1: the environment's commands run
on the hosts (they change a version file), the host key is pinned per target, the
client key comes from the site's secrets folder. Skipped, saying why, only where
openssh-server cannot be installed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from app.cli.main import main
from app.deploy.drivers import DriverSet
from app.drivers.base import DriverError, ReleaseRef, Target
from app.drivers.command import EnvironmentCommands
from app.drivers.ssh import SshDriver
from app.drivers.ssh_keys import HostKeyRefused
from app.executor import Executor
from app.services import promotions
from app.services.logs import step_logs
from engine.canonical import canonical_digest
from engine.run import events as ev
from tests.support import factories
from tests.support.deploy import (
    add_demo_release,
    add_environment,
    product_registry,
    release_manifest,
)
from tests.support.factories import passphrase_of, who
from tests.support.fork_runner import ForkRunner
from tests.support.sshd_server import SshServer

HOSTS = ("web-01", "web-02")
KEY_REF = "file:ssh-deploy-key"


@pytest.fixture
def sshd(tmp_path) -> Iterator[SshServer]:
    server = SshServer(tmp_path / "sshd")
    with server:
        yield server
    assert server.proc is not None and server.proc.poll() is not None, "sshd outlived its test"


def commands(server: SshServer) -> dict:
    return {"deploy": f"{server.install} {{target}} {{digest}} {{version}} {{release}}",
            "status": f"{server.status} {{target}}", "health": "true", "timeout_seconds": 20}


def target(server: SshServer, name: str, host_key: str | None = None) -> Target:
    return Target("hosts", name, "ssh", {"host": "127.0.0.1", "port": str(server.port), "user": server.user,
                                         "host_key": host_key or server.known_hosts_line,
                                         "client_key": KEY_REF})


def driver(server: SshServer) -> SshDriver:
    return SshDriver({"hosts": EnvironmentCommands.from_dict(commands(server))},
                     resolve_secret=lambda ref: server.client_private if ref == KEY_REF else "")


def test_deploy_observe_and_rollback_of_two_hosts(sshd):
    ssh = driver(sshd)
    old = ReleaseRef.from_release_json(release_manifest("1.2.0"))
    new = ReleaseRef.from_release_json(release_manifest("1.3.0"))
    lines: list[str] = []
    for name in HOSTS:
        assert ssh.observe(target(sshd, name)).digest is None  # nothing installed yet
        assert ssh.deploy(target(sshd, name), old, log=lines.append).ok
        result = ssh.deploy(target(sshd, name), new, log=lines.append)
        assert result.ok and result.exit_code == 0, result.detail
        seen = ssh.observe(target(sshd, name))
        assert (seen.version, seen.digest, seen.release) == ("1.3.0", new.digest, "platform")
    assert [sshd.version_of(n) for n in HOSTS] == ["1.3.0", "1.3.0"]
    assert "[web-01] installing platform 1.3.0 on web-01" in lines  # streamed, line by line
    for name in HOSTS:
        assert ssh.rollback(target(sshd, name), old, log=lines.append).ok
        assert ssh.observe(target(sshd, name)).version == "1.2.0"
    assert [sshd.version_of(n) for n in HOSTS] == ["1.2.0", "1.2.0"]


def test_a_changed_host_key_is_refused_with_its_fingerprint(sshd):
    pinned = sshd.known_hosts_line
    sshd.new_host_key()
    sshd.restart()
    ssh = driver(sshd)
    new = ReleaseRef.from_release_json(release_manifest("1.3.0"))
    with pytest.raises(HostKeyRefused) as refused:
        ssh.deploy(target(sshd, "web-01", host_key=pinned), new, log=lambda _line: None)
    import paramiko
    presented = paramiko.PKey.from_type_string(sshd.host_public.split()[0],
                                               __import__("base64").b64decode(sshd.host_public.split()[1]))
    assert refused.value.fingerprint == presented.fingerprint
    assert presented.fingerprint in refused.value.message and "refused" in refused.value.message
    assert sshd.version_of("web-01") is None  # nothing ran
    with pytest.raises(DriverError, match="host_key must be a known_hosts entry"):
        ssh.observe(target(sshd, "web-01", host_key="not a key"))


def test_a_failing_command_and_a_refused_client_key(sshd):
    ssh = SshDriver({"hosts": EnvironmentCommands.from_dict({**commands(sshd), "deploy": "false"})},
                    resolve_secret=lambda _ref: sshd.client_private)
    new = ReleaseRef.from_release_json(release_manifest("1.3.0"))
    result = ssh.deploy(target(sshd, "web-01"), new, log=lambda _line: None)
    assert result.status == "failed" and result.exit_code == 1
    from tests.support.sshd_server import keypair
    stranger = SshDriver({"hosts": EnvironmentCommands.from_dict(commands(sshd))},
                         resolve_secret=lambda _ref: keypair()[0])
    with pytest.raises(DriverError, match="refused the client key"):
        stranger.observe(target(sshd, "web-01"))


def test_a_promotion_deploys_to_two_ssh_hosts_and_rolls_back(live_site, sshd):
    site = live_site
    secrets = site.paths.home / "secrets"
    secrets.mkdir(mode=0o700, exist_ok=True)
    secrets.chmod(0o700)
    key = secrets / "ssh-deploy-key"
    key.write_text(sshd.client_private)
    key.chmod(0o600)
    add_environment(site, "hosts", (), "ssh",
                    {"gates": {"default": {"window_seconds": 0.6, "interval_seconds": 0.2, "max_gap_seconds": 10.0,
                                           "max_error_rate": None}},
                     "auto_continue": True, "commands": commands(sshd)})
    for name in HOSTS:
        factories.add_target(site, "hosts", name, "ssh", dict(target(sshd, name).options))
    add_demo_release(site, "1.3.0", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0", "hosts", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    events, state = promotions.load_run(site, pid)
    assert state.status == "completed", [(s.name, s.status, s.error) for s in state.steps]
    assert [sshd.version_of(n) for n in HOSTS] == ["1.3.0", "1.3.0"]
    drivers = DriverSet(site)
    observed = [drivers.driver(t).observe(t) for t in (target(sshd, n) for n in HOSTS)]
    assert [o.version for o in observed] == ["1.3.0", "1.3.0"]
    logs = [line for _, _, _, line in step_logs(site, pid, "deploy-100")]
    assert any("installing platform 1.3.0 on web-02" in line for line in logs)
    assert not any("PRIVATE KEY" in line for line in logs)
    assert any(e.type == ev.TARGET_DEPLOY_STARTED for e in events)


def prepare_site(site, sshd: SshServer) -> None:
    secrets = site.paths.home / "secrets"
    secrets.mkdir(mode=0o700, exist_ok=True)
    secrets.chmod(0o700)
    key = secrets / "ssh-deploy-key"
    key.write_text(sshd.client_private)
    key.chmod(0o600)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and fork")
def test_an_executor_killed_mid_deploy_is_reconciled_by_observing_the_hosts(
        live_site, sshd, monkeypatch, capsys):
    site = live_site
    prepare_site(site, sshd)
    old = canonical_digest(release_manifest("1.2.0"))
    for name in HOSTS:
        sshd.set_installed(name, old, "1.2.0")
    (sshd.root / "slow").write_text("1.5")
    add_environment(site, "hosts", (), "ssh", {"gates": {"default": {
        "window_seconds": 0.6, "interval_seconds": 0.2, "max_gap_seconds": 10.0, "max_error_rate": None}}, "commands": commands(sshd)})
    for name in HOSTS:
        factories.add_target(site, "hosts", name, "ssh", dict(target(sshd, name).options))
    new = add_demo_release(site, "1.3.0", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0", "hosts", who(site, "alice"))
    home = str(site.paths.home)
    runner = ForkRunner()
    try:
        child = runner.start("--home", home, "run", pid)
        deadline = time.monotonic() + 30
        while not sshd.busy("web-01"):
            assert runner.ended(child, 0.01) is None, "the run ended before its first deployment"
            assert time.monotonic() < deadline, "the deployment never started on web-01"
        os.kill(child, signal.SIGKILL)  # while web-01's install runs over SSH
        assert runner.wait(child) == -signal.SIGKILL
    finally:
        runner.close()
    deadline = time.monotonic() + 10
    while sshd.busy("web-01") and time.monotonic() < deadline:
        time.sleep(0.05)
    landed = sshd.version_of("web-01")  # the install may finish without anyone listening
    assert landed in ("1.2.0", "1.3.0") and sshd.version_of("web-02") == "1.2.0"

    assert main(["--home", home, "run", pid], registry=product_registry()) == 0  # recovery
    events, state = promotions.load_run(site, pid)
    assert state.status == "interrupted" and state.current_step == "deploy-10"
    observed = [e.data for e in events if e.type == ev.TARGET_OBSERVED]
    assert [(o["target"], o["digest"]) for o in observed] == [
        ("web-01", new if landed == "1.3.0" else old)]  # asked of the host, over SSH
    if landed == "1.3.0":
        capsys.readouterr()
        assert main(["--home", home, "rollback", pid, "--scope", "full", "--preview"],
                    registry=product_registry()) == 0
        assert "web-01: 1.3.0 → 1.2.0" in capsys.readouterr().out
        monkeypatch.setenv("STELLA_PASSPHRASE", passphrase_of("olga"))
        assert main(["--home", home, "rollback", pid, "--scope", "full", "--reason", "executor died",
                     "--as", "olga"], registry=product_registry()) == 0
        assert main(["--home", home, "run", pid], registry=product_registry()) == 0
        _, state = promotions.load_run(site, pid)
        assert state.status == "rolled-back"
        assert [sshd.version_of(n) for n in HOSTS] == ["1.2.0", "1.2.0"]
