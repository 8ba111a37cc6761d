"""Fixtures for driver tests: sample releases and a real 3-target demo fleet."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.drivers import ReleaseRef
from app.drivers.demo_fleet import DemoBehaviour, DemoFleet, DemoFleetDriver, write_demo_artifact
from app.drivers.process import pid_alive

TARGETS = ("eu-prod-01", "eu-prod-02", "eu-prod-03")
COMPONENTS = [
    {"name": "api", "image": "registry.local/platform/api", "digest": "sha256:" + "a1" * 32},
    {"name": "worker", "image": "registry.local/platform/worker", "digest": "sha256:" + "b2" * 32},
]

MakeRelease = Callable[..., ReleaseRef]


@pytest.fixture()
def make_release(tmp_path: Path) -> MakeRelease:
    """A release with demo artifacts for every component; ``error_rate`` on the api."""

    def make(version: str, *, error_rate: float = 0.0, latency_ms: float = 3.0, ready: bool = True) -> ReleaseRef:
        artifacts = tmp_path / "bundles" / version / "artifacts"
        write_demo_artifact(artifacts, "api", DemoBehaviour(version=version, error_rate=error_rate,
                                                            latency_ms=latency_ms, ready=ready))
        write_demo_artifact(artifacts, "worker", DemoBehaviour(version=version, latency_ms=1.0))
        document = {"name": "platform", "version": version, "components": COMPONENTS,
                    "workflow": "canary-10-50-100"}
        return ReleaseRef.from_release_json(document, artifacts_dir=artifacts)

    return make


@pytest.fixture()
def fleet(tmp_path: Path, make_release: MakeRelease) -> Iterator[DemoFleet]:
    """Three real targets on 127.0.0.1 serving platform 1.2.0; all stopped afterwards."""
    demo = DemoFleet(tmp_path / "home", "eu-prod", watch_parent=True)
    demo.start(TARGETS, release=make_release("1.2.0"))
    pids = [m.pid for m in demo.members()]
    try:
        yield demo
    finally:
        demo.stop()
        deadline = time.monotonic() + 5
        while not all(not pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(not pid_alive(pid) for pid in pids), "a demo target outlived its test"


@pytest.fixture()
def driver(fleet: DemoFleet) -> DemoFleetDriver:
    return DemoFleetDriver(fleet, http_timeout=1.0, deploy_timeout=5.0)
