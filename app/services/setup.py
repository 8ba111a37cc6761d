"""Site set-up use cases: init, environments, targets, users."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.context import Site
from app.drivers.options import DECLARED, validate_options
from app.errors import NotFound, Rejected, UsageError
from app.site import SiteConfig
from app.site_keys import create_site_keys
from engine.run.stages import DEFAULT_WORKFLOW, Workflow, WorkflowError
from models.db import Database
from models.migrate import upgrade
from models.tables import Environment, Target, User
from models.tables import Site as SiteRow

ROLES = ("operator", "release-manager", "approver", "auditor")
DRIVERS = ("command", "demo-fleet")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def _check_name(kind: str, name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise UsageError(f"{kind} name {name!r}: use lowercase letters, digits, '.', '_' or '-' (max 63)")
    return name


def _now(config: SiteConfig) -> datetime:
    return config.clock.now()


def init_site(config: SiteConfig, name: str = "site") -> Site:
    """Create the home, the schema, the site signing key and the log key."""
    _check_name("site", name)
    config.paths.ensure()
    db = Database(config.db_url)
    try:
        upgrade(config.db_url)
        with db.read() as session:
            if session.scalar(select(SiteRow.id)) is not None:
                raise Rejected(f"a site already exists at {config.paths.home}")
        keys = create_site_keys(config.paths.keys, name)
        with db.write() as session:
            session.add(SiteRow(name=name, created_at=_now(config), site_key_id=keys.site_key_id,
                                log_key_id=keys.log_key_id, log_origin=keys.log_origin))
    finally:
        db.dispose()
    return Site.open(config)


def add_environment(site: Site, name: str, workflow: str = DEFAULT_WORKFLOW,
                    approvals_required: int = 0, baseline: str = "") -> Environment:
    _check_name("environment", name)
    try:
        Workflow.parse(workflow)
    except WorkflowError as exc:
        raise UsageError(str(exc)) from None
    if approvals_required < 0:
        raise UsageError("approvals required cannot be negative")
    row = Environment(name=name, workflow=workflow, approvals_required=approvals_required,
                      baseline=baseline or name, created_at=site.clock.now())
    try:
        with site.db.write() as session:
            session.add(row)
    except IntegrityError:
        raise Rejected(f"environment {name} already exists") from None
    return row


def add_target(site: Site, env: str, name: str, driver: str, options: dict | None = None) -> Target:
    _check_name("target", name)
    if driver not in DRIVERS:
        raise UsageError(f"driver must be one of {', '.join(DRIVERS)}")
    if driver in DECLARED:  # each built-in driver says which options it reads, and their types
        options = validate_options(driver, options or {})
    with site.db.write() as session:
        environment = session.scalar(select(Environment).where(Environment.name == env))
        if environment is None:
            raise NotFound(f"no environment named {env}")
        exists = session.scalar(select(Target.id).where(Target.environment_id == environment.id,
                                                        Target.name == name))
        if exists:
            raise Rejected(f"target {name} already exists in {env}")
        row = Target(environment_id=environment.id, name=name, driver=driver,
                     options=dict(options or {}), created_at=site.clock.now())
        session.add(row)
    return row


def add_user(site: Site, name: str, role: str) -> User:
    _check_name("user", name)
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    row = User(name=name, role=role, created_at=site.clock.now())
    try:
        with site.db.write() as session:
            session.add(row)
    except IntegrityError:
        raise Rejected(f"user {name} already exists") from None
    return row


def list_environments(site: Site) -> list[Environment]:
    with site.db.read() as session:
        return list(session.scalars(select(Environment).order_by(Environment.name)))


def list_users(site: Site) -> list[User]:
    with site.db.read() as session:
        return list(session.scalars(select(User).order_by(User.name)))


def get_user(site: Site, name: str) -> User:
    with site.db.read() as session:
        user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user named {name}")
    return user
