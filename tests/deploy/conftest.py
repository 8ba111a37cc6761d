"""Fixtures for deployment runs: a fake-driver environment on a fixed clock, and a real
demo fleet (processes on 127.0.0.1) on the system clock, always stopped afterwards."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.context import Site
from app.drivers.demo_fleet import DemoFleet, DemoLoadGenerator
from app.drivers.process import pid_alive
from app.site import SiteConfig
from devkit.deploy import FakeEnv, demo_ref
from engine.clock import FixedClock, SystemClock
from tests.support.factories import START, make_site
from tests.support.postgres import copy_home

DEMO_TARGETS = ("eu-demo-01", "eu-demo-02", "eu-demo-03")
DEMO_GATE = {"window_seconds": 1.0, "interval_seconds": 0.2, "max_gap_seconds": 2.0,
             "inconclusive_limit": 2}


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
