"""Run events signed by whoever acted: a person's key or the site executor's key.

The signature is over the event itself: the DSSE PAE (payload type
:data:`EVENT_PAYLOAD_TYPE`) of the canonical JSON ``{"promotion": ID, "event": BODY}``
where BODY is the event's stored body without ``data.signature``. BODY holds the
event's ``seq`` and ``prev`` (the previous event's hash), so a signature cannot be
moved to another place in the chain or another promotion. The signature travels in
the event as ``data.signature = {"keyid": ..., "sig": <base64>}``; the event's hash
chain then covers it too.

Events written before signatures existed carry none; :func:`event_signature`
returns None for them, and callers decide what an unsigned event may prove.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from engine.canonical import canonical_bytes
from engine.crypto.dsse import pae
from engine.crypto.keys import PublicKey, Signer
from engine.roster.errors import EventSignatureError
from engine.roster.roster import KeyHolder, Roster
from engine.run import events as ev

EVENT_PAYLOAD_TYPE = "application/vnd.stellaops.run-event.v1+json"
SIGNATURE_FIELD = "signature"
EXECUTOR = "system:executor"  # the actor name of the executor's events


def _body(seq: int, prev: str, new: ev.NewEvent) -> dict[str, Any]:
    return {"v": ev.EVENT_VERSION, "seq": seq, "type": new.type, "actor": new.actor,
            "at": new.at, "step": new.step, "reason": new.reason, "data": dict(new.data),
            "prev": prev}


def signed_message(promotion_id: str, body: Mapping[str, Any]) -> bytes:
    """What the actor signs: PAE over ``{"promotion", "event"}`` with the signature left out."""
    data = {k: v for k, v in dict(body["data"]).items() if k != SIGNATURE_FIELD}
    unsigned = {**dict(body), "data": data}
    return pae(EVENT_PAYLOAD_TYPE,
               canonical_bytes({"promotion": promotion_id, "event": unsigned}))


def sign_new_events(promotion_id: str, first_seq: int, prev: str,
                    new_events: Sequence[ev.NewEvent], signer: Signer) -> list[ev.NewEvent]:
    """``new_events`` as they will be appended after ``prev`` at ``first_seq``, each
    carrying ``signer``'s signature. Appending them anywhere else breaks the signatures."""
    signed: list[ev.NewEvent] = []
    for offset, new in enumerate(new_events):
        seq = first_seq + offset
        message = signed_message(promotion_id, _body(seq, prev, new))
        signature = {"keyid": signer.keyid,
                     "sig": base64.standard_b64encode(signer.sign(message)).decode("ascii")}
        done = replace(new, data={**dict(new.data), SIGNATURE_FIELD: signature})
        signed.append(done)
        prev = ev.Event.seal(done, seq=seq, prev=prev).hash
    return signed


def event_signature(event: ev.Event) -> tuple[str, bytes] | None:
    """(keyid, signature bytes) an event carries; None if unsigned. Malformed raises."""
    value = event.data.get(SIGNATURE_FIELD) if isinstance(event.data, Mapping) else None
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"keyid", "sig"} \
            or not isinstance(value["keyid"], str) or not isinstance(value["sig"], str):
        raise EventSignatureError(f"event #{event.seq} carries a malformed signature")
    try:
        sig = base64.b64decode(value["sig"].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise EventSignatureError(f"event #{event.seq} carries a malformed signature") from None
    return value["keyid"], sig


def _check(promotion_id: str, event: ev.Event, key: PublicKey, sig: bytes) -> None:
    body = json.loads(event.raw)
    if not key.verify(sig, signed_message(promotion_id, body)):
        raise EventSignatureError(
            f"event #{event.seq} ({event.type} by {event.actor}) is not signed by "
            f"{event.actor}'s key: the signature does not match the event")


def verify_event_signature(promotion_id: str, event: ev.Event, roster: Roster) -> KeyHolder:
    """Who signed ``event``: a key the roster enrolled for ``event.actor`` and in force at
    the event's time (or a site executor key, for the executor's events). Raises
    :class:`EventSignatureError` naming the event otherwise."""
    found = event_signature(event)
    if found is None:
        raise EventSignatureError(f"event #{event.seq} ({event.type} by {event.actor}) "
                                  "carries no signature")
    keyid, sig = found
    if event.actor == EXECUTOR:
        key = roster.executor_keys(event.at).get(keyid)
        if key is None:
            raise EventSignatureError(f"event #{event.seq} is signed by {keyid[:16]}…, "
                                      "not an executor key in force at that time")
        _check(promotion_id, event, key, sig)
        return KeyHolder(keyid=keyid, user=EXECUTOR, role=EXECUTOR, public_key=key)
    holder = roster.key(keyid, event.at)
    if holder is None or holder.user != event.actor:
        raise EventSignatureError(
            f"event #{event.seq} ({event.type} by {event.actor}) is signed by key "
            f"{keyid[:16]}…, which the roster did not hold for {event.actor} at {event.at}")
    _check(promotion_id, event, holder.public_key, sig)
    return holder
