"""Build sites, releases and promotions for tests without going through bundles.

Every test site has an admin (``admin``) who enrols the usual users through signed
roster records, as the product requires. Each user's key is derived from their name
(so tests can sign as them without opening key files: :func:`who`) and their key
file's passphrase is ``<name>-passphrase`` (:func:`passphrase_of`), for tests that
authenticate the way a person does.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from app.context import Site
from app.services import identity, setup, site_roster
from app.services.identity import Identity
from app.services.releases import register_release
from app.site import SiteConfig
from devkit import postgres
from engine.clock import Clock, FixedClock
from engine.crypto.atomic import atomic_write_bytes
from engine.crypto.keys import Ed25519Signer
from engine.roster import records as rec

START = datetime(2026, 2, 18, 8, 30, tzinfo=UTC)
ADMIN = "admin"
USERS = (("alice", "release-manager"), ("olga", "operator"), ("bob", "approver"),
         ("carol", "approver"), ("audrey", "auditor"))


def passphrase_of(name: str) -> str:
    return f"{name}-passphrase"


def signer_of(name: str) -> Ed25519Signer:
    return Ed25519Signer.from_seed(hashlib.sha256(b"stella-test-user:" + name.encode()).digest())


@cache
def _key_file(name: str) -> bytes:
    """The encrypted key file of a test user, made once per test process (key wrapping is slow
    on purpose)."""
    return signer_of(name).private_pem(passphrase_of(name))


def who(site: Site, name: str) -> Identity:
    """``name`` as an authenticated user, role as the site roster says now."""
    user = site_roster.read(site).user(name)
    role = user.role if user is not None else "unknown"
    signer = signer_of(name)
    return Identity(name=name, role=role, key_id=signer.keyid, signer=signer)


def admin(site: Site) -> Identity:
    return who(site, ADMIN)


def add_user(site: Site, name: str, role: str, by: str = ADMIN) -> None:
    """Enrol ``name`` (signed by the admin) with the test key and key file of that name."""
    site_roster.change(site, who(site, by), rec.USER_ENROLLED,
                       {"name": name, "role": role,
                        "public_key": signer_of(name).public_key.to_pem()})
    path = identity.key_path(site, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    atomic_write_bytes(path, _key_file(name), 0o600)


def add_environment(site: Site, name: str, **kwargs) -> None:
    setup.add_environment(site, admin(site), name, **kwargs)


def add_target(site: Site, env: str, name: str, driver: str, options: dict | None = None) -> None:
    """Any driver kind (tests put their own behind ``DriverSet(factories=…)``)."""
    setup.add_target(site, admin(site), env, name, driver, options,
                     drivers=(*setup.DRIVERS, driver))


def make_site(home: Path, clock: Clock | None = None, db_url: str | None = None) -> Site:
    """A site in ``home``; its database is SQLite there, or a fresh PostgreSQL database on
    the PostgreSQL pass (``STELLA_TEST_DB``, devkit/postgres.py)."""
    if db_url is None and (server := postgres.server_url()) is not None:
        db_url = postgres.fresh_database(server)
    config = SiteConfig.resolve(home=home, db_url=db_url, clock=clock or FixedClock(START))
    seed = hashlib.sha256(b"stella-test-user:" + ADMIN.encode()).digest()
    site = setup.init_site(config, "test-site", admin=ADMIN, passphrase=passphrase_of(ADMIN),
                           entropy=lambda n: seed[:n])
    add_environment(site, "eu-stage")
    add_environment(site, "eu-prod", approvals_required=1)
    for name, role in USERS:
        add_user(site, name, role)
    return site


def add_release(site: Site, name: str = "platform", version: str = "1.3.0-rc1") -> str:
    manifest = {"name": name, "version": version, "workflow": "canary-10-50-100",
                "components": [{"name": "api", "image": "registry.local/platform/api",
                                "digest": "sha256:" + "ab" * 32, "sbom": "sbom/api.cdx.json"}],
                "inputs": []}
    with site.db.write() as session:
        release = register_release(session, json.dumps(manifest).encode(), None, site.clock.now())
    return release.digest


def actor_passphrase(argv: list[str] | tuple[str, ...]) -> dict[str, str]:
    """For CLI tests: ``STELLA_PASSPHRASE`` of the test user named by ``--as`` (if any), so a
    command acts as that user the way a person would, with their own key."""
    args = list(argv)
    if "--as" in args and args.index("--as") + 1 < len(args):
        return {"STELLA_PASSPHRASE": passphrase_of(args[args.index("--as") + 1])}
    return {}


def sign_in_as(target, name: str) -> None:
    """Sign ``name`` in on a window or a GUI context the way the login dialog does: with
    their own key's passphrase (every acting user has one)."""
    from app.screens.session import sign_in  # Qt-free, but only GUI callers need it

    ctx = getattr(target, "ctx", target)
    ctx.sign_in(sign_in(ctx.site, name, passphrase_of(name)))
