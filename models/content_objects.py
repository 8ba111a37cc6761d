"""Bundle content in the site database, content-addressed, for sites whose database is
shared by several workstations (PostgreSQL): an import on one workstation is readable
on every other (app/services/shared_content.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Integer, LargeBinary, String, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Base


class ContentObject(Base):
    """File bytes keyed by their SHA-256 (hex): one row per distinct content."""

    __tablename__ = "content_objects"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class BundleMember(Base):
    """A file of an imported bundle: its member path and the object holding its bytes."""

    __tablename__ = "bundle_members"

    manifest_digest: Mapped[str] = mapped_column(String(71), primary_key=True)
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))


class ObjectCorrupt(Exception):
    """A stored object's bytes do not hash to its key (or to the member's digest)."""


class ObjectMissing(ObjectCorrupt):
    """No object is stored under the key."""


def put(session: Session, manifest_digest: str, members: Iterable[tuple[str, str, bytes]]) -> int:
    """Store a bundle's members ``(path, sha256 hex, bytes)``; each digest is checked
    against the bytes. Objects already stored (another bundle's) are shared. Returns
    how many members were recorded."""
    count = 0
    for path, digest, data in members:
        if hashlib.sha256(data).hexdigest() != digest:
            raise ObjectCorrupt(f"{path}: the bytes do not hash to {digest}")
        session.execute(pg_insert(ContentObject).values(sha256=digest, size=len(data), data=data)
                        .on_conflict_do_nothing(index_elements=["sha256"]))
        session.add(BundleMember(manifest_digest=manifest_digest, path=path, sha256=digest))
        count += 1
    session.flush()
    return count


def members(session: Session, manifest_digest: str) -> list[tuple[str, str]]:
    """``(path, sha256)`` of each stored member of the bundle (none: not stored here)."""
    return [(path, sha256) for path, sha256 in session.execute(
        select(BundleMember.path, BundleMember.sha256)
        .where(BundleMember.manifest_digest == manifest_digest).order_by(BundleMember.path))]


def read(session: Session, sha256: str) -> bytes:
    """An object's bytes, checked against its key on every read."""
    data = session.scalar(select(ContentObject.data).where(ContentObject.sha256 == sha256))
    if data is None:
        raise ObjectMissing(f"the object {sha256} is missing from the database")
    data = bytes(data)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ObjectCorrupt(f"the object {sha256} does not hash to its key: it was altered")
    return data
