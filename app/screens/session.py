"""Who is signed in to this window, proven as the CLI proves it (issue 6 item 4).

Signing in as a user with a key runs :func:`app.services.identity.authenticate`: the
passphrase must open that user's own key and the key must be the one on record. The
passphrase is then kept in memory for the session only — never written, logged or
shown — because the services that sign (approvals) open the key themselves each
time, which also catches a key replaced on disk since the sign-in. There is no
signing in by name: every user acts with their own key.

Auditors are read-only: every action is refused to them with :data:`READ_ONLY`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.context import Site
from app.services import actions, identity, setup
from engine.run.state import RunState

if TYPE_CHECKING:
    from app.services.scheduler import ScheduleInfo

AUDITOR = "auditor"
READ_ONLY = "auditors are read-only"


@dataclass(frozen=True)
class LoginChoice:
    """A user as the login dialog lists them."""

    name: str
    role: str
    has_key: bool

    @property
    def label(self) -> str:
        return f"{self.name} — {self.role}" + ("" if self.has_key else " (read-only)")


@dataclass(frozen=True)
class SignedInUser:
    """The signed-in user; ``passphrase`` opens their key and is never printed."""

    name: str
    role: str
    key_id: str | None
    passphrase: str | None = field(default=None, repr=False, compare=False)

    @property
    def read_only(self) -> bool:
        return self.role == AUDITOR

    @property
    def has_key(self) -> bool:
        return self.key_id is not None

    def __reduce__(self) -> Any:
        raise TypeError("a signed-in user holds a passphrase and is never serialised")


def login_choices(site: Site) -> tuple[LoginChoice, ...]:
    """Active users; ``has_key``: signs in with their key's passphrase — everyone who may
    act. Auditors only read (reading is open), so they sign in read-only without it."""
    return tuple(LoginChoice(u.name, u.role, bool(u.key_id) and u.role != AUDITOR)
                 for u in setup.list_users(site))


def sign_in(site: Site, name: str, passphrase: str | None) -> SignedInUser:
    """Runs in a worker. Every user who may act signs in with the passphrase of their own
    key; an auditor without one signs in read-only."""
    if not passphrase and setup.get_user(site, name).role == AUDITOR:
        return SignedInUser(name, AUDITOR, None)
    if not passphrase:
        raise identity.AuthenticationFailed(f"{name} acts with their own key: enter its passphrase")
    proven = identity.authenticate(site, name, passphrase)
    return SignedInUser(proven.name, proven.role, proven.key_id, passphrase)


def passphrase_for(session: SignedInUser | None, actor: str | None) -> str | None:
    """The session's passphrase when the actor is the signed-in user, else None."""
    if session is None or actor is None or session.name != actor:
        return None
    return session.passphrase


def confirm(site: Site, actor: str, passphrase: str | None) -> identity.Identity:
    """Every acting user proves who they are with their key, as the CLI requires (``--as``)."""
    try:
        return identity.confirm_actor(site, actor, passphrase)
    except identity.AuthenticationFailed as err:
        if passphrase:
            raise
        raise identity.AuthenticationFailed(
            f"{actor} acts with their own key: sign in as {actor} (toolbar: Sign in as…) "
            "to act") from err


def act(site: Site, promotion_id: str, action: str, actor: str, passphrase: str | None,
        reason: str | None, scope: str | None = None,
        data: Mapping[str, Any] | None = None) -> RunState:
    """One operator action by the signed-in user (identity checked, then recorded)."""
    who = confirm(site, actor, passphrase)
    return actions.act(site, promotion_id, action, who, reason, scope=scope,
                       data=dict(data) if data else None)


def request_run(site: Site, promotion_id: str, actor: str, passphrase: str | None,
                reason: str | None) -> RunState:
    """"Start run" by the signed-in user: their key signs the ``run.requested`` event."""
    from app.services.run_requests import request_run as request

    return request(site, promotion_id, confirm(site, actor, passphrase), reason)


def run_now(site: Site, schedule_id: str, actor: str, passphrase: str | None,
            reason: str) -> ScheduleInfo:
    """"Run now instead of at <slot>" by the signed-in user, signed with their key."""
    from app.services import scheduler

    return scheduler.run_now(site, schedule_id, confirm(site, actor, passphrase), reason)
