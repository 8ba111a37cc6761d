"""Deploy settings per environment, stage shares, artifacts location, driver choice."""

from __future__ import annotations

import pytest

from app.deploy import artifacts, targets
from app.deploy.config import DEFAULT_GATE, DeployConfig, DeployConfigError
from app.deploy.drivers import DriverSet
from app.deploy.settings import deploy_config, set_deploy_config
from app.drivers.base import DriverError, Target
from app.errors import NotFound, Rejected
from tests.support.deploy import add_demo_release
from tests.support.factories import admin, who


def test_the_default_gate_is_the_seed_policy():
    gate = DeployConfig.from_json({}).gate_for("deploy-10")
    assert gate == DEFAULT_GATE
    assert gate.summary == "proceed if 95% healthy for 5m, error rate < 1%"
    assert gate.interval_seconds == 10.0 and gate.required_measurements == 30


def test_gates_merge_default_then_stage_and_accept_operator_units():
    config = DeployConfig.from_json({"gates": {
        "default": {"window_seconds": "2m", "interval_seconds": "5s"},
        "deploy-100": {"min_healthy_fraction": "99%", "max_p95_ms": "250ms", "window_seconds": "10m"}}})
    assert config.gate_for("deploy-10").summary == "proceed if 95% healthy for 2m, error rate < 1%"
    hundred = config.gate_for("deploy-100")
    assert hundred.summary == "proceed if 99% healthy for 10m, error rate < 1%, p95 < 250ms"
    assert hundred.interval_seconds == 5.0


def test_the_demo_window_shortens_every_stage():
    config = DeployConfig.from_json({"DEMO_ONLY_window_seconds": 2})
    gate = config.gate_for("deploy-50")
    assert (gate.window_seconds, gate.interval_seconds) == (2.0, 0.4)
    assert gate.min_healthy_fraction == 0.95 and gate.max_error_rate == 0.01


@pytest.mark.parametrize(("settings", "field", "why"), [
    ({"colour": "red"}, "colour", "unknown"),
    ({"gates": {"deploy-x": {}}}, "gates.deploy-x", "stages are 'default' or 'deploy-<percent>'"),
    ({"gates": {"default": {"window_seconds": "1s"}}}, "gates.default", "at least one interval"),
    ({"gates": {"default": {"max_error_rate": "lots"}}}, "gates.default", "write a percentage"),
    ({"auto_continue": "yes"}, "auto_continue", "true or false"),
    ({"commands": {"deploy": "ssh {host}", "status": "st {target}"}}, "commands.deploy", "unknown placeholder {host}"),
    ({"DEMO_ONLY_window_seconds": 0}, "DEMO_ONLY_window_seconds", "positive"),
])
def test_bad_settings_name_the_field(settings, field, why):
    with pytest.raises(DeployConfigError) as refused:
        DeployConfig.from_json(settings)
    assert refused.value.field == field and why in refused.value.message


def test_settings_are_stored_per_environment_by_admins_only(site):
    set_deploy_config(site, "eu-stage", {"auto_continue": True}, admin(site))
    assert deploy_config(site, "eu-stage").auto_continue is True
    assert deploy_config(site, "eu-prod").auto_continue is False
    for name, role in (("audrey", "auditor"), ("olga", "operator")):
        with pytest.raises(Rejected, match=f"{name} is '{role}': .* only by an admin"):
            set_deploy_config(site, "eu-stage", {}, who(site, name))
    assert deploy_config(site, "eu-stage").auto_continue is True
    with pytest.raises(NotFound, match="no environment named nowhere"):
        deploy_config(site, "nowhere")


@pytest.mark.parametrize(("total", "shares"), [
    (1, (1, 1, 1)), (3, (1, 2, 3)), (10, (1, 5, 10)), (11, (2, 6, 11)), (20, (2, 10, 20))])
def test_stage_shares_round_up_and_accumulate(total, shares):
    fleet = [Target(env="e", name=f"t{i:02d}", driver="command") for i in range(total, 0, -1)]
    picked = [targets.stage_targets(fleet, pct) for pct in (10, 50, 100)]
    assert tuple(len(p) for p in picked) == shares
    assert picked[0] == picked[1][:len(picked[0])] and picked[1] == picked[2][:len(picked[1])]
    assert picked[2][0].name == "t01"


def test_artifacts_of_unbundled_and_bundled_releases(site):
    digest = add_demo_release(site, "1.3.0-rc1")
    folder = artifacts.artifacts_dir(site, digest)
    assert folder == site.paths.store / "unbundled" / digest.removeprefix("sha256:") / "artifacts"
    assert (folder / "api" / "app.json").is_file()
    ref = artifacts.release_ref(site, digest)
    assert ref.digest == digest and ref.artifacts_dir == folder
    assert [c.name for c in ref.components] == ["api", "worker"]
    from models.tables import Release

    with site.db.write() as session:
        row = session.query(Release).filter_by(digest=digest).one()
        row.bundle_digest = "sha256:" + "ee" * 32
    assert artifacts.artifacts_dir(site, digest) == site.paths.store / "bundles" / ("ee" * 32) / "artifacts"
    assert artifacts.release_ref(site, digest).artifacts_dir is None  # not unpacked there (yet)
    with pytest.raises(NotFound):
        artifacts.artifacts_dir(site, "sha256:" + "00" * 32)


def test_driver_kinds_and_their_refusals(site):
    drivers = DriverSet(site)
    with pytest.raises(DriverError, match="driver 'winrm', which this build does not have"):
        drivers.driver(Target(env="eu-stage", name="x", driver="winrm"))
    with pytest.raises(DriverError, match="has SSH targets but no deploy commands configured"):
        drivers.driver(Target(env="eu-stage", name="x", driver="ssh"))
    with pytest.raises(DriverError, match="has command targets but no deploy commands configured"):
        drivers.driver(Target(env="eu-stage", name="x", driver="command"))
    sample = drivers.health(Target(env="eu-stage", name="x", driver="command"))
    assert not sample.healthy and "no deploy commands configured" in sample.detail
    sample = drivers.health(Target(env="eu-stage", name="x", driver="demo-fleet"))
    assert not sample.healthy and "no demo target 'x'" in sample.detail
