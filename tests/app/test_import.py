"""Importing through the site: every malicious or broken bundle is refused by its
own rule and leaves the database and the store exactly as they were."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from app.services import bundles, trust
from app.services.releases import list_releases
from engine.clock import FixedClock
from tests.bundles import test_rejections as rejections
from tests.bundles.helpers import NOW, ROOT, bundle_bytes, predicate, release_files
from tests.support.factories import make_site

SITE_CASES = [name for name, case in rejections.CASES.items() if not case.verify]


def _state(site) -> tuple[list[str], dict[str, str]]:
    """The database's logical content and every file of the store, by hash."""
    db = sqlite3.connect(site.paths.db_file)
    try:
        dump = list(db.iterdump())
    finally:
        db.close()
    files = {str(p.relative_to(site.paths.home)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(site.paths.store.rglob("*")) if p.is_file()}
    return dump, files


@pytest.fixture(scope="module")
def import_site(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("import") / "home", clock=FixedClock(NOW))
    trust.install_first(site, ROOT.envelope.to_bytes(), "alice", confirmed=True)
    good = tmp_path_factory.mktemp("good") / "good.tar"
    # a different (kind, name) than the malicious cases use, so their version is new here
    good.write_bytes(bundle_bytes(release_files(name="seed-app", version="0.1.0"),
                                  predicate(name="seed-app", version=1)))
    bundles.import_bundle(site, good, "alice")
    yield site
    site.close()


def test_a_good_bundle_is_committed_to_store_and_database(import_site):
    releases = list_releases(import_site)
    assert [(r.name, r.version) for r in releases] == [("seed-app", "0.1.0")]
    [row] = bundles.list_bundles(import_site)
    folder = bundles.store_path(import_site, row.manifest_digest)
    assert (folder / "release.json").is_file()
    assert not any(import_site.paths.staging.iterdir())


@pytest.mark.parametrize("case_id", SITE_CASES)
def test_rejected_import_changes_nothing(import_site, case_id, tmp_path):
    case = rejections.CASES[case_id]
    path = tmp_path / "incoming.tar"
    path.write_bytes(case.make())
    before = _state(import_site)
    with pytest.raises(bundles.ImportRejected) as info:
        bundles.import_bundle(import_site, path, "alice")
    assert info.value.rule == case.error.rule
    assert case.error.rule in {c.rule for c in info.value.report.checks if not c.passed}
    assert _state(import_site) == before
    assert not any(import_site.paths.staging.iterdir())


def test_replayed_bundle_is_refused_and_the_override_is_recorded(import_site, tmp_path):
    path = tmp_path / "again.tar"
    path.write_bytes(bundle_bytes(release_files(name="seed-app", version="0.1.1"),
                                  predicate(name="seed-app", version=1)))
    with pytest.raises(bundles.ImportRejected, match="older|not newer|increase"):
        bundles.import_bundle(import_site, path, "alice")
    result = bundles.import_bundle(import_site, path, "alice",
                                   allow_older_reason="hotfix re-issued with the same sequence")
    assert result.bundle.override is not None
    row = next(r for r in bundles.list_bundles(import_site) if r.label.endswith("0.1.1"))
    assert row.override_reason == "hotfix re-issued with the same sequence"


def test_an_auditor_cannot_import(import_site, tmp_path):
    from app.errors import Rejected

    path = tmp_path / "x.tar"
    path.write_bytes(b"irrelevant")
    with pytest.raises(Rejected, match="auditor"):
        bundles.import_bundle(import_site, path, "audrey")
