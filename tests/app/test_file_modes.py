"""Private by default: the site home and what it holds are the owner's alone, whatever
the umask (tested under the common 022)."""

from __future__ import annotations

import os
import stat

import pytest

from app.context import Site
from app.services import bundles, trust
from engine.clock import FixedClock
from tests.bundles.helpers import NOW, ROOT, bundle_bytes, predicate, release_files
from tests.support.factories import make_site

SQLITE_ONLY = "modes of the SQLite database file in the home"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_site_is_private_under_umask_022(tmp_path, umask_022):
    site = make_site(tmp_path / "home", clock=FixedClock(NOW))
    try:
        paths = site.paths
        for folder in (paths.home, paths.keys, paths.store, paths.staging, paths.run_dir):
            assert mode(folder) == 0o700, folder
        db = paths.db_file
        assert mode(db) == 0o600
        with site.db.write() as session:  # a live connection keeps -wal and -shm
            session.connection().exec_driver_sql("SELECT 1")
            for extra in ("-wal", "-shm"):
                sidecar = db.with_name(db.name + extra)
                assert sidecar.exists() and mode(sidecar) == 0o600, sidecar
        for key in paths.keys.rglob("*"):
            assert mode(key) == (0o700 if key.is_dir() else 0o600), key
    finally:
        site.close()


def test_import_staging_is_private_under_umask_022(tmp_path, umask_022, monkeypatch):
    site = make_site(tmp_path / "home", clock=FixedClock(NOW))
    trust.install_first(site, ROOT.envelope.to_bytes(), "alice", confirmed=True)
    seen: list[int] = []
    real_verify = bundles.verify

    def verify(site_, path, **kwargs):
        seen.append(mode(kwargs["staging"]))
        return real_verify(site_, path, **kwargs)

    monkeypatch.setattr(bundles, "verify", verify)
    path = tmp_path / "b.tar"
    path.write_bytes(bundle_bytes(release_files(name="m", version="1.0.0"),
                                  predicate(name="m", version=1)))
    result = bundles.import_bundle(site, path, "alice")
    assert seen == [0o700]
    assert mode(result.store_path) == 0o700
    site.close()


def test_opening_an_older_site_tightens_what_was_left_open(tmp_path, umask_022):
    site = make_site(tmp_path / "home", clock=FixedClock(NOW))
    config = site.config
    site.close()
    os.chmod(config.paths.home, 0o755)
    os.chmod(config.paths.store, 0o755)
    os.chmod(config.paths.db_file, 0o644)
    reopened = Site.open(config)
    try:
        assert mode(config.paths.home) == 0o700 and mode(config.paths.store) == 0o700
        assert mode(config.paths.db_file) == 0o600
    finally:
        reopened.close()
