"""Verify a roster from its stored bytes, record by record, and freeze the result.

Rules, checked in this order for each record (the first failure raises
:class:`RosterError` naming the record and the rule):

1. record-format: a canonical DSSE envelope of a well-formed record body.
2. sequence: ``seq`` is the record's position.
3. hash-chain: ``prev`` is the hash of the previous record's bytes (zeros for #0).
4. time-order: ``at`` is not earlier than the previous record's.
5. genesis: record #0, and only #0, is ``site.created``, signed by the admin it enrols.
6. admin-only: every later record is by a user who is an active admin at that point.
7. admin-signature: the envelope is signed by a key in force for that admin.
8. consistency: the change makes sense (known user, no reused name or key, ...).
9. last-admin: after the record, at least one active admin still holds a key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from engine.crypto.dsse import verify
from engine.crypto.errors import CryptoError
from engine.crypto.keys import PublicKey
from engine.roster import records as rec
from engine.roster.errors import (
    RULE_ADMIN_ONLY,
    RULE_CHAIN,
    RULE_CONSISTENCY,
    RULE_GENESIS,
    RULE_LAST_ADMIN,
    RULE_SEQUENCE,
    RULE_SIGNATURE,
    RULE_TIME,
    RosterError,
)
from engine.roster.roster import KeySpan, Roster, UserSpan

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


@dataclass
class _Fold:
    """The roster's state after each record, as it is being verified (latest only)."""

    site: str = ""
    users: dict[str, UserSpan] = field(default_factory=dict)
    keys: dict[str, KeySpan] = field(default_factory=dict)
    executors: dict[str, KeySpan] = field(default_factory=dict)
    envs: dict[str, list[tuple[datetime, Mapping[str, Any] | None]]] = field(default_factory=dict)
    targets: dict[tuple[str, str], list[tuple[datetime, Mapping[str, Any] | None]]] = field(
        default_factory=dict)

    def role(self, name: str) -> str | None:
        span = self.users.get(name)
        if span is None or span.until is not None:
            return None
        return span.roles[-1][1]

    def active_keys(self, name: str) -> dict[str, PublicKey]:
        if self.role(name) is None:
            return {}
        return {k: s.public_key for k, s in self.keys.items()
                if s.owner == name and s.until is None}

    def able_admins(self) -> list[str]:
        return [n for n in self.users if self.role(n) == rec.ADMIN and self.active_keys(n)]


def verify_roster(envelopes: Sequence[bytes]) -> Roster:
    """Verify every record of a roster (stored envelope bytes, in order) and return it frozen."""
    if not envelopes:
        raise RosterError(-1, RULE_GENESIS, "the roster is empty: the site was never created")
    fold = _Fold()
    records: list[rec.RosterRecord] = []
    for index, raw in enumerate(envelopes):
        record = rec.RosterRecord.from_bytes(raw, index)
        _check_position(record, index, records[-1] if records else None)
        _apply(fold, record)
        if record.kind in _MAY_REMOVE_AN_ADMIN and not fold.able_admins():
            raise RosterError(index, RULE_LAST_ADMIN,
                              "no active admin with a key would be left to change the roster")
        records.append(record)
    return Roster(
        site=fold.site, records=tuple(records),
        users_=MappingProxyType(dict(fold.users)), keys_=MappingProxyType(dict(fold.keys)),
        executors_=MappingProxyType(dict(fold.executors)),
        environments_=MappingProxyType({k: tuple(v) for k, v in fold.envs.items()}),
        targets_=MappingProxyType({k: tuple(v) for k, v in fold.targets.items()}),
    )


def _check_position(record: rec.RosterRecord, index: int,
                    previous: rec.RosterRecord | None) -> None:
    if record.seq != index:
        raise RosterError(index, RULE_SEQUENCE, f"sequence number {record.seq} out of place")
    expected = previous.hash if previous is not None else rec.GENESIS
    if record.prev != expected:
        raise RosterError(index, RULE_CHAIN,
                          "back-link does not match the previous record's hash")
    if previous is not None and record.moment < previous.moment:
        raise RosterError(index, RULE_TIME,
                          f"dated {record.at}, before the previous record ({previous.at})")


