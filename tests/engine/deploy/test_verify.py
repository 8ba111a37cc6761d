"""The post-deploy verdict from what the targets reported."""

from __future__ import annotations

from engine.deploy.verify import FAILED, SUCCEEDED, WARNED, Component, Reading, verdict

NEW = "sha256:" + "b" * 64
OLD = "sha256:" + "a" * 64
API = Component("api", "registry/api", "sha256:" + "c" * 64)


def reading(name: str, *, healthy: bool = True, digest: str | None = NEW,
            observed: bool = True, loaded: tuple = ({"name": "api", "digest": API.digest},),
            version: str | None = "1.3.0") -> Reading:
    return Reading(name, "demo-fleet", healthy, None if healthy else "503 from /health",
                   version, digest, observed, loaded if observed else ())


def test_every_target_healthy_on_the_release_with_its_components():
    result = verdict([reading("t1"), reading("t2")], [API], "1.3.0", NEW)
    assert result.status == SUCCEEDED and result.problems == [] and result.notes == []
    assert result.components[0]["loadedOn"] == ["t1", "t2"] and result.on_release == ["t1", "t2"]


def test_an_unhealthy_target_or_one_on_another_release_fails():
    result = verdict([reading("t1", healthy=False), reading("t2", digest=OLD, version="1.2.0")],
                     [API], "1.3.0", NEW)
    assert result.status == FAILED
    assert result.problems == ["t1 unhealthy (503 from /health)", "t2 runs 1.2.0, not 1.3.0"]
    assert result.on_release == ["t1"]


def test_an_unconfirmed_release_or_a_component_not_seen_warns():
    result = verdict([reading("t1", digest=None, observed=False), reading("t2", loaded=())],
                     [API], "1.3.0", NEW)
    assert result.status == WARNED
    assert result.notes == [
        "cannot confirm the release on t1 (the driver reports no version)",
        "components not observed loaded: api on t2"]
    assert result.not_observed == ["t1"]
