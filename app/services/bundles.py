"""Importing signed offline bundles: the only door into the site (DESIGN §4).

Verification streams the archive into a private staging folder. Only a bundle that
passes every rule is committed: its staged files move into the content-addressed
store (``store/bundles/<manifest digest hex>/``, one rename on the same filesystem)
and its rows are written in one transaction. A rejection, a cancel or a failed
commit leaves the database and the store exactly as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

import airgap_bundles as ab
from app.context import Site
from app.errors import NotNow, Rejected
from app.leftovers import staging_prefix
from app.services import shared_content, trust
from app.services.releases import register_release
from app.services.roles import require_role
from engine.clock import rfc3339
from engine.crypto import dsse
from models.tables import Bundle

IMPORTERS = ("operator", "release-manager")


class ImportRejected(Rejected):
    """A bundle broke a rule; ``report`` lists every check made, the failing one last."""

    def __init__(self, message: str, rule: str | None, member: str | None,
                 report: ab.VerificationReport | None) -> None:
        super().__init__(message)
        self.rule = rule
        self.member = member
        self.report = report


@dataclass(frozen=True)
class ImportResult:
    bundle: ab.VerifiedBundle
    store_path: Path
    label: str


class _DbHistory:
    """The last imported version of each (kind, name), for rollback/freeze protection."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def last_version(self, kind: str, name: str) -> int | None:
        with self.site.db.read() as session:
            return session.scalar(select(func.max(Bundle.version))
                                  .where(Bundle.kind == kind, Bundle.name == name))


def store_path(site: Site, manifest_digest: str) -> Path:
    return site.paths.store / "bundles" / manifest_digest.split(":", 1)[1]


def verify(site: Site, path: str | os.PathLike, *, allow_older_reason: str | None = None,
           staging: Path | None = None, progress: Callable[[int, int], None] | None = None,
           cancel: Callable[[], bool] | None = None) -> ab.VerifiedBundle:
    """Verify against the site's trust root and history without importing anything."""
    root = trust.in_force(site).root
    allow = ab.AllowOlder(allow_older_reason) if allow_older_reason else None
    try:
        return ab.verify_bundle(path, trust_root=root, now=site.clock.now(),
                                history=_DbHistory(site), staging_dir=staging,
                                allow_older=allow, progress=progress, cancel=cancel)
    except ab.BundleRejected as exc:
        raise ImportRejected(f"bundle rejected: {exc}", exc.rule, exc.member, exc.report) from None
    except ab.BundleCancelled:
        raise NotNow("import cancelled; nothing was imported") from None
    except ValueError as exc:  # AllowOlder without a reason and similar misuse
        raise Rejected(str(exc)) from None


def import_bundle(site: Site, path: str | os.PathLike, actor: str, *,
                  allow_older_reason: str | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  cancel: Callable[[], bool] | None = None) -> ImportResult:
    with site.db.read() as session:
        require_role(session, actor, IMPORTERS, "import bundles")
    staging = site.paths.staging / f"{staging_prefix('import')}{uuid.uuid4().hex}"
    staging.mkdir(parents=True, mode=0o700)
    try:
        verified = verify(site, path, allow_older_reason=allow_older_reason, staging=staging,
                          progress=progress, cancel=cancel)
        return _commit(site, verified, staging, actor)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _commit(site: Site, verified: ab.VerifiedBundle, staging: Path, actor: str) -> ImportResult:
    target = store_path(site, verified.manifest_digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    moved = False
    if not target.exists():  # the same manifest digest always means the same files
        os.rename(staging, target)
        moved = True
    try:
        with site.db.write() as session:
            earlier = session.scalar(select(Bundle).where(
                Bundle.manifest_digest == verified.manifest_digest))
            if earlier is not None:
                moved = False  # the store folder belongs to the earlier import
                raise ImportRejected(
                    f"bundle rejected: this exact bundle was already imported on "
                    f"{earlier.imported_at} by {earlier.imported_by}", "already-imported", None,
                    verified.report)
            _recheck_version(session, verified)
            label = _record_content(session, site, verified, target, actor)
            shared_content.save_import(session, site, verified.kind, verified.manifest_digest,
                                       target, {m.path: m.sha256 for m in verified.members})
            override = verified.override
            session.add(Bundle(
                kind=verified.kind, name=verified.name, version=verified.version,
                manifest_digest=verified.manifest_digest,
                signer_keyids=list(verified.signer_keyids), label=label,
                created=rfc3339(verified.created), expires=rfc3339(verified.expires),
                archive_size=verified.archive_size, imported_by=actor, imported_at=site.now(),
                override_reason=override.reason if override else None,
                overridden_version=override.previous_version if override else None,
                report=verified.report.to_json()))
            session.flush()
    except Exception:
        if moved:
            shutil.rmtree(target, ignore_errors=True)
        raise
    return ImportResult(verified, target, label)


def _recheck_version(session, verified: ab.VerifiedBundle) -> None:
    """Anti-rollback again, under the write lock: verification read the last version
    before a slow stream, and another import may have committed a newer one since."""
    last = session.scalar(select(func.max(Bundle.version)).where(
        Bundle.kind == verified.kind, Bundle.name == verified.name))
    override = verified.override
    if last is None or verified.version > last:
        return
    if override is not None and override.previous_version == last:
        return  # the operator accepted exactly this situation, with a reason
    raise ImportRejected(
        f"bundle rejected: {verified.kind} {verified.name!r} version {verified.version} is not "
        f"newer than version {last}, imported while this one was being verified; versions "
        "must increase (verify and import it again to decide on an override)",
        "version", None, verified.report)


def _record_content(session, site: Site, verified: ab.VerifiedBundle, folder: Path,
                    actor: str) -> str:
    """Write the kind-specific rows; return a human label for the Bundles view."""
    content = verified.content
    if isinstance(content, ab.ReleaseContent):
        release = register_release(session, content.release_json, verified.manifest_digest,
                                   site.clock.now())
        if release.digest != content.release_digest:
            raise Rejected("release digest mismatch between verification and registration")
        return f"{content.name} {content.version}"
    if isinstance(content, ab.FeedContent):
        from app.services.feeds import store_snapshot

        feed_json = json.loads((folder / "feed.json").read_bytes())
        records = ((path, (folder / path).read_bytes()) for path in content.record_paths)
        store_snapshot(session, verified.manifest_digest, feed_json, records, site.clock.now())
        return f"{content.source} snapshot {rfc3339(content.snapshot)} ({content.record_count} records)"
    if isinstance(content, ab.PolicyContent):
        from app.services.policies import store_policy

        store_policy(session, verified.manifest_digest, content.policy_json, site.clock.now())
        return f"policy {content.name} {content.version}"
    if isinstance(content, ab.TrustRootContent):
        root = trust.accept_rotation(session, site, dsse.Envelope.from_bytes(content.envelope_bytes),
                                     actor)
        return f"trust root v{root.version}"
    raise Rejected(f"unknown bundle kind {verified.kind}")


@dataclass(frozen=True)
class BundleRow:
    kind: str
    name: str
    version: int
    label: str
    manifest_digest: str
    signer_keyids: tuple[str, ...]
    imported_by: str
    imported_at: str
    expires: str
    override_reason: str | None


def list_bundles(site: Site) -> list[BundleRow]:
    with site.db.read() as session:
        rows = session.scalars(select(Bundle).order_by(Bundle.imported_at.desc(), Bundle.id.desc()))
        return [BundleRow(r.kind, r.name, r.version, r.label, r.manifest_digest,
                          tuple(r.signer_keyids), r.imported_by, r.imported_at, r.expires,
                          r.override_reason) for r in rows]
