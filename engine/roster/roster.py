"""The verified site roster, frozen: who held which role and key, which environments,
settings, targets and executor keys were in force, at any moment.

Every record takes effect at its own time ``at`` (inclusive): a key revoked at T
does not vouch for anything signed at T or later; a role changed at T is the role
from T on. Asking with ``at=None`` means "now", after every record. Times may be
``datetime`` (timezone-aware) or RFC 3339 UTC strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from engine.clock import parse_rfc3339
from engine.crypto.keys import PublicKey, Signer
from engine.roster.records import ADMIN, GENESIS, RosterRecord, record_body, sign_record

Moment = datetime | str | None


def _moment(at: Moment) -> datetime | None:
    if at is None or isinstance(at, datetime):
        return at
    return parse_rfc3339(at)


def _in_force(since: datetime, until: datetime | None, at: datetime | None) -> bool:
    if at is None:
        return until is None
    return since <= at and (until is None or at < until)


def _latest(history: Sequence[tuple[datetime, Any]], at: datetime | None) -> Any:
    """The value of the last (time, value) pair in force at ``at``; None before the first."""
    value = None
    for since, item in history:
        if at is not None and since > at:
            break
        value = item
    return value


@dataclass(frozen=True)
class RosterUser:
    """A user as the roster says at one moment. ``active`` is False once revoked."""

    name: str
    role: str
    keyids: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class KeyHolder:
    """Who a key spoke for at one moment, and in which role."""

    keyid: str
    user: str
    role: str
    public_key: PublicKey = field(repr=False, compare=False)


@dataclass(frozen=True)
class RosterEnvironment:
    name: str
    settings: Mapping[str, Any]

    @property
    def approvals_required(self) -> int:
        return int(self.settings.get("approvals_required", 0))

    @property
    def workflow(self) -> str | None:
        value = self.settings.get("workflow")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class RosterTarget:
    environment: str
    name: str
    driver: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class KeySpan:
    """One enrolled key: whose, its public key, from when, until when (revoked)."""

    keyid: str
    owner: str
    public_key: PublicKey = field(repr=False, compare=False)
    since: datetime = field(compare=False)
    until: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class UserSpan:
    """One user's history: enrolment, role changes (time, role), revocation."""

    name: str
    since: datetime
    roles: tuple[tuple[datetime, str], ...]
    until: datetime | None = None


@dataclass(frozen=True)
class Roster:
    """A roster that verified (build it with :func:`engine.roster.verify_roster`)."""

    site: str
    records: tuple[RosterRecord, ...]
    users_: Mapping[str, UserSpan] = field(repr=False)
    keys_: Mapping[str, KeySpan] = field(repr=False)
    executors_: Mapping[str, KeySpan] = field(repr=False)
    environments_: Mapping[str, tuple[tuple[datetime, Mapping[str, Any] | None], ...]] = field(
        repr=False)
    targets_: Mapping[tuple[str, str], tuple[tuple[datetime, Mapping[str, Any] | None], ...]] = \
        field(repr=False)

    # -- the chain -------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self.records)

    @property
    def head(self) -> str:
        """Hash of the last record's envelope bytes (64 zeros for an empty roster)."""
        return self.records[-1].hash if self.records else GENESIS

    @property
    def raws(self) -> tuple[bytes, ...]:
        return tuple(r.raw for r in self.records)

    def new_record(self, kind: str, by: str, at: str, data: Mapping[str, Any],
                   signer: Signer) -> bytes:
        """The next record's stored bytes, chained after :attr:`head` and signed by
        ``signer`` (the admin ``by``'s key). It is not part of this roster until
        the roster is verified again with it appended."""
        return sign_record(record_body(self.size, self.head, at, by, kind, data), signer)

    # -- users and keys ----------------------------------------------------------------
    def user(self, name: str, at: Moment = None) -> RosterUser | None:
        """The user at ``at`` (``active`` False once revoked); None if not enrolled by then."""
        span = self.users_.get(name)
        moment = _moment(at)
        if span is None or (moment is not None and span.since > moment):
            return None
        active = span.until is None or (moment is not None and moment < span.until)
        keyids = tuple(sorted(k.keyid for k in self.keys_.values()
                              if k.owner == name and active
                              and _in_force(k.since, k.until, moment)))
        return RosterUser(name=name, role=_latest(span.roles, moment), keyids=keyids,
                          active=active)

    def users(self, at: Moment = None) -> tuple[RosterUser, ...]:
        found = (self.user(name, at) for name in sorted(self.users_))
        return tuple(u for u in found if u is not None)

    def role(self, name: str, at: Moment = None) -> str | None:
        """The role of an active user at ``at``; None if not enrolled or revoked."""
        user = self.user(name, at)
        return user.role if user is not None and user.active else None

    def is_admin(self, name: str, at: Moment = None) -> bool:
        return self.role(name, at) == ADMIN

    def key(self, keyid: str, at: Moment = None) -> KeyHolder | None:
        """Who ``keyid`` spoke for at ``at``: enrolled, not revoked, its user active."""
        span = self.keys_.get(keyid)
        moment = _moment(at)
        if span is None or not _in_force(span.since, span.until, moment):
            return None
        role = self.role(span.owner, moment)
        if role is None:
            return None
        return KeyHolder(keyid=keyid, user=span.owner, role=role, public_key=span.public_key)

    def user_keys(self, name: str, at: Moment = None) -> dict[str, PublicKey]:
        """The keys that may sign for ``name`` at ``at`` (none once the user is revoked)."""
        user = self.user(name, at)
        if user is None or not user.active:
            return {}
        return {k: self.keys_[k].public_key for k in user.keyids}

    def public_key(self, keyid: str) -> PublicKey | None:
        """A key the roster ever enrolled (a user's or the executor's), in force or not."""
        span = self.keys_.get(keyid) or self.executors_.get(keyid)
        return span.public_key if span is not None else None

    def executor_keys(self, at: Moment = None) -> dict[str, PublicKey]:
        moment = _moment(at)
        return {k: s.public_key for k, s in sorted(self.executors_.items())
                if _in_force(s.since, s.until, moment)}

    # -- environments and targets ------------------------------------------------------
    def environment(self, name: str, at: Moment = None) -> RosterEnvironment | None:
        settings = _latest(self.environments_.get(name, ()), _moment(at))
        if settings is None:
            return None
        return RosterEnvironment(name=name, settings=settings)

    def environments(self, at: Moment = None) -> tuple[RosterEnvironment, ...]:
        found = (self.environment(name, at) for name in sorted(self.environments_))
        return tuple(e for e in found if e is not None)

    def target(self, environment: str, name: str, at: Moment = None) -> RosterTarget | None:
        data = _latest(self.targets_.get((environment, name), ()), _moment(at))
        if data is None:
            return None
        return RosterTarget(environment=environment, name=name, driver=str(data["driver"]),
                            options=MappingProxyType(dict(data.get("options") or {})))

    def targets(self, environment: str | None = None,
                at: Moment = None) -> tuple[RosterTarget, ...]:
        found = (self.target(env, name, at) for env, name in sorted(self.targets_)
                 if environment is None or env == environment)
        return tuple(t for t in found if t is not None)
