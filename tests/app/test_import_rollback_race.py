"""Anti-rollback holds between two imports of the same bundle name: the version is
checked again inside the write transaction, so an older bundle whose slow verification
started first is never committed after a newer one."""

from __future__ import annotations

import pytest

from app.services import bundles, trust
from engine.clock import FixedClock
from tests.bundles.helpers import NOW, ROOT, bundle_bytes, predicate, release_files
from tests.support.factories import make_site


@pytest.fixture
def site(tmp_path):
    site = make_site(tmp_path / "home", clock=FixedClock(NOW))
    trust.install_first(site, ROOT.envelope.to_bytes(), "alice", confirmed=True)
    yield site
    site.close()


def _bundle(tmp_path, version: int):
    path = tmp_path / f"app-v{version}.tar"
    path.write_bytes(bundle_bytes(release_files(name="race-app", version=f"0.{version}.0"),
                                  predicate(name="race-app", version=version)))
    return path


def _versions(site) -> list[int]:
    return sorted(r.version for r in bundles.list_bundles(site) if r.name == "race-app")


def test_v3_verified_before_v5_committed_is_not_committed_after_it(site, tmp_path, monkeypatch):
    """The interleaving is forced: v3 finishes verifying (last version: none), then v5 is
    imported completely, then v3 reaches its write transaction."""
    v3, v5 = _bundle(tmp_path, 3), _bundle(tmp_path, 5)
    real_verify = bundles.verify
    order: list[str] = []

    def verify_then_let_v5_in(site_, path, **kwargs):
        verified = real_verify(site_, path, **kwargs)
        if path == v3 and not order:
            order.append("v3 verified")
            bundles.import_bundle(site_, v5, "alice")
            order.append("v5 committed")
        return verified

    monkeypatch.setattr(bundles, "verify", verify_then_let_v5_in)
    with pytest.raises(bundles.ImportRejected, match="not newer than version 5") as info:
        bundles.import_bundle(site, v3, "alice")
    assert order == ["v3 verified", "v5 committed"]
    assert info.value.rule == "version"
    assert _versions(site) == [5]
    assert not any(site.paths.staging.iterdir())
    store = site.paths.store / "bundles"
    assert len(list(store.iterdir())) == 1  # only v5's files


def test_an_override_decided_against_an_older_last_version_does_not_hold(site, tmp_path,
                                                                          monkeypatch):
    """An operator accepted v3 over v4 with a reason; v5 landing meanwhile voids it."""
    bundles.import_bundle(site, _bundle(tmp_path, 4), "alice")
    v3, v5 = _bundle(tmp_path, 3), _bundle(tmp_path, 5)
    real_verify = bundles.verify

    def verify_then_let_v5_in(site_, path, **kwargs):
        verified = real_verify(site_, path, **kwargs)
        if path == v3:
            bundles.import_bundle(site_, v5, "alice")
        return verified

    monkeypatch.setattr(bundles, "verify", verify_then_let_v5_in)
    with pytest.raises(bundles.ImportRejected, match="not newer than version 5"):
        bundles.import_bundle(site, v3, "alice", allow_older_reason="re-issued hotfix")
    assert _versions(site) == [4, 5]


def test_an_override_still_works_when_nothing_changed_meanwhile(site, tmp_path):
    bundles.import_bundle(site, _bundle(tmp_path, 4), "alice")
    result = bundles.import_bundle(site, _bundle(tmp_path, 3), "alice",
                                   allow_older_reason="re-issued hotfix")
    assert result.bundle.override is not None
    assert _versions(site) == [3, 4]
