"""Bundle content on a site shared by workstations (PostgreSQL): a release imported on
workstation A is used by the executor on B (the gate reads its SBOMs, the deploy finds
its artifacts) and exported from C, each filling its own store folder from the site
database; an object altered in the database is refused, not used."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import update

from app.cli.main import main
from app.context import Site
from app.demo import layout
from app.deploy.artifacts import artifacts_dir
from app.errors import Rejected
from app.executor import Executor
from app.services import bundles, promotions, trust
from app.services.releases import find_release
from app.site import SiteConfig
from models.content_objects import BundleMember, ContentObject
from tests.support import exporting, postgres
from tests.support.factories import who
from tests.support.gate_data import gate_registry

SAMPLE_BUNDLES = layout.SAMPLES / "bundles"

pytestmark = pytest.mark.skipif(postgres.server_url() is None,
                                reason="bundle content is shared through a PostgreSQL site "
                                       "database; a SQLite site has one machine")


def _workstation(site: Site, name: str) -> Site:
    home = site.paths.home.parent / name
    shutil.copytree(site.paths.keys, home / "keys")
    (home / "database.url").write_text(site.config.db_url + "\n", encoding="utf-8")
    return Site.open(SiteConfig.resolve(home=home, clock=site.clock))


def _import_release(site: Site) -> tuple[str, str]:
    trust.install_first(site, (layout.SAMPLES / "trust-root-v1.dsse.json").read_bytes(), "alice",
                        confirmed=True)
    for name in ("policy-default.tar.gz", "feed-osv-2026-02-18.tar.zst"):
        bundles.import_bundle(site, SAMPLE_BUNDLES / name, "alice")
    imported = bundles.import_bundle(site, SAMPLE_BUNDLES / "release-platform-1.3.0-rc1.tar.gz",
                                     "alice")
    with site.db.read() as session:
        digest = find_release(session, "platform@1.3.0-rc1").digest
    return digest, imported.bundle.manifest_digest


def test_an_import_on_a_is_run_on_b_and_exported_from_c(site, tmp_path, capsys) -> None:
    release, bundle = _import_release(site)
    folder = bundle.split(":", 1)[1]
    b, c = _workstation(site, "workstation-b"), _workstation(site, "workstation-c")
    try:
        assert not (b.paths.store / "bundles" / folder).exists()
        pid = promotions.create_promotion(b, release, "eu-stage", who(b, "alice"))
        Executor(b, pid, gate_registry()).run()
        assert promotions.load_run(b, pid)[1].status == "completed"
        assert (b.paths.store / "bundles" / folder).is_dir()  # filled from the database
        assert any(artifacts_dir(b, release).iterdir())
        for name in (p.relative_to(site.paths.store / "bundles" / folder)
                     for p in (site.paths.store / "bundles" / folder).rglob("*") if p.is_file()):
            assert (b.paths.store / "bundles" / folder / name).read_bytes() == \
                (site.paths.store / "bundles" / folder / name).read_bytes()

        out = tmp_path / "out"
        out.mkdir()
        outcome = exporting.export(c, pid, "auditor", out, who(c, "audrey"))
        assert (c.paths.store / "bundles" / folder).is_dir()
        capsys.readouterr()
        assert main(["verify", str(out / outcome.files.archive.name)]) == 0, capsys.readouterr()
    finally:
        b.close()
        c.close()


def test_an_object_altered_in_the_database_is_refused(site) -> None:
    release, bundle = _import_release(site)
    with site.db.write() as session:
        digest = session.scalars(BundleMember.__table__.select()
                                 .with_only_columns(BundleMember.sha256)
                                 .where(BundleMember.manifest_digest == bundle)).first()
        session.execute(update(ContentObject).where(ContentObject.sha256 == digest)
                        .values(data=b"not what was imported"))
    d = _workstation(site, "workstation-d")
    try:
        with pytest.raises(Rejected, match="altered"):
            artifacts_dir(d, release)
        assert not (d.paths.store / "bundles" / bundle.split(":", 1)[1]).exists()
        assert not list((d.paths.store / "bundles").glob(".*partial"))
    finally:
        d.close()
