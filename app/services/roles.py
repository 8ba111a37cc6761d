"""Least privilege (DESIGN §9): which roles may do what."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound, Rejected
from models.tables import User

OPERATORS = ("operator", "release-manager")
ACTION_ROLES = {
    "approve": ("approver",),
    "reject": ("approver",),
}


def roles_for(action: str) -> tuple[str, ...]:
    return ACTION_ROLES.get(action, OPERATORS)


def require_role(session: Session, actor: str, roles: tuple[str, ...], doing: str) -> User:
    if not actor:
        raise Rejected(f"say who you are (--as USER) to {doing}")
    user = session.scalar(select(User).where(User.name == actor))
    if user is None:
        raise NotFound(f"no user named {actor}")
    if user.role not in roles:
        raise Rejected(f"{actor} is {user.role!r} and may not {doing}; "
                       f"that needs the role {' or '.join(roles)}")
    return user
