"""Where a release's deployable artifacts are in the site store.

An imported release bundle is unpacked to ``store/bundles/<bundle digest hex>/``,
its members at their paths, so the artifacts are ``…/<hex>/artifacts/``. A release
registered without a bundle (hand-registered, tests) may have its artifacts at
``store/unbundled/<release digest hex>/artifacts/``: put them there to deploy it.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.context import Site
from app.drivers.base import DriverError, ReleaseRef
from app.errors import NotFound
from models import deploy_store

BUNDLES = "bundles"
UNBUNDLED = "unbundled"
ARTIFACTS = "artifacts"


def _hex(digest: str) -> str:
    return digest.removeprefix("sha256:")


def unbundled_dir(site: Site, release_digest: str) -> Path:
    """Artifacts folder of a release registered without a bundle."""
    return site.paths.store / UNBUNDLED / _hex(release_digest) / ARTIFACTS


def artifacts_dir(site: Site, release_digest: str) -> Path:
    """The folder holding ``artifacts/…`` of the release (it may not exist)."""
    with site.db.read() as session:
        row = deploy_store.stored_release(session, release_digest)
    if row is None:
        raise NotFound(f"no release {release_digest} has been imported")
    bundle = row.bundle_digest
    if bundle:  # imported on another workstation: filled from the site database
        from app.services.shared_content import local_bundle

        return local_bundle(site, bundle, site.paths.store / BUNDLES / _hex(bundle),
                            release_digest=release_digest) / ARTIFACTS
    return unbundled_dir(site, release_digest)


def release_ref(site: Site, release_digest: str) -> ReleaseRef:
    """The release as drivers take it: components and, when present, its artifacts."""
    with site.db.read() as session:
        row = deploy_store.stored_release(session, release_digest)
    if row is None:
        raise NotFound(f"no release {release_digest} has been imported")
    manifest = json.loads(row.manifest)
    folder = artifacts_dir(site, release_digest)
    ref = ReleaseRef.from_release_json(manifest, artifacts_dir=folder if folder.is_dir() else None)
    if ref.digest != release_digest:
        raise DriverError(f"the stored manifest of {release_digest} does not hash to its digest")
    return ref


def release_ref_or_minimal(site: Site, name: str, version: str, digest: str) -> ReleaseRef:
    """The full release when the site knows it, else just its identity (enough for a
    driver that still has it installed, as demo targets keep old releases)."""
    try:
        return release_ref(site, digest)
    except NotFound:
        return ReleaseRef(name=name, version=version, digest=digest)
