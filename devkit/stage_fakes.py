"""Doubles for watching a canary stage from the GUI: a fake driver whose targets
also report a latency histogram and a slightly varying error rate (so the stage's
charts have a shape), a fake-target environment, and a canary wait the caller
drives one interval at a time on a fixed clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.deploy.drivers import DriverSet
from app.drivers.base import Target
from app.services import promotions
from app.steps.base import StepRegistry
from app.steps.deploy import DeployStep
from app.steps.deploy_start import DeployStartStep
from app.steps.rollback import DriverRollback
from app.steps.verify import VerifyStep
from devkit.deploy import (
    OLD,
    FakeDriver,
    FakeTarget,
    add_demo_release,
    add_environment,
    product_registry,
)
from devkit.factories import who
from engine.canary import HealthSample
from engine.canary.histogram import INF, Histogram

BOUNDS = tuple(b / 1000 for b in range(10, 510, 10)) + (INF,)  # 10ms … 500ms, +Inf
WOBBLE = (0.0, 0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.6, -0.1, 0.3, -0.3, 0.4)


@dataclass
class MeasuredDriver(FakeDriver):
    """Each health call adds 100 requests: 80 fast, 15 at ``latency_ms``, 5 slow, and
    ``error_rate`` errors, both varied by a fixed sequence (deterministic)."""

    latency_ms: float = 40.0
    samples: dict[str, int] = field(default_factory=dict)
    buckets: dict[str, list[float]] = field(default_factory=dict)
    latency_sum: dict[str, float] = field(default_factory=dict)

    def health(self, target: Target) -> HealthSample:
        if self.on_health:
            self.on_health(target.name)
        state = self.targets[target.name]
        number = self.samples.get(target.name, 0)
        self.samples[target.name] = number + 1
        wobble = WOBBLE[(number + len(target.name)) % len(WOBBLE)]
        state.requests += 100
        state.errors += 100 * max(0.0, state.error_rate * (1 + wobble))
        middle = self.latency_ms * (1 + 0.25 * wobble) / 1000
        counts = self.buckets.setdefault(target.name, [0.0] * len(BOUNDS))
        for seconds, how_many in ((middle * 0.5, 80), (middle, 15), (middle * 2.2, 5)):
            for index, bound in enumerate(BOUNDS):
                if seconds <= bound:
                    counts[index] += how_many
            self.latency_sum[target.name] = self.latency_sum.get(target.name, 0.0) + seconds * how_many
        latency = Histogram.from_pairs(list(zip(BOUNDS, counts, strict=True)),
                                       sum=self.latency_sum[target.name], count=counts[-1])
        return HealthSample(target=target.name, scraped_at=self.clock.now(), healthy=state.healthy,
                            version=state.version, digest=state.digest, requests_total=state.requests,
                            errors_total=state.errors, latency=latency, latency_ms_per_unit=1000.0)


class SteppedWait:
    """A canary wait that passes only when the caller lets it: each :meth:`step`
    lets one interval go by on the clock. Stops as soon as the run says stop or
    :meth:`stop` is called, so an executor never hangs a test's teardown."""

    def __init__(self, advance: Callable[[float], object]) -> None:
        self._advance = advance
        self._permits = threading.Semaphore(0)
        self._stopped = threading.Event()

    def step(self, count: int = 1) -> None:
        for _ in range(count):
            self._permits.release()

    def stop(self) -> None:
        self._stopped.set()

    def __call__(self, seconds: float, should_stop: Callable[[], bool]) -> bool:
        while not self._permits.acquire(timeout=0.05):
            if should_stop() or self._stopped.is_set():
                return True
        self._advance(max(seconds, 0.001))
        return should_stop() or self._stopped.is_set()


class StageEnv:
    """``targets`` fake targets in ``env`` (all on :data:`OLD`) and the product's steps
    wired to them; ``wait`` replaces the canary's sleep."""

    def __init__(self, site, env: str, targets: Sequence[str], gate: dict, wait,
                 latency_ms: float = 40.0, error_rate: float = 0.0) -> None:
        self.site = site
        self.env = env
        self.wait = wait
        self.driver = MeasuredDriver(site.clock, {n: FakeTarget(*OLD, error_rate=error_rate)
                                                  for n in targets}, latency_ms=latency_ms)
        add_environment(site, env, targets, "fake", {"gates": {"default": gate}})

    def drivers(self, site, extra_env=None) -> DriverSet:
        return DriverSet(site, extra_env=extra_env, factories={"fake": lambda _set, _env: self.driver})

    def registry(self) -> StepRegistry:
        return product_registry(
            deploy=DeployStep(drivers=self.drivers, wait=self.wait),
            deploy_start=DeployStartStep(drivers=self.drivers),
            post_deploy_verify=VerifyStep(drivers=self.drivers),
            rollback=DriverRollback(drivers=self.drivers))

    def versions(self) -> dict[str, str]:
        return {name: t.version for name, t in self.driver.targets.items()}


def start(env: StageEnv) -> str:
    """A promotion of platform 1.3.0-rc1 (artifacts not needed by fake targets) into
    ``env``'s environment, requested by alice."""
    add_demo_release(env.site, "1.3.0-rc1", artifacts=False)
    return promotions.create_promotion(env.site, "platform@1.3.0-rc1", env.env, who(env.site, "alice"))
