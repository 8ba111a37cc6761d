"""Helpers for deployment tests: releases with demo artifacts in the site store, a
fake driver for runs without processes, and a registry of the product's steps
(with a stand-in only for steps this build does not ship yet)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.context import Site
from app.deploy.artifacts import unbundled_dir
from app.deploy.drivers import DriverSet
from app.deploy.settings import set_deploy_config
from app.drivers.base import DeployResult, DriverError, Observed, ReleaseRef, Target
from app.drivers.demo_fleet import DemoBehaviour, write_demo_artifact
from app.services.releases import register_release
from app.steps.base import StepRegistry
from app.steps.defaults import default_registry
from app.steps.deploy import DeployStep
from app.steps.deploy_start import DeployStartStep
from app.steps.rollback import DriverRollback
from app.steps.verify import VerifyStep
from devkit import factories
from devkit.doubles import InstantStep
from engine.canary import HealthSample
from engine.canonical import canonical_digest
from engine.clock import FixedClock

COMPONENTS = [
    {"name": "api", "image": "registry.local/platform/api", "digest": "sha256:" + "a1" * 32},
    {"name": "worker", "image": "registry.local/platform/worker", "digest": "sha256:" + "b2" * 32},
]


def release_manifest(version: str, inputs: Sequence[str] = (), name: str = "platform") -> dict:
    return {"name": name, "version": version, "workflow": "canary-10-50-100",
            "components": COMPONENTS, "inputs": list(inputs)}


def add_demo_release(site: Site, version: str, *, error_rate: float = 0.0, latency_ms: float = 2.0,
                     inputs: Sequence[str] = (), artifacts: bool = True) -> str:
    """Register ``platform <version>`` with demo artifacts where an unbundled release
    keeps them (``store/unbundled/<digest>/artifacts``); returns its digest."""
    manifest = release_manifest(version, inputs)
    digest = canonical_digest(manifest)
    if artifacts:
        folder = unbundled_dir(site, digest)
        write_demo_artifact(folder, "api", DemoBehaviour(version=version, error_rate=error_rate,
                                                         latency_ms=latency_ms))
        write_demo_artifact(folder, "worker", DemoBehaviour(version=version, latency_ms=1.0))
    with site.db.write() as session:
        release = register_release(session, json.dumps(manifest).encode(), None, site.clock.now())
    assert release.digest == digest
    return digest


def demo_ref(tmp_dir, version: str) -> ReleaseRef:
    """A release the fleet starts on, not registered at the site (as after an earlier
    deployment by other means)."""
    folder = tmp_dir / f"outside-{version}" / "artifacts"
    write_demo_artifact(folder, "api", DemoBehaviour(version=version, latency_ms=2.0))
    write_demo_artifact(folder, "worker", DemoBehaviour(version=version, latency_ms=1.0))
    return ReleaseRef.from_release_json(release_manifest(version), artifacts_dir=folder)


def add_environment(site: Site, name: str, targets: Iterable[str], driver: str,
                    settings: dict | None = None, approvals: int = 0) -> None:
    """An environment with targets and deploy settings, each an admin-signed roster change."""
    factories.add_environment(site, name, approvals_required=approvals)
    for target in targets:
        factories.add_target(site, name, target, driver)  # a test-only kind: DriverSet(factories=…)
    if settings is not None:
        set_deploy_config(site, name, settings, factories.admin(site))


def product_registry(**overrides) -> StepRegistry:
    """The product's steps, with a passing stand-in for gate-eval: these runs are about
    deploying, and a real verdict needs an imported policy and feed snapshot (the gate
    has its own tests). ``gate_eval=…`` puts another one in."""
    registry = default_registry()
    registry.register("gate-eval", InstantStep("PASS (stand-in gate)"))
    for step, handler in overrides.items():
        if step == "rollback":
            registry.rollback_handler = handler
        else:
            registry.register(step.replace("_", "-"), handler)
    return registry


@dataclass
class FakeTarget:
    version: str
    digest: str
    healthy: bool = True
    requests: float = 0.0
    errors: float = 0.0
    error_rate: float = 0.0


@dataclass
class FakeDriver:
    """Targets in memory: deploy switches the version, every health call adds 100
    requests with ``error_rate`` errors. ``on_health`` runs before each sample (tests
    use it to act on the run mid-measurement)."""

    clock: FixedClock
    targets: dict[str, FakeTarget]
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    fail_deploy: set[str] = field(default_factory=set)
    unobservable: set[str] = field(default_factory=set)
    on_health: Callable[[str], None] | None = None

    def deploy(self, target: Target, release: ReleaseRef, *, log, should_stop=lambda: False) -> DeployResult:
        return self._switch("deploy", target, release, log)

    def rollback(self, target: Target, to_release: ReleaseRef, *, log, should_stop=lambda: False) -> DeployResult:
        return self._switch("rollback", target, to_release, log)

    def _switch(self, action, target, release, log) -> DeployResult:
        state = self.targets[target.name]
        self.calls.append((action, target.name, release.version))
        before = (state.version, state.digest)
        now: datetime = self.clock.now()
        if target.name in self.fail_deploy and action == "deploy":
            log(f"[{target.name}] deploy failed on purpose")
            return DeployResult(target.name, target.env, action, release.name, release.version,
                                release.digest, "failed", now, now, "exited 3", 3, *before)
        state.version, state.digest = release.version, release.digest
        log(f"[{target.name}] {action} {release.version} (was {before[0]})")
        return DeployResult(target.name, target.env, action, release.name, release.version,
                            release.digest, "succeeded", now, now, "ok", 0, *before)

    def observe(self, target: Target) -> Observed:
        if target.name in self.unobservable:
            raise DriverError(f"{target.name}: did not answer (on purpose)")
        state = self.targets[target.name]
        return Observed(target.name, state.version, state.digest)

    def health(self, target: Target) -> HealthSample:
        if self.on_health:
            self.on_health(target.name)
        state = self.targets[target.name]
        state.requests += 100
        state.errors += 100 * state.error_rate
        return HealthSample(target=target.name, scraped_at=self.clock.now(), healthy=state.healthy,
                            version=state.version, digest=state.digest, requests_total=state.requests,
                            errors_total=state.errors)


def advancing_wait(clock: FixedClock) -> Callable[[float, Callable[[], bool]], bool]:
    """A canary wait that moves the fixed clock instead of sleeping."""

    def wait(seconds: float, should_stop: Callable[[], bool]) -> bool:
        if should_stop():
            return True
        clock.advance(max(seconds, 0.001))
        return should_stop()

    return wait


OLD = ("1.2.0", "sha256:" + "c3" * 32)
FAKE_TARGETS = tuple(f"t{i:02d}" for i in range(1, 11))
FAKE_GATE = {"window_seconds": "10s", "interval_seconds": "1s"}


class FakeEnv:
    """Ten fake targets in ``fake-prod`` and the product's steps wired to them."""

    def __init__(self, site, auto_continue: bool = False) -> None:
        self.site = site
        self.clock = site.clock
        self.driver = FakeDriver(self.clock, {n: FakeTarget(*OLD) for n in FAKE_TARGETS})
        add_environment(site, "fake-prod", FAKE_TARGETS, "fake",
                        {"gates": {"default": FAKE_GATE}, "auto_continue": auto_continue})

    def drivers(self, site, extra_env=None) -> DriverSet:
        return DriverSet(site, extra_env=extra_env, factories={"fake": lambda _set, _env: self.driver})

    def registry(self):
        return product_registry(
            deploy=DeployStep(drivers=self.drivers, wait=advancing_wait(self.clock)),
            deploy_start=DeployStartStep(drivers=self.drivers),
            post_deploy_verify=VerifyStep(drivers=self.drivers),
            rollback=DriverRollback(drivers=self.drivers))

    def versions(self) -> dict[str, str]:
        return {name: t.version for name, t in self.driver.targets.items()}


ERROR_RATE = ('sum(rate(http_request_errors_total{stella_target=~"{targets}"}[4s])) / '
              'sum(rate(http_requests_total{stella_target=~"{targets}"}[4s]))')
P95 = ('histogram_quantile(0.95, sum by (le) '
       '(rate(http_request_duration_seconds_bucket{stella_target=~"{targets}"}[4s])))')


def prometheus_settings(address: str, *, window: float, on_error: str = "pause") -> dict:
    """Deploy settings whose canary asks the Prometheus at ``address`` for error rate and p95."""
    return {"gates": {"default": {"window_seconds": window, "interval_seconds": 1.0,
                                  "max_gap_seconds": 5.0, "inconclusive_limit": 2}},
            "auto_continue": False,
            "metrics": {"provider": "prometheus", "address": address, "timeout_seconds": 2,
                        "consecutive_error_limit": 2, "on_error": on_error,
                        "queries": [{"name": "error-rate", "query": ERROR_RATE, "success": "< 0.05"},
                                    {"name": "p95-latency", "query": P95, "success": "< 0.5"}]}}
