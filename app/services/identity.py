"""Users and their own signing keys (DESIGN §4.1, §10).

Every user has a passphrase-protected Ed25519 key: ``<home>/keys/users/<name>.key``,
encrypted PKCS#8 PEM, mode 0600; the site roster (engine/roster) holds the public
key, enrolled by an admin. :func:`authenticate` proves a person holds the passphrase
by decrypting their key and checking, against the verified roster, that it is a key
in force for them; it hands back an :class:`Identity` whose signer signs with that
key — actions and approvals are signed by the person, never by the site.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.context import Site
from app.errors import NotFound, Rejected, UsageError
from app.services import site_roster
from engine.crypto.errors import CryptoError, KeyPassphraseError
from engine.crypto.keys import Ed25519Signer, load_private_key, save_private_key
from engine.roster import NAME_RE
from engine.roster import records as rec
from models.tables import User

PASSPHRASE_ENV = "STELLA_PASSPHRASE"
ROLES = rec.ROLES
MIN_PASSPHRASE = 8
USERS_DIR = "users"


class AuthenticationFailed(Rejected):
    """The passphrase did not open the user's key, or the key is not the one on record."""


class NoSigningKey(Rejected):
    """The user has no key, so cannot sign (approve, reject)."""


@dataclass(frozen=True)
class Identity:
    """An authenticated user: who, in which role, and a signer holding their own key."""

    name: str
    role: str
    key_id: str
    signer: Ed25519Signer = field(repr=False, compare=False)


def key_path(site: Site, name: str) -> Path:
    return site.paths.keys / USERS_DIR / f"{name}.key"


def check_passphrase(passphrase: str | None) -> str:
    if passphrase is None or passphrase == "":
        raise UsageError("a passphrase is needed to protect the user's key "
                         f"(--passphrase-file F or {PASSPHRASE_ENV})")
    if len(passphrase) < MIN_PASSPHRASE:
        raise UsageError(f"the passphrase is too short: use at least {MIN_PASSPHRASE} characters")
    return passphrase


def create_user(site: Site, admin: Identity, name: str, role: str, passphrase: str | None,
                entropy: Callable[[int], bytes] = secrets.token_bytes) -> User:
    """An admin enrols a user with their own new key (every acting user has one):
    the key file is written inside the roster's write transaction, so a refused
    enrolment leaves no user behind."""
    if not NAME_RE.match(name or ""):
        raise UsageError(f"user name {name!r}: use lowercase letters, digits, '.', '_' or '-' "
                         "(max 63)")
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    passphrase = check_passphrase(passphrase)
    signer = Ed25519Signer.generate(entropy)
    with site.db.write() as session:
        if site_roster.load(session).user(name) is not None:
            raise Rejected(f"user {name} already exists")
        site_roster.change_in(session, site.clock.now(), admin, rec.USER_ENROLLED,
                              {"name": name, "role": role,
                               "public_key": signer.public_key.to_pem()})
        _save_key(site, name, signer, passphrase)
        return session.scalars(select(User).where(User.name == name)).one()  # just projected


def _save_key(site: Site, name: str, signer: Ed25519Signer, passphrase: str) -> None:
    save_key(site.paths.keys, name, signer, passphrase)


def save_key(keys: Path, name: str, signer: Ed25519Signer, passphrase: str) -> None:
    """A user's key file: encrypted with their passphrase, owner-only folder and file."""
    path = keys / USERS_DIR / f"{name}.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    save_private_key(signer, path, passphrase)


