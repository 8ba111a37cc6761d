"""The command driver running real commands (``sys.executable -c``, ``sh -c``)."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from app.drivers import DriverError, ReleaseRef, Target
from app.drivers.command import CommandDriver, EnvironmentCommands
from app.drivers.process import pid_alive
from tests.drivers.conftest import MakeRelease

PY = shlex.quote(sys.executable)
TARGETS = [Target(env="eu-prod", name=f"eu-prod-0{i}", driver="command") for i in (1, 2, 3)]
RELEASE = ReleaseRef(
    name="platform",
    version="1.3.0-rc1",
    digest="sha256:" + "ab" * 32,
    components=(),
)
posix_only = pytest.mark.skipif(os.name != "posix", reason="uses sh and process groups")


def driver(**commands: object) -> CommandDriver:
    return CommandDriver({"eu-prod": EnvironmentCommands.from_dict({"status": "echo none", **commands})})


class Log:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.times: list[float] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self.times.append(time.monotonic())


def test_runs_once_per_target_with_output_in_the_log(tmp_path: Path) -> None:
    planted = tmp_path / "pwned"
    release = ReleaseRef(name=f"platform; touch {planted}", version="1.3.0-rc1", digest=RELEASE.digest)
    echo = f"{PY} -c 'import sys; print(\"deploying\", sys.argv[1:])' {{target}} {{release}} {{digest}}"
    command = driver(deploy=echo)
    results = []
    log = Log()
    for target in TARGETS:
        results.append(command.deploy(target, release, log=log))
    assert [r.status for r in results] == ["succeeded"] * 3
    assert [r.exit_code for r in results] == [0, 0, 0]
    outputs = [line for line in log.lines if "deploying" in line and " $ " not in line]
    assert outputs == [
        f"[{t.name}] deploying ['{t.name}', 'platform; touch {planted}', '{RELEASE.digest}']" for t in TARGETS
    ]
    assert log.lines[0].startswith("[eu-prod-01] $ ")
    assert not planted.exists()


def test_runs_once_per_component_when_the_template_names_one(make_release: MakeRelease) -> None:
    release = make_release("1.3.0-rc1")
    command = driver(deploy=f"{PY} -c 'import sys; print(*sys.argv[1:])' {{component}} {{image}}@{{component_digest}} {{artifacts}}")
    log = Log()
    result = command.deploy(TARGETS[0], release, log=log)
    assert result.ok and result.detail.startswith("2 component runs")
    printed = [line for line in log.lines if " registry.local" in line and "$" not in line]
    assert printed == [
        f"[eu-prod-01] api registry.local/platform/api@{'sha256:' + 'a1' * 32} {release.artifacts_dir}",
        f"[eu-prod-01] worker registry.local/platform/worker@{'sha256:' + 'b2' * 32} {release.artifacts_dir}",
    ]


@posix_only
def test_output_is_streamed_while_the_command_runs() -> None:
    command = driver(deploy="sh -c 'echo first; sleep 0.5; echo second >&2'")
    log = Log()
    result = command.deploy(TARGETS[0], RELEASE, log=log)
    assert result.ok
    first = log.times[log.lines.index("[eu-prod-01] first")]
    second = log.times[log.lines.index("[eu-prod-01] stderr: second")]
    assert second - first >= 0.4  # the first line arrived before the command slept


@posix_only
def test_a_failing_command_fails_with_its_exit_status_and_last_error() -> None:
    command = driver(deploy="sh -c 'echo starting; echo \"image pull failed\" >&2; exit 3'")
    log = Log()
    result = command.deploy(TARGETS[1], RELEASE, log=log)
    assert result.status == "failed" and not result.ok and result.exit_code == 3
    assert "exited 3" in result.detail and "image pull failed" in result.detail
    assert "[eu-prod-02] stderr: image pull failed" in log.lines


def test_a_missing_program_fails() -> None:
    result = driver(deploy="no-such-deploy-tool-xyz {target}").deploy(TARGETS[0], RELEASE, log=Log())
    assert result.status == "failed" and result.exit_code is None
    assert "cannot start 'no-such-deploy-tool-xyz'" in result.detail


@posix_only
def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    command = CommandDriver(
        {"eu-prod": EnvironmentCommands.from_dict({
            "deploy": f"sh -c 'sleep 30 & echo $! > {pid_file}; wait'",
            "status": "echo none",
            "timeout_seconds": 0.5,
        })},
        kill_grace_seconds=0.5,
    )
    log = Log()
    started = time.monotonic()
    result = command.deploy(TARGETS[0], RELEASE, log=log)
    assert result.status == "timed-out" and "timed out after 0.5s" in result.detail
    assert time.monotonic() - started < 5
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 3
    while pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(child), "the command's child process survived the timeout"
    assert "[eu-prod-01] timed out after 0.5s; stopping the command" in log.lines


@posix_only
def test_cancel_stops_the_command() -> None:
    command = driver(deploy="sh -c 'echo waiting; sleep 30'")
    log = Log()
    result = command.deploy(TARGETS[0], RELEASE, log=log, should_stop=lambda: bool(log.lines[1:]))
    assert result.status == "cancelled"


def test_rollback_uses_its_template_or_falls_back_to_deploy() -> None:
    say = f"{PY} -c 'import sys; print(*sys.argv[1:])'"
    with_rollback = driver(deploy=f"{say} deploy {{version}}", rollback=f"{say} rollback-to {{version}}")
    log = Log()
    result = with_rollback.rollback(TARGETS[0], RELEASE, log=log)
    assert result.ok and result.action == "rollback"
    assert "[eu-prod-01] rollback-to 1.3.0-rc1" in log.lines
    log = Log()
    driver(deploy=f"{say} deploy {{version}}").rollback(TARGETS[0], RELEASE, log=log)
    assert "[eu-prod-01] deploy 1.3.0-rc1" in log.lines


def test_placeholders_the_release_cannot_fill_are_driver_errors() -> None:
    with pytest.raises(DriverError, match="no artifacts folder"):
        driver(deploy="deploy {artifacts}").deploy(TARGETS[0], RELEASE, log=Log())
    with pytest.raises(DriverError, match="no components"):
        driver(deploy="deploy {image}").deploy(TARGETS[0], RELEASE, log=Log())


def test_an_unconfigured_environment_is_a_driver_error() -> None:
    stage = Target(env="eu-stage", name="s1", driver="command")
    with pytest.raises(DriverError, match="'eu-stage' has no deploy commands"):
        driver(deploy="true").deploy(stage, RELEASE, log=Log())


def test_health_by_exit_status() -> None:
    check = f"{PY} -c 'import sys; sys.exit(0 if sys.argv[1].endswith(\"1\") else 1)' {{target}}"
    command = driver(deploy="true", health=check)
    healthy, unhealthy = command.health(TARGETS[0]), command.health(TARGETS[1])
    assert healthy.healthy and healthy.target == "eu-prod-01"
    assert not unhealthy.healthy and "exited 1" in unhealthy.detail


METRICS = """\
# TYPE http_requests_total counter
http_requests_total{code="200"} 40
# TYPE http_request_errors_total counter
http_request_errors_total 2
"""


@posix_only
def test_health_reads_prometheus_text_from_the_command(tmp_path: Path) -> None:
    (tmp_path / "metrics.txt").write_text(METRICS)
    command = driver(deploy="true", health=f"cat {tmp_path / 'metrics.txt'}", health_output="prometheus")
    sample = command.health(TARGETS[0])
    assert sample.healthy and sample.requests_total == 40 and sample.errors_total == 2


def test_health_output_that_is_not_prometheus_is_unhealthy() -> None:
    command = driver(deploy="true", health=f"{PY} -c 'print(\"all good!\")'", health_output="prometheus")
    sample = command.health(TARGETS[0])
    assert not sample.healthy and "not usable Prometheus text" in sample.detail


def test_no_health_command_says_gates_cannot_run() -> None:
    with pytest.raises(DriverError, match="no health command"):
        driver(deploy="true").health(TARGETS[0])
