"""Gate policies: store imported ones by digest; the newest import is in force.

Every policy is kept, so a verdict stays replayable against the policy it named
(by digest) after newer ones arrive. A policy is validated and compiled by the
gate itself (:class:`engine.policy.Policy`) before it is stored: a policy whose
rules do not compile never reaches the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import NotFound, Rejected
from engine.clock import SystemClock, rfc3339
from engine.policy import Policy, PolicyError
from models.tables import GatePolicy


class PolicyRejected(Rejected):
    """A policy document the gate cannot use; the message names the rule or field."""


@dataclass(frozen=True)
class PolicySummary:
    digest: str
    name: str
    version: str
    bundle_digest: str | None
    imported_at: str
    rules: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "name": self.name, "version": self.version,
                "bundle_digest": self.bundle_digest, "imported_at": self.imported_at,
                "rules": list(self.rules)}


def parse_policy(data: bytes) -> Policy:
    try:
        return Policy.from_bytes(data)
    except PolicyError as exc:
        raise PolicyRejected(f"the policy cannot be used: {exc}") from None


def store_policy(session: Session, bundle_digest: str | None, policy_bytes: bytes,
                 imported_at: datetime | None = None) -> int:
    """Store a verified policy bundle's policy.json inside the import's transaction;
    return its row id (the existing one when this policy digest is already stored)."""
    policy = parse_policy(policy_bytes)
    existing = session.scalar(select(GatePolicy.id).where(GatePolicy.digest == policy.digest))
    if existing is not None:
        return existing
    row = GatePolicy(digest=policy.digest, bundle_digest=bundle_digest, name=policy.name,
                     version=str(policy.version), document=bytes(policy_bytes),
                     imported_at=rfc3339(imported_at or SystemClock().now()))
    session.add(row)
    session.flush()
    return row.id


def _summary(row: GatePolicy) -> PolicySummary:
    policy = parse_policy(bytes(row.document))
    return PolicySummary(row.digest, row.name, row.version, row.bundle_digest, row.imported_at,
                         tuple(c.rule.id for c in policy.rules))


def newest_policy_row(session: Session) -> GatePolicy | None:
    return session.scalar(select(GatePolicy).order_by(GatePolicy.id.desc()).limit(1))


def policy_by_digest(session: Session, digest: str) -> Policy:
    """The policy stored under this digest, parsed from its stored bytes: if those were
    altered, its digest differs and a replay reports the difference."""
    row = session.scalar(select(GatePolicy).where(GatePolicy.digest == digest))
    if row is None:
        raise NotFound(f"no policy {digest} has been imported")
    return parse_policy(bytes(row.document))


def list_policies(site: Site) -> list[PolicySummary]:
    with site.db.read() as session:
        return [_summary(r) for r in session.scalars(select(GatePolicy)
                                                    .order_by(GatePolicy.id.desc()))]


def current_policy(site: Site) -> PolicySummary | None:
    with site.db.read() as session:
        row = newest_policy_row(session)
        return _summary(row) if row is not None else None
