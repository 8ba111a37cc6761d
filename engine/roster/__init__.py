"""The site roster: an append-only, hash-chained, admin-signed history of who may do
what (DESIGN §10). It is the only source of truth for users, their roles and keys,
environments and their settings, targets and the executor's keys; database rows for
those are a projection of it. Pure: bytes in, verified values out; no SQL, no clock.

Writing (the caller stores the returned bytes, in order):

- :func:`site_created` ``(site, admin, admin_signer, public_key_pem, at) -> bytes`` —
  record #0, self-signed by the first admin.
- :meth:`Roster.new_record` ``(kind, by, at, data, signer) -> bytes`` — the next
  record, chained after the roster's head and signed by the admin ``by``.
  Kinds and their ``data``: see :mod:`engine.roster.records` (``USER_ENROLLED``,
  ``USER_ROLE_CHANGED``, ``USER_REVOKED``, ``KEY_ENROLLED``, ``KEY_REVOKED``,
  ``EXECUTOR_ENROLLED``, ``EXECUTOR_REVOKED``, ``ENV_SET``, ``TARGET_SET``,
  ``TARGET_REMOVED``).

Reading:

- :func:`verify_roster` ``(envelopes: Sequence[bytes]) -> Roster`` — checks every
  record (format, sequence, hash chain, time order, genesis, admin-only,
  admin-signature, consistency, last-admin) and raises :class:`RosterError`
  ``(seq, rule, detail)`` naming the first bad record and the rule it breaks.
  A prefix of a roster is itself a roster (the auditor bundle may ship one).
- :class:`Roster` (frozen): ``site``, ``size``, ``head``, ``records``, ``raws``;
  ``user(name, at)`` -> :class:`RosterUser` (role, keyids in force, active) or None;
  ``users(at)``; ``role(name, at)``; ``is_admin(name, at)``;
  ``key(keyid, at)`` -> :class:`KeyHolder` (user, role, public_key) when that key
  was enrolled, not revoked and its user active at ``at``; ``user_keys(name, at)``;
  ``public_key(keyid)``; ``executor_keys(at)`` -> {keyid: PublicKey};
  ``environment(name, at)`` -> :class:`RosterEnvironment` (settings,
  approvals_required, workflow); ``environments(at)``; ``target(env, name, at)``;
  ``targets(env, at)``. ``at`` is a datetime or RFC 3339 string; None means now.
  Every record takes effect from its own ``at`` (inclusive).

Signed run events (:mod:`engine.roster.signed_events`):

- :func:`sign_new_events` ``(promotion_id, first_seq, prev, new_events, signer)`` —
  the events with ``data.signature`` over their own body (seq and prev included).
- :func:`verify_event_signature` ``(promotion_id, event, roster) -> KeyHolder`` —
  raises :class:`EventSignatureError` unless a key the roster held for the event's
  actor (or an executor key, for actor ``executor``) at the event's time signed it.
- :func:`event_signature` ``(event) -> (keyid, sig) | None`` — None when unsigned.
"""

from __future__ import annotations

from engine.roster.errors import RULES, EventSignatureError, RosterError
from engine.roster.records import (
    ADMIN,
    ENV_SET,
    EXECUTOR_ENROLLED,
    EXECUTOR_REVOKED,
    KEY_ENROLLED,
    KEY_REVOKED,
    KINDS,
    ROLES,
    ROSTER_PAYLOAD_TYPE,
    SITE_CREATED,
    TARGET_REMOVED,
    TARGET_SET,
    USER_ENROLLED,
    USER_REVOKED,
    USER_ROLE_CHANGED,
    RosterRecord,
    site_created,
)
from engine.roster.roster import (
    KeyHolder,
    Roster,
    RosterEnvironment,
    RosterTarget,
    RosterUser,
)
from engine.roster.signed_events import (
    EVENT_PAYLOAD_TYPE,
    EXECUTOR,
    event_signature,
    sign_new_events,
    verify_event_signature,
)
from engine.roster.verify import NAME_RE, verify_roster

__all__ = [
    "ADMIN", "ENV_SET", "EVENT_PAYLOAD_TYPE", "EXECUTOR", "EXECUTOR_ENROLLED",
    "EXECUTOR_REVOKED", "KEY_ENROLLED", "KEY_REVOKED", "KINDS", "NAME_RE", "ROLES",
    "ROSTER_PAYLOAD_TYPE", "RULES", "SITE_CREATED", "TARGET_REMOVED", "TARGET_SET",
    "USER_ENROLLED", "USER_REVOKED", "USER_ROLE_CHANGED", "EventSignatureError",
    "KeyHolder", "Roster", "RosterEnvironment", "RosterError", "RosterRecord",
    "RosterTarget", "RosterUser", "event_signature", "sign_new_events", "site_created",
    "verify_event_signature", "verify_roster",
]
