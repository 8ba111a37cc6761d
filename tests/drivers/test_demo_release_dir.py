"""Release folders and the target's behaviour, in-process (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.drivers import DriverError, ReleaseRef
from app.drivers.demo_fleet import DemoArtifactError, DemoBehaviour
from app.drivers.demo_fleet.artifact import combined
from app.drivers.demo_fleet.release_dir import CURRENT, activate, install_release, read_current
from app.drivers.demo_fleet.target import TargetState
from engine.canary import Exposition
from tests.drivers.conftest import MakeRelease


def test_install_and_activate_switch_what_is_read(tmp_path: Path, make_release: MakeRelease) -> None:
    root = tmp_path / "target"
    assert read_current(root) is None
    good, bad = make_release("1.3.0-rc1"), make_release("1.3.0-rc1-bad", error_rate=0.2)
    for release in (good, bad):
        folder = install_release(root, release)
        assert folder == root / "releases" / release.digest_hex
    activate(root, good)
    assert read_current(root).version == "1.3.0-rc1"  # type: ignore[union-attr]
    activate(root, bad)
    current = read_current(root)
    assert current is not None and current.digest == bad.digest
    # api fails 20%, worker never: in series, 20%; latencies add up.
    assert current.behaviour.error_rate == pytest.approx(0.2)
    assert current.behaviour.latency_ms == pytest.approx(4.0)
    assert json.loads((root / CURRENT).read_text())["release_dir"] == f"releases/{bad.digest_hex}"


def test_install_is_idempotent_and_rollback_needs_no_artifacts(tmp_path: Path, make_release: MakeRelease) -> None:
    root = tmp_path / "target"
    release = make_release("1.2.0")
    first = install_release(root, release)
    mtime = (first / "release.json").stat().st_mtime_ns
    assert install_release(root, release) == first
    assert (first / "release.json").stat().st_mtime_ns == mtime
    without_artifacts = ReleaseRef(release.name, release.version, release.digest, release.components)
    activate(root, without_artifacts)
    assert read_current(root).version == "1.2.0"  # type: ignore[union-attr]


def test_activating_a_release_that_is_not_installed_is_refused(tmp_path: Path, make_release: MakeRelease) -> None:
    with pytest.raises(DriverError, match="not installed"):
        activate(tmp_path, make_release("9.9.9"))


def test_a_release_without_demo_artifacts_cannot_be_installed(tmp_path: Path, make_release: MakeRelease) -> None:
    release = make_release("1.3.0")
    assert release.artifacts_dir is not None
    (release.artifacts_dir / "worker" / "app.json").unlink()
    with pytest.raises(DemoArtifactError, match="no demo artifact for component 'worker'"):
        install_release(tmp_path / "target", release)
    assert not (tmp_path / "target" / "releases" / release.digest_hex).exists()


def test_a_pointer_outside_the_releases_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / CURRENT).write_text(json.dumps({"digest": "sha256:" + "0" * 64, "release_dir": "../../etc"}))
    with pytest.raises(DemoArtifactError, match="points outside"):
        read_current(tmp_path)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"version": "1", "error_rate": 1.5}', "between 0 and 1"),
        ('{"version": "1", "latency_ms": -1}', "between 0 and"),
        ('{"version": "1", "error_rate": "high"}', "must be a number"),
        ('{"version": "1", "ready": "yes"}', "true or false"),
        ('{"error_rate": 0}', "needs a version"),
        ("[1, 2]", "JSON object"),
        ("{", "not JSON"),
    ],
)
def test_bad_demo_artifacts_are_refused(document: str, message: str) -> None:
    with pytest.raises(DemoArtifactError, match=message):
        DemoBehaviour.from_json(document)


def test_combined_behaviour_of_components_in_series() -> None:
    together = combined([DemoBehaviour("1", error_rate=0.1, latency_ms=10),
                         DemoBehaviour("1", error_rate=0.5, latency_ms=5, ready=False)])
    assert together.error_rate == pytest.approx(1 - 0.9 * 0.5)
    assert together.latency_ms == 15 and not together.ready


def _codes(root: Path, name: str, seed: int, n: int = 200) -> list[int]:
    state = TargetState(root, name, seed)
    state.refresh()
    return [state.plan_work()[0] for _ in range(n)]


def test_injected_errors_are_reproducible_per_target(tmp_path: Path, make_release: MakeRelease) -> None:
    root = tmp_path / "target"
    bad = make_release("1.3.0-rc1-bad", error_rate=0.2)
    install_release(root, bad)
    activate(root, bad)
    first = _codes(root, "eu-prod-01", seed=7)
    assert first == _codes(root, "eu-prod-01", seed=7)
    assert first != _codes(root, "eu-prod-02", seed=7)
    assert 0.1 < first.count(500) / len(first) < 0.3


def test_target_metrics_parse_strictly(tmp_path: Path, make_release: MakeRelease) -> None:
    root = tmp_path / "target"
    release = make_release("1.3.0-rc1")
    install_release(root, release)
    activate(root, release)
    state = TargetState(root, "eu-prod-01", 1)
    state.refresh()
    for code, seconds in [(200, 0.004), (200, 0.03), (500, 0.2)]:
        state.observe(code, seconds)
    exposition = Exposition.parse(state.metrics_text())
    assert exposition.value_sum("http_requests_total") == 3
    assert exposition.value_sum("http_requests_total", {"code": "500"}) == 1
    assert exposition.value_sum("http_request_errors_total") == 1
    histogram = exposition.histogram("http_request_duration_seconds")
    assert histogram is not None and histogram.count == 3
    assert dict(histogram.buckets)[0.005] == 1 and dict(histogram.buckets)[0.25] == 3
    info = exposition.family("demo_release_info")
    assert info is not None and info.samples[0].label("version") == "1.3.0-rc1"


def test_a_target_with_nothing_deployed_is_not_ready(tmp_path: Path) -> None:
    state = TargetState(tmp_path, "eu-prod-01", 1)
    state.refresh()
    assert state.ready() == (False, "no release deployed")
    assert state.plan_work() == (503, 0.0)
