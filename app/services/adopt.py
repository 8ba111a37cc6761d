"""Adopting a site created before the site roster existed: ``stella init --admin NAME``
on such a site enrols its first admin and, signed by that admin, records what the site
already holds — its executor key, every environment with its settings, every target,
and every user who has a usable key (with that key and role). Users without a key
cannot be enrolled (nobody acts by name any more): they are marked not enrolled, and
an admin adds them again with their own key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import site_roster
from app.services.identity import Identity
from engine.clock import rfc3339
from engine.crypto.errors import CryptoError
from engine.crypto.keys import Ed25519Signer, PublicKey
from engine.roster import NAME_RE, site_created, verify_roster
from engine.roster import records as rec
from models import roster_store
from models.tables import Environment, EnvironmentSettings, Target, User
from models.tables import Site as SiteRow


@dataclass(frozen=True)
class Adopted:
    environments: int
    targets: int
    users: tuple[str, ...]
    not_enrolled: tuple[str, ...]


def adopt(session: Session, at: datetime, admin: str, signer: Ed25519Signer,
          executor: Ed25519Signer) -> Adopted:
    """Inside the caller's write transaction, on a site whose roster is empty."""
    site = session.scalars(select(SiteRow)).one()
    if session.scalar(select(User.id).where(User.name == admin)) is not None:
        raise ValueError(f"{admin} is already a user of this site: choose another admin name")
    who = Identity(name=admin, role=rec.ADMIN, key_id=signer.keyid, signer=signer)
    genesis = verify_roster([site_created(site.name, admin, signer, signer.public_key.to_pem(),
                                          rfc3339(at))])
    roster_store.append(session, genesis.records)
    site_roster.project(session, genesis, genesis.records[0])

    def record(kind: str, data: dict) -> None:
        site_roster.change_in(session, at, who, kind, data)

    record(rec.EXECUTOR_ENROLLED, {"public_key": executor.public_key.to_pem()})
    envs = list(session.scalars(select(Environment).order_by(Environment.name)))
    targets = 0
    for env in envs:
        stored = session.get(EnvironmentSettings, env.id)
        record(rec.ENV_SET, {"name": env.name, "settings": {
            "workflow": env.workflow, "approvals_required": int(env.approvals_required or 0),
            "baseline": env.baseline or env.name,
            "deploy": dict(stored.settings) if stored is not None else {}}})
        for target in session.scalars(select(Target).where(Target.environment_id == env.id)
                                      .order_by(Target.name)):
            record(rec.TARGET_SET, {"environment": env.name, "name": target.name,
                                    "driver": target.driver, "options": dict(target.options or {})})
            targets += 1
    enrolled, left = [], []
    for user in session.scalars(select(User).where(User.name != admin).order_by(User.name)):
        key = _usable_key(user)
        if key is None or user.role not in rec.ROLES or not NAME_RE.match(user.name):
            user.revoked_at = rfc3339(at)  # not enrolled: an admin adds them with a key
            left.append(user.name)
            continue
        record(rec.USER_ENROLLED, {"name": user.name, "role": user.role,
                                   "public_key": key.to_pem()})
        enrolled.append(user.name)
    return Adopted(len(envs), targets, tuple(enrolled), tuple(left))


def _usable_key(user: User) -> PublicKey | None:
    if not user.key_id or not user.public_key_pem:
        return None
    try:
        key = PublicKey.from_pem(user.public_key_pem)
    except CryptoError:
        return None
    return key if key.keyid == user.key_id else None
