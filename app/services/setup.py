"""Site set-up use cases: init, environments, targets, users.

Environments, their settings and targets change only by an admin, as signed records
of the site roster (app/services/site_roster.py); the rows listed here are its
projection.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.context import Site
from app.drivers.options import DECLARED, validate_options
from app.errors import NotFound, Rejected, UsageError
from app.services import adopt, identity, site_roster
from app.services.identity import Identity
from app.site import SiteConfig
from app.site_keys import create_executor_key, create_site_keys
from engine.clock import rfc3339
from engine.crypto.keys import Ed25519Signer
from engine.roster import NAME_RE, Roster, site_created, verify_roster
from engine.roster import records as rec
from engine.run.stages import DEFAULT_WORKFLOW, Workflow, WorkflowError
from models import roster_store
from models.db import Database
from models.migrate import upgrade
from models.tables import Environment, Target, User
from models.tables import Site as SiteRow

ROLES = rec.ROLES
log = logging.getLogger(__name__)
DRIVERS = ("command", "demo-fleet", "ssh")


def check_name(kind: str, name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise UsageError(f"{kind} name {name!r}: use lowercase letters, digits, '.', '_' or '-' (max 63)")
    return name


def _now(config: SiteConfig) -> datetime:
    return config.clock.now()


def init_site(config: SiteConfig, name: str = "site", *, admin: str, passphrase: str | None,
              entropy: Callable[[int], bytes] = secrets.token_bytes) -> Site:
    """Create the home, the schema, the site, log and executor keys, and the roster:
    record #0 enrols ``admin`` (role admin, own key protected by ``passphrase``),
    record #1 the executor's key, signed by that admin."""
    check_name("site", name)
    check_name("admin", admin)
    passphrase = identity.check_passphrase(passphrase)
    config.paths.ensure()
    db = Database(config.db_url)
    try:
        upgrade(config.db_url)
        config.remember_database()
        with db.read() as session:
            exists = session.scalar(select(SiteRow.id)) is not None
            if exists and roster_store.load_raw(session):
                raise Rejected(f"a site already exists at {config.paths.home}")
        if exists:  # created before the site roster: adopt it with this first admin
            return _adopt(config, db, admin, passphrase, entropy)
        keys = create_site_keys(config.paths.keys, name)
        executor = create_executor_key(config.paths.keys)
        signer = Ed25519Signer.generate(entropy)
        who = Identity(name=admin, role=rec.ADMIN, key_id=signer.keyid, signer=signer)
        at = _now(config)
        with db.write() as session:
            session.add(SiteRow(name=name, created_at=at, site_key_id=keys.site_key_id,
                                log_key_id=keys.log_key_id, log_origin=keys.log_origin))
            genesis = verify_roster([site_created(name, admin, signer,
                                                  signer.public_key.to_pem(), rfc3339(at))])
            roster_store.append(session, genesis.records)
            site_roster.project(session, genesis, genesis.records[0])
            site_roster.change_in(session, at, who, rec.EXECUTOR_ENROLLED,
                                  {"public_key": executor.public_key.to_pem()})
            identity.save_key(config.paths.keys, admin, signer, passphrase)
        site_roster.pin_genesis(config.paths.keys, genesis)  # record #0, outside the database
    finally:
        db.dispose()
    return Site.open(config)


def _adopt(config: SiteConfig, db: Database, admin: str, passphrase: str,
           entropy: Callable[[int], bytes]) -> Site:
    executor = create_executor_key(config.paths.keys)
    signer = Ed25519Signer.generate(entropy)
    with db.write() as session:
        try:
            adopted = adopt.adopt(session, _now(config), admin, signer, executor)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        identity.save_key(config.paths.keys, admin, signer, passphrase)
    with db.read() as session:  # the new record #0 replaces any pin of an earlier roster
        site_roster.pin_genesis(config.paths.keys, site_roster.load(session))
    log.info("adopted a site created before its roster: %s", adopted)
    return Site.open(config)


def _environment_settings(roster: Roster, name: str) -> dict[str, Any]:
    env = roster.environment(name)
    if env is None:
        raise NotFound(f"no environment named {name}")
    return dict(env.settings)


def add_environment(site: Site, admin: Identity, name: str, workflow: str = DEFAULT_WORKFLOW,
                    approvals_required: int = 0, baseline: str = "") -> Environment:
    check_name("environment", name)
    try:
        Workflow.parse(workflow)
    except WorkflowError as exc:
        raise UsageError(str(exc)) from None
    if approvals_required < 0:
        raise UsageError("approvals required cannot be negative")
    with site.db.write() as session:
        if session.scalar(select(Environment.id).where(Environment.name == name)) is not None \
                or site_roster.load(session).environment(name) is not None:
            raise Rejected(f"environment {name} already exists")
        site_roster.change_in(session, site.clock.now(), admin, rec.ENV_SET, {
            "name": name, "settings": {"workflow": workflow,
                                       "approvals_required": approvals_required,
                                       "baseline": baseline or name, "deploy": {}}})
        return session.scalars(select(Environment).where(Environment.name == name)).one()


def configure_environment(site: Site, admin: Identity, name: str,
                          changes: Mapping[str, Any]) -> dict[str, Any]:
    """Replace some of an environment's settings (``deploy``, ``approvals_required``,
    ``workflow``, ``baseline``) with an admin-signed record; returns all its settings."""
    with site.db.write() as session:
        settings = _environment_settings(site_roster.load(session), name)
        settings.update(changes)
        roster = site_roster.change_in(session, site.clock.now(), admin, rec.ENV_SET,
                                       {"name": name, "settings": settings})
    return _environment_settings(roster, name)


def add_target(site: Site, admin: Identity, env: str, name: str, driver: str,
               options: dict | None = None, *, drivers: tuple[str, ...] = DRIVERS) -> Target:
    check_name("target", name)
    if driver not in drivers:
        raise UsageError(f"driver must be one of {', '.join(drivers)}")
    if driver in DECLARED:  # each built-in driver says which options it reads, and their types
        options = validate_options(driver, options or {})
    with site.db.write() as session:
        roster = site_roster.load(session)
        if roster.environment(env) is None:
            raise NotFound(f"no environment named {env}")
        if roster.target(env, name) is not None:
            raise Rejected(f"target {name} already exists in {env}")
        site_roster.change_in(session, site.clock.now(), admin, rec.TARGET_SET, {
            "environment": env, "name": name, "driver": driver, "options": dict(options or {})})
        env_id = session.scalar(select(Environment.id).where(Environment.name == env))
        return session.scalars(select(Target).where(Target.environment_id == env_id,
                                                    Target.name == name)).one()


def remove_target(site: Site, admin: Identity, env: str, name: str) -> None:
    with site.db.write() as session:
        if site_roster.load(session).target(env, name) is None:
            raise NotFound(f"no target {name} in {env}")
        site_roster.change_in(session, site.clock.now(), admin, rec.TARGET_REMOVED,
                              {"environment": env, "name": name})


def list_environments(site: Site) -> list[Environment]:
    with site.db.read() as session:
        return list(session.scalars(select(Environment).order_by(Environment.name)))


def list_users(site: Site) -> list[User]:
    """Users who may act (revoked users are listed by the roster, not here)."""
    with site.db.read() as session:
        return list(session.scalars(select(User).where(User.revoked_at.is_(None))
                                    .order_by(User.name)))


def get_user(site: Site, name: str) -> User:
    with site.db.read() as session:
        user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user named {name}")
    return user
