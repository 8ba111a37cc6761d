"""Every driver observes what a target runs, asked of the target itself; a target that
cannot be asked raises rather than reading as "nothing" or "unchanged"."""

from __future__ import annotations

import os

import pytest

from app.drivers.base import DriverError, Target
from app.drivers.command import CommandDriver, EnvironmentCommands, parse_status
from app.drivers.demo_fleet import DemoFleet, DemoFleetDriver

DIGEST = "sha256:" + "ab" * 32
TARGET = Target(env="eu-prod", name="web-01", driver="command")


@pytest.mark.parametrize(("text", "expected"), [
    (f"{DIGEST}\n", (None, DIGEST, None)),
    (f"{DIGEST} 1.3.0 platform\n", ("1.3.0", DIGEST, "platform")),
    ("none\n", (None, None, None)),
    (f'{{"digest": "{DIGEST}", "version": "1.3.0", "release": "platform"}}', ("1.3.0", DIGEST, "platform")),
])
def test_status_output_forms(text: str, expected: tuple) -> None:
    seen = parse_status("web-01", text)
    assert (seen.version, seen.digest, seen.release) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("", "must print 'sha256:<digest> [version [release]]' or 'none'"),
    ("1.3.0\n", "must print"),
    ("sha256:abc 1.3.0\n", "not a sha256:<64 hex> digest"),
    ('{"digest": 5}', "must be text"),
    ("{not json", "unreadable JSON"),
])
def test_unusable_status_output_is_an_error(text: str, why: str) -> None:
    with pytest.raises(DriverError, match="web-01"):
        try:
            parse_status("web-01", text)
        except DriverError as err:
            assert why in err.message
            raise


def command_driver(status: str) -> CommandDriver:
    return CommandDriver({"eu-prod": EnvironmentCommands.from_dict({"deploy": "true", "status": status})})


@pytest.mark.skipif(os.name != "posix", reason="POSIX shell commands")
def test_the_command_driver_runs_the_status_command_per_target() -> None:
    seen = command_driver(f"sh -c 'echo {DIGEST} 1.3.0-$1' sh {{target}}").observe(TARGET)
    assert (seen.target, seen.version, seen.digest) == ("web-01", "1.3.0-web-01", DIGEST)
    with pytest.raises(DriverError, match="web-01: the status command exited 3"):
        command_driver("sh -c 'exit 3'").observe(TARGET)


def test_the_demo_fleet_answers_from_version(fleet: DemoFleet, driver: DemoFleetDriver) -> None:
    first = fleet.targets()[0]
    seen = driver.observe(first)
    assert (seen.target, seen.release, seen.version) == (first.name, "platform", "1.2.0")
    assert seen.digest is not None and seen.digest.startswith("sha256:")
    fleet.kill(first.name)
    with pytest.raises(DriverError, match="did not answer"):
        driver.observe(first)
