"""The Security page's admin actions, run in a worker: enrol a user, change a role,
revoke a user. Each opens the signed-in admin's own key with the session's passphrase
and signs one roster record (app/services/site_roster.py); a refusal (not signed in,
not an admin, a roster rule) raises with the rule in its message."""

from __future__ import annotations

from app.context import Site
from app.screens.session import SignedInUser
from app.services import identity
from app.services.identity import Identity


def _admin(site: Site, session: SignedInUser | None) -> Identity:
    if session is None or not session.passphrase:
        raise identity.AuthenticationFailed(
            "sign in as an admin with your key (toolbar: Sign in as…) to change users; "
            "users, roles and keys change only by an admin (rule: admin-only)")
    return identity.authenticate(site, session.name, session.passphrase)


def enrol(site: Site, session: SignedInUser | None, name: str, role: str,
          passphrase: str) -> str:
    """A new user with their own key; returns the key id."""
    user = identity.create_user(site, _admin(site, session), name, role, passphrase)
    return str(user.key_id)


def change_role(site: Site, session: SignedInUser | None, name: str, role: str) -> None:
    identity.change_role(site, _admin(site, session), name, role)


def revoke(site: Site, session: SignedInUser | None, name: str) -> None:
    identity.revoke_user(site, _admin(site, session), name)
