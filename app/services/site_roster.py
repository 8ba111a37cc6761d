"""The site roster in the database: read it verified, change it as an admin.

Every change is one write transaction: read and verify the roster, check that the
acting user is an admin whose key is in force, sign the new record with that key,
verify the roster again with it, store it and update the projection rows (users,
environments and their settings, targets) the rest of the product lists from. A
refused change leaves everything as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import Rejected
from engine.clock import parse_rfc3339, rfc3339
from engine.crypto.atomic import atomic_write_bytes
from engine.roster import Roster, RosterError, verify_roster
from engine.roster import records as rec
from engine.roster.errors import RULE_ADMIN_ONLY
from models import roster_store
from models.tables import Environment, EnvironmentSettings, Target, TargetRelease, User

if TYPE_CHECKING:
    from app.services.identity import Identity


class RosterDamaged(Rejected):
    """The stored roster does not verify: someone changed the database behind the product."""


class NotAdmin(Rejected):
    """Only an admin, with their own key, changes users, roles, keys, environments, targets."""


def load(session: Session) -> Roster:
    """The roster, verified record by record (raises :class:`RosterDamaged`)."""
    raws = roster_store.load_raw(session)
    if not raws:
        raise RosterDamaged("this site has no roster yet (it was created before site "
                            "authority): run `stella init --admin NAME` to enrol its first "
                            "administrator, who then signs what the site holds")
    digest = _digest(raws)
    with _LOCK:
        cached = _VERIFIED.get(digest)
    if cached is not None:
        return cached
    try:
        roster = verify_roster(raws)
    except RosterError as exc:
        raise RosterDamaged(
            f"{exc.message}; the site's users, environments and targets cannot be trusted "
            "until the database is restored from a backup") from None
    with _LOCK:
        if len(_VERIFIED) >= _KEEP:
            _VERIFIED.pop(next(iter(_VERIFIED)))
        _VERIFIED[digest] = roster
    return roster


# Rosters this process verified, by the digest of their exact stored bytes: the same
# bytes verify to the same roster, so reading them again skips only the repetition.
_VERIFIED: dict[bytes, Roster] = {}
_KEEP = 8
_LOCK = threading.Lock()  # GUI workers read the roster too


def _digest(raws: list[bytes]) -> bytes:
    h = hashlib.sha256()
    for raw in raws:
        h.update(len(raw).to_bytes(8, "big"))
        h.update(raw)
    return h.digest()


def read(site: Site) -> Roster:
    with site.db.read() as session:
        roster = load(session)
    check_genesis(site.paths.keys, roster)
    return roster


# Record #0 pinned outside the database: a roster is only as trustworthy as its first
# record, and every rule of verify_roster checks a roster against itself, so a database
# writer could replace it wholesale with one of their own making. The keys folder
# (0700, the site's owner only) holds its hash.
GENESIS_PIN = "roster-genesis.sha256"


def pin_genesis(keys: Path, roster: Roster) -> None:
    atomic_write_bytes(keys / GENESIS_PIN, (roster.records[0].hash + "\n").encode("ascii"),
                       mode=0o600)


def check_genesis(keys: Path, roster: Roster) -> None:
    """Raise :class:`RosterDamaged` unless the roster's record #0 is the pinned one. A
    site created before the pin existed gets it now (trust on first use, once)."""
    path = keys / GENESIS_PIN
    try:
        pinned = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        with contextlib.suppress(OSError):  # a read-only home pins on a later open
            pin_genesis(keys, roster)
        return
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterDamaged(f"the site roster's pinned record #0 ({path}) cannot be read: "
                            f"{exc}") from None
    if pinned != roster.records[0].hash:
        raise RosterDamaged(
            f"the site roster's record #0 is {roster.records[0].hash[:16]}…, not the one "
            f"pinned in {path} ({pinned[:16]}…): the roster was replaced in the database; "
            "restore the database from a backup")


def record_time(roster: Roster, now: datetime) -> str:
    """Now, or the last record's time if the clock went back (records never go back)."""
    latest = roster.records[-1].moment if roster.records else now
    return rfc3339(max(now, latest))


