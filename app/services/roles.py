"""Least privilege (DESIGN §9): which roles may do what, as the verified site roster says."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound, Rejected
from app.services import site_roster
from engine.roster import KeyHolder
from models.tables import User

if TYPE_CHECKING:
    from app.services.identity import Identity

OPERATORS = ("operator", "release-manager")
ACTION_ROLES = {
    "approve": ("approver",),
    "reject": ("approver",),
}


def roles_for(action: str) -> tuple[str, ...]:
    return ACTION_ROLES.get(action, OPERATORS)


def require_role(session: Session, actor: str, roles: tuple[str, ...], doing: str) -> User:
    """The actor's role now, read from the verified roster (never from a row alone)."""
    if not actor:
        raise Rejected(f"say who you are (--as USER) to {doing}")
    roster = site_roster.load(session)
    user = roster.user(actor)
    if user is None:
        raise NotFound(f"no user named {actor}")
    if not user.active:
        raise Rejected(f"{actor} was revoked and may not {doing}")
    if user.role not in roles:
        raise Rejected(f"{actor} is {user.role!r} and may not {doing}; "
                       f"that needs the role {' or '.join(roles)}")
    row = session.scalar(select(User).where(User.name == actor))
    if row is None:
        raise NotFound(f"no user named {actor}")
    return row


def require_signer(session: Session, who: Identity, roles: tuple[str, ...], doing: str,
                   at: str) -> KeyHolder:
    """An authenticated user's key is in force for them at ``at`` and their role allows
    ``doing``: what makes a signed action count."""
    holder = site_roster.load(session).key(who.key_id, at)
    if holder is None or holder.user != who.name:
        raise Rejected(f"{who.name}'s key {who.key_id[:16]}… is not in force in the site roster "
                       f"and cannot {doing}")
    if holder.role not in roles:
        raise Rejected(f"{who.name} is {holder.role!r} and may not {doing}; "
                       f"that needs the role {' or '.join(roles)}")
    return holder