def replace_key(site: Site, admin: Identity, name: str, passphrase: str | None,
                entropy: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """An admin gives a user a new key (lost passphrase, suspected theft): the new key
    is enrolled and every older key of theirs revoked, from now on; returns its id."""
    passphrase = check_passphrase(passphrase)
    signer = Ed25519Signer.generate(entropy)
    with site.db.write() as session:
        roster = site_roster.load(session)
        user = roster.user(name)
        if user is None or not user.active:
            raise NotFound(f"no active user named {name}")
        now = site.clock.now()
        site_roster.change_in(session, now, admin, rec.KEY_ENROLLED,
                              {"name": name, "public_key": signer.public_key.to_pem()})
        for keyid in user.keyids:
            site_roster.change_in(session, now, admin, rec.KEY_REVOKED,
                                  {"name": name, "keyid": keyid})
        _save_key(site, name, signer, passphrase)
    return signer.keyid


def change_role(site: Site, admin: Identity, name: str, role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    _known(site, name)
    site_roster.change(site, admin, rec.USER_ROLE_CHANGED, {"name": name, "role": role})


def revoke_user(site: Site, admin: Identity, name: str) -> None:
    """From now on ``name`` and every key of theirs act for nothing; what they signed
    before stays valid (the roster says when the revocation took effect)."""
    _known(site, name)
    site_roster.change(site, admin, rec.USER_REVOKED, {"name": name})


def _known(site: Site, name: str) -> None:
    user = site_roster.read(site).user(name)
    if user is None:
        raise NotFound(f"no user named {name}")
    if not user.active:
        raise Rejected(f"{name} was already revoked")


def has_key(site: Site, name: str) -> bool:
    user = site_roster.read(site).user(name)
    return bool(user and user.active and user.keyids)


def authenticate(site: Site, name: str, passphrase: str | None) -> Identity:
    """Open ``name``'s key with ``passphrase`` and check, against the verified roster,
    that it is a key in force for an active user; every failure says what to do."""
    if not name:
        raise Rejected(f"say who you are (--as USER, with --passphrase-file F or {PASSPHRASE_ENV})")
    roster = site_roster.read(site)
    user = roster.user(name)
    if user is None:
        raise NotFound(f"no user named {name}")
    if not user.active:
        raise AuthenticationFailed(f"{name} was revoked and can no longer act")
    if not user.keyids:
        raise NoSigningKey(f"{name} has no signing key in force; an admin can give them one")
    if not passphrase:
        raise AuthenticationFailed(f"{name} acts with their own key: give its passphrase "
                                   f"(--passphrase-file F or {PASSPHRASE_ENV})")
    path = key_path(site, name)
    if not path.exists():
        raise AuthenticationFailed(f"{name}'s key file {path} is missing")
    try:
        signer = load_private_key(path, passphrase)
    except KeyPassphraseError:
        raise AuthenticationFailed(f"wrong passphrase for {name}'s key") from None
    except CryptoError as err:
        raise AuthenticationFailed(f"{name}'s key file cannot be used: {err.message}") from None
    if signer.keyid not in user.keyids:
        raise AuthenticationFailed(f"{name}'s key file holds key {signer.keyid[:16]}…, which the "
                                   f"site roster does not hold for {name} (replaced or revoked)")
    return Identity(name=user.name, role=user.role, key_id=signer.keyid, signer=signer)


def read_passphrase(path: str | os.PathLike[str] | None,
                    environ: Mapping[str, str] | None = None) -> str | None:
    """The passphrase from a file (owner-only permissions, one trailing newline
    dropped) or from ``STELLA_PASSPHRASE``; None when neither is given."""
    if path:
        file = Path(path)
        try:
            info = file.stat()
        except OSError as err:
            raise UsageError(f"cannot read the passphrase file {file}: {err.strerror}") from None
        if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
            raise Rejected(f"the passphrase file {file} is readable by others "
                           f"(mode {stat.S_IMODE(info.st_mode):04o}): chmod 600 {file}")
        text = file.read_text(encoding="utf-8")
        return text[:-1] if text.endswith("\n") else text
    environ = os.environ if environ is None else environ
    return environ.get(PASSPHRASE_ENV) or None


def confirm_actor(site: Site, name: str, passphrase: str | None) -> Identity:
    """Every acting user proves who they are with their own key (no acting by name)."""
    return authenticate(site, name, passphrase)