def require_admin(roster: Roster, who: Identity, at: str) -> None:
    role = roster.role(who.name, at)
    if role != rec.ADMIN:
        what = f"is {role!r}" if role else "is not an active user"
        raise NotAdmin(f"{who.name} {what}: users, roles, keys, environments and targets change "
                       f"only by an admin (rule: {RULE_ADMIN_ONLY})")
    if who.key_id not in roster.user_keys(who.name, at):
        raise NotAdmin(f"{who.name}'s key {who.key_id[:16]}… is not in force "
                       f"(rule: {RULE_ADMIN_ONLY})")


def change(site: Site, admin: Identity, kind: str, data: Mapping[str, Any]) -> Roster:
    """Append one admin-signed record and update the projection, in one transaction."""
    with site.db.write() as session:
        return change_in(session, site.clock.now(), admin, kind, data)


def change_in(session: Session, now: datetime, admin: Identity, kind: str,
              data: Mapping[str, Any]) -> Roster:
    roster = load(session)
    at = record_time(roster, now)
    require_admin(roster, admin, at)
    raw = roster.new_record(kind, admin.name, at, data, admin.signer)
    try:
        grown = verify_roster([*roster.raws, raw])
    except RosterError as exc:
        raise Rejected(f"{exc.detail} (rule: {exc.rule})") from None
    record = grown.records[-1]
    roster_store.append(session, [record])
    project(session, grown, record)
    return grown


def project(session: Session, roster: Roster, record: rec.RosterRecord) -> None:
    """Bring the rows one record touched in line with the roster."""
    data = record.data
    if record.kind == rec.SITE_CREATED:
        project_user(session, roster, str(data["admin"]["name"]))
    elif record.kind in (rec.USER_ENROLLED, rec.USER_ROLE_CHANGED, rec.USER_REVOKED,
                         rec.KEY_ENROLLED, rec.KEY_REVOKED):
        project_user(session, roster, str(data["name"]))
    elif record.kind == rec.ENV_SET:
        project_environment(session, roster, str(data["name"]))
    elif record.kind in (rec.TARGET_SET, rec.TARGET_REMOVED):
        project_target(session, roster, str(data["environment"]), str(data["name"]))


def project_user(session: Session, roster: Roster, name: str) -> None:
    user = roster.user(name)
    if user is None:
        raise Rejected(f"the site roster names no user {name}")
    span = roster.users_[name]
    row = session.scalar(select(User).where(User.name == name))
    if row is None:
        row = User(name=name, role=user.role, created_at=span.since)
        session.add(row)
    row.role = user.role
    keyid = user.keyids[-1] if user.keyids else None
    row.key_id = keyid
    key = roster.public_key(keyid) if keyid else None
    row.public_key_pem = key.to_pem() if key else None
    row.revoked_at = rfc3339(span.until) if span.until else None


def project_environment(session: Session, roster: Roster, name: str) -> None:
    env = roster.environment(name)
    if env is None:
        raise Rejected(f"the site roster names no environment {name}")
    settings = dict(env.settings)
    row = session.scalar(select(Environment).where(Environment.name == name))
    at = parse_rfc3339(roster.records[-1].at)
    if row is None:
        row = Environment(name=name, created_at=at)
        session.add(row)
    row.workflow = str(settings.get("workflow", ""))
    row.approvals_required = env.approvals_required
    row.baseline = str(settings.get("baseline") or name)
    session.flush()
    stored = session.get(EnvironmentSettings, row.id)
    deploy = dict(settings.get("deploy") or {})
    if stored is None:
        session.add(EnvironmentSettings(environment_id=row.id, settings=deploy, updated_at=at,
                                        updated_by=roster.records[-1].by))
    elif stored.settings != deploy:
        stored.settings, stored.updated_at = deploy, at
        stored.updated_by = roster.records[-1].by


def project_target(session: Session, roster: Roster, env: str, name: str) -> None:
    env_id = session.scalar(select(Environment.id).where(Environment.name == env))
    row = session.scalar(select(Target).where(Target.environment_id == env_id,
                                              Target.name == name))
    target = roster.target(env, name)
    if target is None:
        if row is not None:
            session.execute(delete(TargetRelease).where(TargetRelease.target_id == row.id))
            session.delete(row)
        return
    if row is None:
        row = Target(environment_id=env_id, name=name,
                     created_at=parse_rfc3339(roster.records[-1].at))
        session.add(row)
    row.driver = target.driver
    row.options = dict(target.options)