def _signed_by(record: rec.RosterRecord, keys: Mapping[str, PublicKey]) -> None:
    if not keys:
        raise RosterError(record.seq, RULE_SIGNATURE, f"{record.by} has no key in force to sign")
    try:
        verify(record.envelope, keys, 1, rec.ROSTER_PAYLOAD_TYPE)
    except CryptoError:
        raise RosterError(record.seq, RULE_SIGNATURE,
                          f"not signed by a key of {record.by} in force at that time") from None


def _apply(fold: _Fold, record: rec.RosterRecord) -> None:
    if record.kind == rec.SITE_CREATED or record.seq == 0:
        _genesis(fold, record)
        return
    if fold.role(record.by) != rec.ADMIN:
        raise RosterError(record.seq, RULE_ADMIN_ONLY,
                          f"{record.by} is not an active admin and may not change the roster")
    _signed_by(record, fold.active_keys(record.by))
    _CHANGES[record.kind](fold, record, _Data(record))


class _Data:
    """Typed access to a record's data; every problem is a consistency error."""

    def __init__(self, record: rec.RosterRecord) -> None:
        self.record = record

    def fail(self, detail: str) -> RosterError:
        return RosterError(self.record.seq, RULE_CONSISTENCY, detail)

    def name(self, key: str = "name") -> str:
        value = self.record.data.get(key)
        if not isinstance(value, str) or not NAME_RE.match(value):
            raise self.fail(f"{key} {value!r} is not a valid name")
        return value

    def role(self) -> str:
        value = self.record.data.get("role")
        if value not in rec.ROLES:
            raise self.fail(f"role {value!r} is not one of {', '.join(rec.ROLES)}")
        return str(value)

    def public_key(self, fold: _Fold, value: Any = None) -> PublicKey:
        pem = self.record.data.get("public_key") if value is None else value
        if not isinstance(pem, str):
            raise self.fail("public_key is not a PEM string")
        try:
            key = PublicKey.from_pem(pem)
        except CryptoError as exc:
            raise self.fail(f"public_key is unusable ({exc})") from None
        if key.keyid in fold.keys or key.keyid in fold.executors:
            raise self.fail(f"key {key.keyid[:16]}… is already enrolled")
        return key

    def keyid(self) -> str:
        value = self.record.data.get("keyid")
        if not isinstance(value, str) or not value:
            raise self.fail("keyid is missing")
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.record.data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{key} is not an object")
        return MappingProxyType(dict(value))


def _genesis(fold: _Fold, record: rec.RosterRecord) -> None:
    if record.seq != 0 or record.kind != rec.SITE_CREATED:
        raise RosterError(record.seq, RULE_GENESIS,
                          "only the first record creates the site, and it must")
    data = _Data(record)
    site = record.data.get("site")
    admin = record.data.get("admin")
    if not isinstance(site, str) or not site or not isinstance(admin, dict):
        raise RosterError(0, RULE_GENESIS, "site.created names no site or no admin")
    name = admin.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name) or name != record.by:
        raise RosterError(0, RULE_GENESIS, "site.created must be signed by the admin it enrols")
    key = data.public_key(fold, admin.get("public_key"))
    _signed_by(record, {key.keyid: key})
    fold.site = site
    fold.users[name] = UserSpan(name=name, since=record.moment, roles=((record.moment, rec.ADMIN),))
    fold.keys[key.keyid] = KeySpan(key.keyid, name, key, record.moment)


def _known_user(fold: _Fold, data: _Data) -> str:
    name = data.name()
    if fold.role(name) is None:
        raise data.fail(f"no active user named {name}")
    return name


