"""Bundle content on a site shared by several workstations.

A workstation unpacks an imported bundle into its own store folder
(``store/bundles/<manifest digest hex>/``). On PostgreSQL - the site database of a
multi-workstation site - the import also puts every file of a release bundle into the
database as a content-addressed object (models/content_objects.py), in the import's
transaction. Another workstation that needs the bundle (its agent deploying the
release, an export reading its SBOMs) finds its store folder missing and fills it from
the database: each object's bytes are hashed against its key and the member's digest
as they are read, written to a private scratch folder and renamed into place whole,
so a half-written or altered copy is never used. SQLite's site has one machine and
keeps the store folder only.

Someone who can write the database could replace a member row together with its object
(each still hashing to its key) or point a release at other rows, so the objects alone
prove nothing. The bundle's signed manifest (``manifest.dsse.json``, stored as an object
like every other file; its sha256 is the manifest digest) is checked again before
anything is written: its signatures against the site's trust roots, the member rows
against its signed subjects exactly, and its release.json against the release asked for.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

import airgap_bundles as ab
from airgap_bundles.kinds.release import RELEASE_FILE
from airgap_bundles.manifest import BundleManifest
from app.context import Site
from app.errors import Rejected
from engine.canonical import canonical_digest
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.crypto.trust_root import TrustRoot
from models import content_objects
from models.content_objects import ObjectCorrupt, ObjectMissing
from models.tables import TrustRootRecord

RELEASE = "release"


def shared(site: Site) -> bool:
    return site.db.is_postgresql


def save_import(session: Session, site: Site, kind: str, manifest_digest: str, folder: Path,
                digests: Mapping[str, str] | None = None) -> int:
    """In the import's transaction: put a release bundle's files into the database
    (``digests``: member path -> sha256 hex as verified; each file must match, and the
    folder's manifest.dsse.json must hash to ``manifest_digest``: it is what a fill
    checks the rows against)."""
    if kind != RELEASE or not shared(site):
        return 0
    try:
        return content_objects.put(session, manifest_digest,
                                   _files(folder, manifest_digest, digests))
    except ObjectCorrupt as error:
        raise Rejected(f"the imported bundle's files changed while they were stored: "
                       f"{error}") from None


def _files(folder: Path, manifest_digest: str, digests: Mapping[str, str] | None,
           ) -> Iterator[tuple[str, str, bytes]]:
    """Each file of ``folder`` with its sha256; the envelope must hash to the manifest
    digest and, with ``digests``, every other file must be one of them, matching."""
    envelope = folder / ab.MANIFEST_NAME
    if digests is not None and not envelope.is_file():
        raise ObjectCorrupt(f"{ab.MANIFEST_NAME} is missing from the store folder")
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        path = file.relative_to(folder).as_posix()
        data = file.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        expected = _hex(manifest_digest) if path == ab.MANIFEST_NAME else (
            digest if digests is None else digests.get(path))
        if expected != digest:
            raise ObjectCorrupt(f"{path}: the stored file does not hash to the verified digest")
        yield path, digest, data


def _hex(digest: str) -> str:
    return digest.split(":", 1)[1]


def local_bundle(site: Site, manifest_digest: str, folder: Path, *, release_digest: str) -> Path:
    """``folder`` (the bundle's store folder here), filled from the database first when
    this workstation has not got it and the site's database holds it. The bundle must be
    a signed release bundle whose release.json is ``release_digest`` (a release row's
    ``bundle_digest`` is not signed: the release document is)."""
    if folder.exists() or not shared(site):
        return folder
    with site.db.read() as session:
        listed = content_objects.members(session, manifest_digest)
        if not listed:
            return folder  # not stored in the database: the caller says what is missing
        try:
            _check_signed(session, manifest_digest, dict(listed), release_digest)
        except ObjectCorrupt as error:
            raise Rejected(f"bundle {manifest_digest} in the site database cannot be used: "
                           f"{error}") from None
        scratch = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.partial"
        scratch.mkdir(parents=True, mode=0o700)
        try:
            for path, digest in listed:
                target = _member_path(scratch, path)
                data = content_objects.read(session, digest)  # hashed against its key
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        except ObjectCorrupt as error:
            shutil.rmtree(scratch, ignore_errors=True)
            raise Rejected(f"bundle {manifest_digest} in the site database cannot be used: "
                           f"{error}") from None
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    try:
        os.rename(scratch, folder)
    except OSError:  # another process of this workstation filled it first
        shutil.rmtree(scratch, ignore_errors=True)
        if not folder.exists():
            raise
    return folder


def _check_signed(session: Session, manifest_digest: str, listed: dict[str, str],
                  release_digest: str) -> None:
    """ObjectCorrupt unless the rows are exactly what the bundle's signed manifest lists
    and the bundle is the release asked for. The envelope is read by its key, the
    manifest digest asked for, so no row can substitute another one."""
    try:
        envelope = content_objects.read(session, _hex(manifest_digest))
    except ObjectMissing:
        raise ObjectCorrupt(
            f"its signed manifest ({ab.MANIFEST_NAME}) is not in the site database, so its "
            "files cannot be checked; use the release on the workstation that imported the "
            "bundle, whose store folder holds it") from None
    except ObjectCorrupt as error:
        raise ObjectCorrupt(f"signed manifest: {error}") from None
    if listed.get(ab.MANIFEST_NAME) != _hex(manifest_digest):
        raise ObjectCorrupt(f"signed manifest: the {ab.MANIFEST_NAME} row does not name the "
                            "manifest digest")
    manifest = _verified_manifest(session, envelope)
    subjects = dict(manifest.members)
    rows = {path: digest for path, digest in listed.items() if path != ab.MANIFEST_NAME}
    if rows != subjects:
        extra = sorted(set(rows) - set(subjects))
        missing = sorted(set(subjects) - set(rows))
        changed = sorted(p for p in set(rows) & set(subjects) if rows[p] != subjects[p])
        first = (f"{extra[0]!r} is not listed in it" if extra else
                 f"{missing[0]!r} is listed in it but not stored" if missing else
                 f"{changed[0]!r} does not have the digest it lists")
        raise ObjectCorrupt(f"signed manifest: the stored files are not the ones it lists "
                            f"({first})")
    predicate = manifest.predicate
    if predicate.kind != RELEASE or RELEASE_FILE not in subjects:
        raise ObjectCorrupt(f"signed manifest: it is a {predicate.kind} bundle "
                            f"{predicate.name!r}, not a release bundle")
    data = content_objects.read(session, subjects[RELEASE_FILE])  # the signed digest
    try:
        digest = canonical_digest(loads_strict(data))
    except (StrictJSONError, ValueError) as exc:
        raise ObjectCorrupt(f"signed manifest: its {RELEASE_FILE} cannot be read: "
                            f"{exc}") from None
    if digest != release_digest:
        raise ObjectCorrupt(f"signed manifest: bundle {predicate.name!r} version "
                            f"{predicate.version} holds release {digest}, not the release "
                            f"{release_digest} it is recorded for")


def _verified_manifest(session: Session, envelope: bytes) -> BundleManifest:
    """The manifest, if the envelope verifies with one of the site's trust roots.

    Every root the site has installed is accepted, newest first: a bundle imported under
    an earlier root stays usable after a rotation (the import checked expiry and
    freshness; this checks only that the bundle is the one that was signed). The limit:
    a key rotated out of the roots still vouches for bundles in the database."""
    roots = session.scalars(select(TrustRootRecord.envelope)
                            .order_by(TrustRootRecord.version.desc())).all()
    if not roots:
        raise ObjectCorrupt("signed manifest: this site has no trust root to check it with")
    failure: ab.BundleRejected | None = None
    for root_envelope in roots:
        try:
            root = TrustRoot.from_envelope(dsse.Envelope.from_bytes(bytes(root_envelope)))
        except CryptoError:
            continue
        try:
            return ab.verify_manifest(bytearray(envelope), root).manifest
        except ab.BundleRejected as exc:
            failure = failure or exc  # the newest root's reason is the one to show
    reason = f"{failure.message} (rule {failure.rule})" if failure else "no trust root is readable"
    raise ObjectCorrupt(f"signed manifest: {reason}")


def _member_path(root: Path, path: str) -> Path:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ObjectCorrupt(f"the member path {path!r} is not a path inside a bundle")
    return root.joinpath(*pure.parts)


def upload_store(session: Session, store: Path, bundles: Mapping[str, str]) -> int:
    """Put the release bundles of a store folder into the database (``bundles``:
    manifest digest -> kind), for a site moved onto PostgreSQL. Returns the files stored.
    The folder's manifest.dsse.json goes with them (checked against the manifest digest):
    a workstation filling its store folder checks the files against it."""
    stored = 0
    for manifest_digest, kind in bundles.items():
        folder = store / "bundles" / _hex(manifest_digest)
        if kind == RELEASE and folder.is_dir():
            try:
                stored += content_objects.put(session, manifest_digest,
                                              _files(folder, manifest_digest, None))
            except ObjectCorrupt as error:
                raise Rejected(f"the store folder of bundle {manifest_digest} cannot be "
                               f"uploaded: {error}") from None
    return stored
