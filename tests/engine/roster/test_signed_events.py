from __future__ import annotations

import json

import pytest

from engine.canonical import canonical_bytes
from engine.crypto.keys import Ed25519Signer
from engine.roster import (
    EXECUTOR,
    EXECUTOR_ENROLLED,
    KEY_REVOKED,
    USER_ENROLLED,
    EventSignatureError,
    event_signature,
    sign_new_events,
    site_created,
    verify_event_signature,
    verify_roster,
)
from engine.run import events as ev

ADA, OLGA, EXEC, MALLORY = (Ed25519Signer.from_seed(bytes([i]) * 32) for i in (1, 2, 3, 4))


def roster(revoke_olga_at: str | None = None):
    r = verify_roster([site_created("s", "ada", ADA, ADA.public_key.to_pem(), "2026-02-18T08:00:00Z")])
    raws = [*r.raws, r.new_record(USER_ENROLLED, "ada", "2026-02-18T08:01:00Z",
                                  {"name": "olga", "role": "operator",
                                   "public_key": OLGA.public_key.to_pem()}, ADA)]
    r = verify_roster(raws)
    r = verify_roster([*r.raws, r.new_record(EXECUTOR_ENROLLED, "ada", "2026-02-18T08:02:00Z",
                                             {"public_key": EXEC.public_key.to_pem()}, ADA)])
    if revoke_olga_at:
        r = verify_roster([*r.raws, r.new_record(KEY_REVOKED, "ada", revoke_olga_at,
                                                 {"name": "olga", "keyid": OLGA.keyid}, ADA)])
    return r


def appended(new: list[ev.NewEvent], signer: Ed25519Signer, prev: str = ev.GENESIS,
             seq: int = 0) -> list[ev.Event]:
    out = []
    for item in sign_new_events("P-1", seq, prev, new, signer):
        event = ev.Event.seal(item, seq=seq, prev=prev)
        out.append(event)
        seq, prev = seq + 1, event.hash
    return out


def pause(actor: str = "olga", at: str = "2026-02-18T09:00:00Z") -> ev.NewEvent:
    return ev.NewEvent(ev.RUN_PAUSED, actor=actor, at=at, reason="look", data={"x": 1})


def test_a_signed_action_verifies_against_the_roster() -> None:
    events = appended([pause(), pause()], OLGA)
    for event in events:
        holder = verify_event_signature("P-1", event, roster())
        assert (holder.user, holder.role) == ("olga", "operator")
    assert ev.verify_chain([(e.raw, e.hash) for e in events]) == events


def test_executor_events_verify_with_the_executor_key() -> None:
    [event] = appended([pause(actor=EXECUTOR)], EXEC)
    assert verify_event_signature("P-1", event, roster()).user == EXECUTOR
    [forged] = appended([pause(actor=EXECUTOR)], OLGA)
    with pytest.raises(EventSignatureError, match="not an executor key"):
        verify_event_signature("P-1", forged, roster())


def test_signature_binds_actor_promotion_position_and_content() -> None:
    [event] = appended([pause(actor="olga")], MALLORY)
    with pytest.raises(EventSignatureError, match="did not hold for olga"):
        verify_event_signature("P-1", event, roster())
    [event] = appended([pause()], OLGA)
    with pytest.raises(EventSignatureError, match="does not match"):
        verify_event_signature("P-2", event, roster())
    body = json.loads(event.raw)
    body["reason"] = "changed"
    changed = ev.Event.from_raw(canonical_bytes(body))
    with pytest.raises(EventSignatureError, match="does not match"):
        verify_event_signature("P-1", changed, roster())
    moved = appended([pause()], OLGA, seq=0)[0]
    body = json.loads(moved.raw)
    body["seq"], body["prev"] = 3, "a" * 64
    with pytest.raises(EventSignatureError, match="does not match"):
        verify_event_signature("P-1", ev.Event.from_raw(canonical_bytes(body)), roster())


def test_a_revoked_key_signs_nothing_from_its_revocation_on() -> None:
    r = roster(revoke_olga_at="2026-02-18T09:00:00Z")
    [before] = appended([pause(at="2026-02-18T08:59:59Z")], OLGA)
    assert verify_event_signature("P-1", before, r).user == "olga"
    [after] = appended([pause(at="2026-02-18T09:00:00Z")], OLGA)
    with pytest.raises(EventSignatureError):
        verify_event_signature("P-1", after, r)


def test_unsigned_events_say_so() -> None:
    event = ev.Event.seal(pause(), seq=0, prev=ev.GENESIS)
    assert event_signature(event) is None
    with pytest.raises(EventSignatureError, match="carries no signature"):
        verify_event_signature("P-1", event, roster())
