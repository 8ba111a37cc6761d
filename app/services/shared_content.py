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
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from app.context import Site
from app.errors import Rejected
from models import content_objects
from models.content_objects import ObjectCorrupt

RELEASE = "release"


def shared(site: Site) -> bool:
    return site.db.is_postgresql


def save_import(session: Session, site: Site, kind: str, manifest_digest: str, folder: Path,
                digests: Mapping[str, str] | None = None) -> int:
    """In the import's transaction: put a release bundle's files into the database
    (``digests``: member path -> sha256 hex as verified; each file must match)."""
    if kind != RELEASE or not shared(site):
        return 0
    try:
        return content_objects.put(session, manifest_digest, _files(folder, digests))
    except ObjectCorrupt as error:
        raise Rejected(f"the imported bundle's files changed while they were stored: "
                       f"{error}") from None


def _files(folder: Path, digests: Mapping[str, str] | None) -> Iterator[tuple[str, str, bytes]]:
    import hashlib

    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        path = file.relative_to(folder).as_posix()
        data = file.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digests is not None and digests.get(path, digest) != digest:
            raise ObjectCorrupt(f"{path}: the stored file does not hash to the verified digest")
        yield path, digest, data


def local_bundle(site: Site, manifest_digest: str, folder: Path) -> Path:
    """``folder`` (the bundle's store folder here), filled from the database first when
    this workstation has not got it and the site's database holds it."""
    if folder.exists() or not shared(site):
        return folder
    with site.db.read() as session:
        listed = content_objects.members(session, manifest_digest)
        if not listed:
            return folder  # not stored in the database: the caller says what is missing
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


def _member_path(root: Path, path: str) -> Path:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise ObjectCorrupt(f"the member path {path!r} is not a path inside a bundle")
    return root.joinpath(*pure.parts)


def upload_store(session: Session, store: Path, bundles: Mapping[str, str]) -> int:
    """Put the release bundles of a store folder into the database (``bundles``:
    manifest digest -> kind), for a site moved onto PostgreSQL. Returns the files stored."""
    stored = 0
    for manifest_digest, kind in bundles.items():
        folder = store / "bundles" / manifest_digest.split(":", 1)[1]
        if kind == RELEASE and folder.is_dir():
            stored += content_objects.put(session, manifest_digest, _files(folder, None))
    return stored