def _user_enrolled(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    name = data.name()
    if name in fold.users:
        raise data.fail(f"user {name} already exists (names are never reused)")
    role = data.role()
    key = data.public_key(fold)
    fold.users[name] = UserSpan(name=name, since=record.moment, roles=((record.moment, role),))
    fold.keys[key.keyid] = KeySpan(key.keyid, name, key, record.moment)


def _role_changed(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    name = _known_user(fold, data)
    role = data.role()
    span = fold.users[name]
    if span.roles[-1][1] == role:
        raise data.fail(f"{name} already has the role {role}")
    fold.users[name] = UserSpan(name=name, since=span.since,
                                roles=(*span.roles, (record.moment, role)))


def _user_revoked(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    name = _known_user(fold, data)
    span = fold.users[name]
    fold.users[name] = UserSpan(name=name, since=span.since, roles=span.roles,
                                until=record.moment)
    for keyid, key in list(fold.keys.items()):
        if key.owner == name and key.until is None:
            fold.keys[keyid] = KeySpan(keyid, name, key.public_key, key.since, record.moment)


def _key_enrolled(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    name = _known_user(fold, data)
    key = data.public_key(fold)
    fold.keys[key.keyid] = KeySpan(key.keyid, name, key, record.moment)


def _key_revoked(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    name = _known_user(fold, data)
    keyid = data.keyid()
    key = fold.keys.get(keyid)
    if key is None or key.owner != name or key.until is not None:
        raise data.fail(f"{name} holds no key {keyid[:16]}… in force")
    fold.keys[keyid] = KeySpan(keyid, name, key.public_key, key.since, record.moment)


def _executor_enrolled(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    key = data.public_key(fold)
    fold.executors[key.keyid] = KeySpan(key.keyid, "executor", key, record.moment)


def _executor_revoked(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    keyid = data.keyid()
    key = fold.executors.get(keyid)
    if key is None or key.until is not None:
        raise data.fail(f"no executor key {keyid[:16]}… in force")
    fold.executors[keyid] = KeySpan(keyid, key.owner, key.public_key, key.since, record.moment)


def _env_set(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    name = data.name()
    settings = data.mapping("settings")
    required = settings.get("approvals_required", 0)
    if not isinstance(required, int) or isinstance(required, bool) or required < 0:
        raise data.fail(f"approvals_required {required!r} is not a count")
    if "workflow" in settings and not isinstance(settings["workflow"], str):
        raise data.fail("workflow is not a string")
    fold.envs.setdefault(name, []).append((record.moment, settings))


def _target_set(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    env = data.name("environment")
    name = data.name()
    if not fold.envs.get(env) or fold.envs[env][-1][1] is None:
        raise data.fail(f"no environment named {env}")
    driver = record.data.get("driver")
    if not isinstance(driver, str) or not driver:
        raise data.fail("driver is missing")
    options = data.mapping("options")
    fold.targets.setdefault((env, name), []).append(
        (record.moment, MappingProxyType({"driver": driver, "options": options})))


def _target_removed(fold: _Fold, record: rec.RosterRecord, data: _Data) -> None:
    env, name = data.name("environment"), data.name()
    history = fold.targets.get((env, name))
    if not history or history[-1][1] is None:
        raise data.fail(f"no target {name} in {env}")
    history.append((record.moment, None))


_MAY_REMOVE_AN_ADMIN = frozenset({rec.USER_ROLE_CHANGED, rec.USER_REVOKED, rec.KEY_REVOKED})

_CHANGES = {
    rec.USER_ENROLLED: _user_enrolled,
    rec.USER_ROLE_CHANGED: _role_changed,
    rec.USER_REVOKED: _user_revoked,
    rec.KEY_ENROLLED: _key_enrolled,
    rec.KEY_REVOKED: _key_revoked,
    rec.EXECUTOR_ENROLLED: _executor_enrolled,
    rec.EXECUTOR_REVOKED: _executor_revoked,
    rec.ENV_SET: _env_set,
    rec.TARGET_SET: _target_set,
    rec.TARGET_REMOVED: _target_removed,
}
