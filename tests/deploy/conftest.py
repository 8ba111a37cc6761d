"""Fixtures for deployment runs: a fake-driver environment on a fixed clock, and a real
demo fleet (processes on 127.0.0.1) on the system clock, always stopped afterwards."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.context import Site
from app.deploy.drivers import DriverSet
from app.drivers.demo_fleet import DemoFleet, DemoLoadGenerator
from app.drivers.process import pid_alive
from app.site import SiteConfig
from app.steps.deploy import DeployStep
from app.steps.deploy_start import DeployStartStep
from app.steps.rollback import DriverRollback
from app.steps.verify import VerifyStep
from engine.clock import FixedClock, SystemClock
from tests.support.deploy import (
    FakeDriver,
    FakeTarget,
    add_environment,
    advancing_wait,
    demo_ref,
    product_registry,
)
from tests.support.factories import START, make_site
from tests.support.postgres import copy_home

OLD = ("1.2.0", "sha256:" + "c3" * 32)
FAKE_TARGETS = tuple(f"t{i:02d}" for i in range(1, 11))
FAKE_GATE = {"window_seconds": "10s", "interval_seconds": "1s"}
DEMO_TARGETS = ("eu-demo-01", "eu-demo-02", "eu-demo-03")
DEMO_GATE = {"window_seconds": 1.0, "interval_seconds": 0.2, "max_gap_seconds": 2.0,
             "inconclusive_limit": 2}


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


@pytest.fixture(scope="session")
def _site_template(tmp_path_factory) -> Path:
    """One site built by the real set-up services; each test gets its own copy."""
    home = tmp_path_factory.mktemp("deploy-site-template") / "home"
    make_site(home).close()
    return home


def _copy(template: Path, home: Path, clock) -> Site:
    copy_home(template, home)
    return Site.open(SiteConfig.resolve(home=home, clock=clock))


@pytest.fixture
def site(_site_template: Path, tmp_path: Path):
    """A fresh site per test on a fixed clock (a copy of the template: migrations and
    key generation once per session)."""
    opened = _copy(_site_template, tmp_path / "home", FixedClock(START))
    yield opened
    opened.close()


@pytest.fixture
def fake_env(site) -> FakeEnv:
    return FakeEnv(site)


@pytest.fixture
def live_site(_site_template: Path, tmp_path: Path):
    """A site on the system clock: real sleeps, real measurement windows."""
    opened = _copy(_site_template, tmp_path / "home", SystemClock())
    yield opened
    opened.close()


@pytest.fixture
def demo_fleet(live_site, tmp_path: Path) -> Iterator[DemoFleet]:
    """Three real demo targets serving platform 1.2.0, with steady load; stopped afterwards."""
    if os.name != "posix":
        pytest.skip("the demo fleet tests signal processes")
    fleet = DemoFleet(live_site.paths.home, "eu-demo", watch_parent=True)
    fleet.start(DEMO_TARGETS, release=demo_ref(tmp_path, "1.2.0"))
    pids = [m.pid for m in fleet.members()]
    load = DemoLoadGenerator(fleet, rate_per_target=40.0, timeout=1.0).start()
    try:
        yield fleet
    finally:
        load.stop()
        pids = {*pids, *(m.pid for m in fleet.members())}  # restarted targets too
        fleet.stop()
        deadline = time.monotonic() + 5
        while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(pid_alive(p) for p in pids), "a demo target outlived its test"
