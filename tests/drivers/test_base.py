from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.drivers import Component, DeployDriver, DeployResult, DriverError, ReleaseRef, Target
from app.drivers.command import CommandDriver
from app.drivers.demo_fleet import DemoFleet, DemoFleetDriver
from app.errors import StellaError
from engine.canonical import canonical_bytes, canonical_digest

DOC = {
    "name": "platform",
    "version": "1.3.0-rc1",
    "components": [{"name": "api", "image": "registry.local/platform/api", "digest": "sha256:" + "c" * 64,
                    "sbom": "sbom/api.cdx.json"}],
    "notes": "unknown fields count in the digest",
}


def test_release_digest_is_computed_from_release_json() -> None:
    release = ReleaseRef.from_release_json(DOC)
    assert release.digest == canonical_digest(DOC)
    assert release.components == (Component("api", "registry.local/platform/api", "sha256:" + "c" * 64),)
    assert release.label.startswith("platform 1.3.0-rc1 (sha256:")


def test_release_json_missing_fields_is_a_driver_error() -> None:
    with pytest.raises(DriverError, match="missing a field"):
        ReleaseRef.from_release_json({"name": "platform"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"digest": "sha256:abc"}, "must be sha256"),
        ({"version": ""}, "needs a name and a version"),
        ({"components": (Component("api", "i", "sha256:" + "0" * 64),) * 2}, "component twice"),
    ],
)
def test_invalid_release_refs_cannot_exist(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"name": "p", "version": "1", "digest": "sha256:" + "0" * 64, **kwargs}
    with pytest.raises(DriverError, match=message):
        ReleaseRef(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "../etc", "a/b", "-dash", "x" * 64, "sp ace"])
def test_target_names_are_safe_for_paths(name: str) -> None:
    with pytest.raises(DriverError, match="target name"):
        Target(env="eu-prod", name=name, driver="command")


def test_target_options_are_frozen() -> None:
    options = {"host": "10.0.0.1"}
    target = Target(env="eu-prod", name="eu-prod-01", driver="command", options=options)
    options["host"] = "changed"
    assert target.options["host"] == "10.0.0.1"
    with pytest.raises(TypeError):
        target.options["host"] = "x"  # type: ignore[index]


def test_driver_errors_reach_people_like_other_app_errors() -> None:
    assert issubclass(DriverError, StellaError)
    assert DriverError("target down").message == "target down"


def test_deploy_result_json_is_canonical() -> None:
    at = datetime(2026, 2, 18, 8, 30, tzinfo=UTC)
    result = DeployResult(target="t", env="e", action="deploy", release="platform", version="1",
                          digest="sha256:" + "0" * 64, status="failed", started_at=at, finished_at=at,
                          exit_code=2, detail="exited 2")
    assert not result.ok
    assert b'"status":"failed"' in canonical_bytes(result.to_json())


def test_both_drivers_implement_the_interface(tmp_path: Path) -> None:
    assert isinstance(CommandDriver({}), DeployDriver)
    assert isinstance(DemoFleetDriver(DemoFleet(tmp_path, "eu-prod")), DeployDriver)
