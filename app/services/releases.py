"""Releases known to the site, found by ``NAME@VERSION`` or by digest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import NotFound, Rejected, UsageError
from engine.canonical import canonical_bytes, sha256_digest
from engine.clock import rfc3339
from models.tables import Release


def find_release(session: Session, ref: str) -> Release:
    if ref.startswith("sha256:"):
        release = session.scalar(select(Release).where(Release.digest == ref))
    elif "@" in ref:
        name, version = ref.split("@", 1)
        release = session.scalar(select(Release).where(Release.name == name,
                                                       Release.version == version))
    else:
        raise UsageError(f"release {ref!r}: give NAME@VERSION or sha256:<digest>")
    if release is None:
        raise NotFound(f"no release {ref} has been imported")
    return release


def register_release(session: Session, release_json: bytes, bundle_digest: str | None,
                     imported_at) -> Release:
    """Record a verified release manifest inside the caller's (import) transaction."""
    try:
        manifest = json.loads(release_json)
        name, version = manifest["name"], manifest["version"]
    except (ValueError, KeyError, TypeError):
        raise Rejected("release.json must be a JSON object with name and version") from None
    canonical = canonical_bytes(manifest)
    digest = sha256_digest(canonical)
    existing = session.scalar(select(Release).where(Release.digest == digest))
    if existing is not None:
        return existing
    clash = session.scalar(select(Release).where(Release.name == name, Release.version == version))
    if clash is not None:
        raise Rejected(f"release {name}@{version} already exists with a different digest {clash.digest}")
    release = Release(digest=digest, name=str(name), version=str(version), manifest=canonical,
                      bundle_digest=bundle_digest, imported_at=imported_at)
    session.add(release)
    session.flush()
    return release


def list_releases(site: Site) -> list[Release]:
    with site.db.read() as session:
        return list(session.scalars(select(Release).order_by(Release.name, Release.imported_at)))


@dataclass(frozen=True)
class ReleaseManifest:
    """A release's stored ``release.json`` (RFC 8785 bytes) and whether they still hash
    to the digest the site knows the release by."""

    name: str
    version: str
    digest: str
    bundle_digest: str | None
    imported_at: str
    manifest: dict[str, Any]
    canonical: bytes

    @property
    def intact(self) -> bool:
        return sha256_digest(self.canonical) == self.digest


def release_manifest(site: Site, digest: str) -> ReleaseManifest:
    with site.db.read() as session:
        row = session.scalar(select(Release).where(Release.digest == digest))
        if row is None:
            raise NotFound(f"no release {digest} has been imported")
        canonical = bytes(row.manifest)
        return ReleaseManifest(row.name, row.version, row.digest, row.bundle_digest,
                               rfc3339(row.imported_at), json.loads(canonical), canonical)
