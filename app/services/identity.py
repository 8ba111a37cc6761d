"""Users and their own signing keys (issue 6 item 4, DESIGN §4.1).

Each user who signs (approvers above all) has a passphrase-protected Ed25519 key:
``<home>/keys/users/<name>.key``, encrypted PKCS#8 PEM, mode 0600; the site keeps
only the public key and its key id. :func:`authenticate` proves a person holds the
passphrase by decrypting their key and checking it is the one on record, and hands
back an :class:`Identity` whose signer signs with that key — approvals are signed
by the approver, never by the site.
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
from app.services import setup
from engine.crypto.errors import CryptoError, KeyPassphraseError
from engine.crypto.keys import Ed25519Signer, load_private_key, save_private_key
from models.tables import User

PASSPHRASE_ENV = "STELLA_PASSPHRASE"
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


def create_user(site: Site, name: str, role: str, passphrase: str | None = None,
                entropy: Callable[[int], bytes] = secrets.token_bytes) -> User:
    """Add a user; with a passphrase, also their encrypted key (checked before anything is written)."""
    if passphrase is not None:
        check_passphrase(passphrase)
    user = setup.add_user(site, name, role)
    if passphrase is not None:
        add_key(site, name, passphrase, entropy)
        user = setup.get_user(site, name)
    return user


def add_key(site: Site, name: str, passphrase: str,
            entropy: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """Give a user without a key their own key; returns its key id."""
    check_passphrase(passphrase)
    signer = Ed25519Signer.generate(entropy)
    path = key_path(site, name)
    with site.db.write() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFound(f"no user named {name}")
        if user.key_id:
            raise Rejected(f"{name} already has a signing key ({user.key_id[:16]}…)")
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        save_private_key(signer, path, passphrase)  # a failure here rolls the row back
        user.key_id = signer.keyid
        user.public_key_pem = signer.public_key.to_pem()
    return signer.keyid


def has_key(site: Site, name: str) -> bool:
    return bool(setup.get_user(site, name).key_id)


def authenticate(site: Site, name: str, passphrase: str | None) -> Identity:
    """Open ``name``'s key with ``passphrase``; every failure says what to do."""
    user = setup.get_user(site, name)
    if not user.key_id:
        raise NoSigningKey(f"{name} has no signing key; create one first (stella user add … "
                           "--passphrase-file F, for a new user)")
    if not passphrase:
        raise AuthenticationFailed(f"{name} has a signing key: give its passphrase "
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
    if signer.keyid != user.key_id:
        raise AuthenticationFailed(f"{name}'s key file holds key {signer.keyid[:16]}…, not the key "
                                   f"{user.key_id[:16]}… on record; it was replaced")
    return Identity(name=user.name, role=user.role, key_id=user.key_id, signer=signer)


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


def confirm_actor(site: Site, name: str, passphrase: str | None) -> Identity | None:
    """For actions other than approvals: a user with a key must prove it is them;
    a user without a key acts by name (as before keys existed)."""
    if not name:
        return None
    if setup.get_user(site, name).key_id:
        return authenticate(site, name, passphrase)
    return None
