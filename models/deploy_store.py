"""Queries of the deploy side: an environment by name, a release's stored bundle and
manifest, and what release each target of an environment runs now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import Environment, Release, TargetRelease
from models.tables import Target as TargetRow


def environment(session: Session, name: str) -> Environment | None:
    return session.scalar(select(Environment).where(Environment.name == name))


@dataclass(frozen=True)
class StoredRelease:
    bundle_digest: str | None
    manifest: bytes | str  # the release JSON as registered


def stored_release(session: Session, digest: str) -> StoredRelease | None:
    row = session.scalar(select(Release).where(Release.digest == digest))
    return StoredRelease(row.bundle_digest, row.manifest) if row is not None else None


def release_manifest(session: Session, digest: str) -> bytes | str | None:
    return session.scalar(select(Release.manifest).where(Release.digest == digest))


def target_releases(session: Session, environment_id: int) -> list[tuple[str, TargetRelease]]:
    """(target name, what it runs) for each target of the environment with a record."""
    rows = session.execute(
        select(TargetRow.name, TargetRelease)
        .join(TargetRelease, TargetRelease.target_id == TargetRow.id)
        .where(TargetRow.environment_id == environment_id)).all()
    return [(name, release) for name, release in rows]


def remember_target_release(session: Session, environment_id: int, target: str, *,
                            release_name: str, version: str, digest: str,
                            promotion_id: str | None, step: str | None, at: datetime) -> bool:
    """Record what ``target`` runs now; False when the environment has no such target."""
    target_id = session.scalar(select(TargetRow.id).where(
        TargetRow.environment_id == environment_id, TargetRow.name == target))
    if target_id is None:
        return False
    stored = session.get(TargetRelease, target_id)
    if stored is None:
        stored = TargetRelease(target_id=target_id)
        session.add(stored)
    stored.release_name = release_name
    stored.version = version
    stored.digest = digest
    stored.promotion_id = promotion_id
    stored.step = step
    stored.updated_at = at
    return True
