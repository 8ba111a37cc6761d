"""Bundle content on a site shared by workstations (PostgreSQL): a release imported on
workstation A is used by the executor on B (the gate reads its SBOMs, the deploy finds
its artifacts) and exported from C, each filling its own store folder from the site
database; an object altered in the database is refused, not used."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil

import pytest
from sqlalchemy import delete, select, update

import airgap_bundles as ab
from app.cli.main import main
from app.context import Site
from app.demo import layout
from app.deploy.artifacts import artifacts_dir
from app.errors import Rejected
from app.executor import Executor
from app.services import bundles, promotions, shared_content, trust
from app.services.releases import find_release
from app.site import SiteConfig
from models import content_objects
from models.content_objects import BundleMember, ContentObject
from models.tables import Release as ReleaseRow
from tests.bundles import helpers
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


def _import_release(site: Site, *, trust_root: bool = True) -> tuple[str, str]:
    if trust_root:
        trust.install_first(site, (layout.SAMPLES / "trust-root-v1.dsse.json").read_bytes(),
                            "alice", confirmed=True)
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


# -- the signed manifest is checked again on the filling workstation --------------------
def _fill_refused(site: Site, release: str, bundle: str, match: str) -> None:
    d = _workstation(site, "workstation-d")
    try:
        with pytest.raises(Rejected, match=match):
            artifacts_dir(d, release)
        assert not (d.paths.store / "bundles" / bundle.split(":", 1)[1]).exists()
        assert not list((d.paths.store / "bundles").glob(".*partial"))
    finally:
        d.close()


def _a_member(site: Site, bundle: str) -> tuple[str, str]:
    with site.db.read() as session:
        return session.execute(select(BundleMember.path, BundleMember.sha256).where(
            BundleMember.manifest_digest == bundle, BundleMember.path.like("artifacts/%"))
            .order_by(BundleMember.path)).first()


def test_a_member_row_and_its_object_replaced_together_are_refused(site) -> None:
    release, bundle = _import_release(site)
    path, _ = _a_member(site, bundle)
    forged = b"#!/bin/sh\necho not the signed artifact\n"
    with site.db.write() as session:
        session.add(ContentObject(sha256=hashlib.sha256(forged).hexdigest(), size=len(forged),
                                  data=forged))
        session.execute(update(BundleMember).where(BundleMember.manifest_digest == bundle,
                                                   BundleMember.path == path)
                        .values(sha256=hashlib.sha256(forged).hexdigest()))
    _fill_refused(site, release, bundle, f"signed manifest.*{path}.*does not have the digest")


def test_a_member_row_added_is_refused(site) -> None:
    release, bundle = _import_release(site)
    _, digest = _a_member(site, bundle)
    with site.db.write() as session:
        session.add(BundleMember(manifest_digest=bundle, path="artifacts/extra.sh", sha256=digest))
    _fill_refused(site, release, bundle, "signed manifest.*'artifacts/extra.sh' is not listed")


def test_an_altered_envelope_is_refused(site) -> None:
    release, bundle = _import_release(site)
    with site.db.write() as session:
        session.execute(update(ContentObject)
                        .where(ContentObject.sha256 == bundle.split(":", 1)[1])
                        .values(data=b'{"payloadType": "x"}'))
    _fill_refused(site, release, bundle, "signed manifest.*altered")


def test_a_re_signed_looking_envelope_under_a_new_digest_is_refused(site) -> None:
    """The release row pointed at rows of a forged manifest listing a replaced artifact:
    its signatures no longer verify."""
    release, bundle = _import_release(site)
    path, _ = _a_member(site, bundle)
    forged_file = b"#!/bin/sh\necho forged\n"
    forged_sha = hashlib.sha256(forged_file).hexdigest()
    with site.db.write() as session:
        envelope = json.loads(bytes(session.scalar(select(ContentObject.data).where(
            ContentObject.sha256 == bundle.split(":", 1)[1]))))
        statement = json.loads(base64.b64decode(envelope["payload"]))
        for subject in statement["subject"]:
            if subject["name"] == path:
                subject["digest"] = {"sha256": forged_sha}
        envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
        forged_envelope = json.dumps(envelope).encode()
        forged_bundle = "sha256:" + hashlib.sha256(forged_envelope).hexdigest()
        rows = session.execute(select(BundleMember.path, BundleMember.sha256)
                               .where(BundleMember.manifest_digest == bundle)).all()
        for member_path, sha in rows:
            sha = (forged_bundle.split(":", 1)[1] if member_path == "manifest.dsse.json"
                   else forged_sha if member_path == path else sha)
            session.add(BundleMember(manifest_digest=forged_bundle, path=member_path, sha256=sha))
        for data in (forged_file, forged_envelope):
            session.add(ContentObject(sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                      data=data))
        session.execute(update(ReleaseRow).where(ReleaseRow.digest == release)
                        .values(bundle_digest=forged_bundle))
    _fill_refused(site, release, forged_bundle, "signed manifest.*no signature verifies.*rule signature-invalid")


def test_a_release_pointed_at_another_signed_bundle_is_refused(site) -> None:
    trust.install_first(site, (layout.SAMPLES / "trust-root-v1.dsse.json").read_bytes(), "alice",
                        confirmed=True)
    older = bundles.import_bundle(site, SAMPLE_BUNDLES / "release-platform-1.2.4.tar.gz", "alice")
    release, bundle = _import_release(site, trust_root=False)
    with site.db.write() as session:
        session.execute(update(ReleaseRow).where(ReleaseRow.digest == release)
                        .values(bundle_digest=older.bundle.manifest_digest))
    _fill_refused(site, release, older.bundle.manifest_digest,
                  f"signed manifest.*holds release sha256:.*not the release {release}")


def test_a_bundle_without_its_envelope_in_the_database_is_refused(site) -> None:
    release, bundle = _import_release(site)
    with site.db.write() as session:
        session.execute(delete(BundleMember).where(BundleMember.manifest_digest == bundle,
                                                   BundleMember.path == "manifest.dsse.json"))
        session.execute(delete(ContentObject)
                        .where(ContentObject.sha256 == bundle.split(":", 1)[1]))
    _fill_refused(site, release, bundle, "signed manifest .*is not in the site database.*"
                                         "workstation that imported")


def test_a_bundle_signed_under_an_earlier_installed_root_is_still_filled(site, tmp_path) -> None:
    """After a rotation that drops the release key, a bundle that key signed (and the site
    imported) stays usable on other workstations: every installed root is accepted."""
    trust.install_first(site, helpers.root_envelope(1, ("root1", "root2"), ("root1", "root2"))
                        .to_bytes(), "alice", confirmed=True)
    archive = helpers.write(tmp_path, helpers.bundle_bytes(helpers.release_files()))
    bundle = bundles.import_bundle(site, archive, "alice").bundle.manifest_digest
    trust.update(site, helpers.root_envelope(2, ("root1", "root2"), ("root1", "root2"),
                                             release=("release2",)).to_bytes(), "alice")
    with site.db.read() as session:
        release = find_release(session, "platform@1.0.0").digest
        envelope = bytes(session.scalar(select(ContentObject.data).where(
            ContentObject.sha256 == bundle.split(":", 1)[1])))
    with pytest.raises(ab.BundleRejected):  # the root in force alone would refuse it
        ab.verify_manifest(bytearray(envelope), trust.in_force(site).root)
    d = _workstation(site, "workstation-d")
    try:
        assert (artifacts_dir(d, release) / "api" / "app.json").read_bytes() == b'{"v":1}\n'
    finally:
        d.close()


def test_an_upload_takes_the_envelope_and_refuses_one_that_is_not_the_manifest(site,
                                                                               tmp_path) -> None:
    _, bundle = _import_release(site)
    store = tmp_path / "store"
    shutil.copytree(site.paths.store / "bundles", store / "bundles")
    envelope = store / "bundles" / bundle.split(":", 1)[1] / "manifest.dsse.json"
    with site.db.write() as session:  # as on a fresh target database
        session.execute(delete(BundleMember).where(BundleMember.manifest_digest == bundle))
        assert shared_content.upload_store(session, store, {bundle: "release"}) > 1
        assert (bundle.split(":", 1)[1]) in dict(content_objects.members(session, bundle)).values()
    envelope.write_bytes(envelope.read_bytes() + b"\n")
    with pytest.raises(Rejected, match="cannot be uploaded: manifest.dsse.json"), \
            site.db.write() as session:
        session.execute(delete(BundleMember).where(BundleMember.manifest_digest == bundle))
        shared_content.upload_store(session, store, {bundle: "release"})
