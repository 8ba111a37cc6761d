from __future__ import annotations

import base64
import json

import pytest

from engine.canonical import canonical_bytes
from engine.crypto.dsse import Envelope, sign
from engine.crypto.keys import Ed25519Signer
from engine.roster import (
    ENV_SET,
    EXECUTOR_ENROLLED,
    KEY_REVOKED,
    ROSTER_PAYLOAD_TYPE,
    TARGET_REMOVED,
    TARGET_SET,
    USER_ENROLLED,
    USER_REVOKED,
    USER_ROLE_CHANGED,
    Roster,
    RosterError,
    site_created,
    verify_roster,
)

ADA, BOB, CAROL, EXEC, MALLORY = (Ed25519Signer.from_seed(bytes([i]) * 32) for i in (1, 2, 3, 4, 5))


def pem(signer: Ed25519Signer) -> str:
    return signer.public_key.to_pem()


def base() -> Roster:
    return verify_roster([site_created("eu-west", "ada", ADA, pem(ADA), "2026-02-18T08:00:00Z")])


def grow(roster: Roster, kind: str, at: str, data: dict, by: str = "ada",
         signer: Ed25519Signer = ADA) -> Roster:
    return verify_roster([*roster.raws, roster.new_record(kind, by, at, data, signer)])


def staffed() -> Roster:
    r = base()
    r = grow(r, USER_ENROLLED, "2026-02-18T08:01:00Z",
             {"name": "bob", "role": "approver", "public_key": pem(BOB)})
    r = grow(r, USER_ENROLLED, "2026-02-18T08:02:00Z",
             {"name": "carol", "role": "operator", "public_key": pem(CAROL)})
    r = grow(r, EXECUTOR_ENROLLED, "2026-02-18T08:03:00Z", {"public_key": pem(EXEC)})
    r = grow(r, ENV_SET, "2026-02-18T08:04:00Z",
             {"name": "eu-prod", "settings": {"approvals_required": 1, "workflow": "direct"}})
    return r


def test_genesis_enrols_the_first_admin() -> None:
    r = base()
    assert r.site == "eu-west" and r.size == 1
    assert r.is_admin("ada")
    assert r.key(ADA.keyid).user == "ada"
    assert r.user("ada", "2026-02-18T07:59:59Z") is None


def test_key_answers_who_held_it_and_in_which_role_at_a_time() -> None:
    r = staffed()
    holder = r.key(BOB.keyid, "2026-02-18T09:00:00Z")
    assert (holder.user, holder.role) == ("bob", "approver")
    assert r.key(BOB.keyid, "2026-02-18T08:00:30Z") is None  # before enrolment
    assert r.executor_keys().keys() == {EXEC.keyid}
    assert r.environment("eu-prod").approvals_required == 1
    assert r.environment("eu-prod", "2026-02-18T08:03:59Z") is None


def test_revocation_takes_effect_from_its_own_time() -> None:
    r = grow(staffed(), KEY_REVOKED, "2026-02-18T10:00:00Z", {"name": "bob", "keyid": BOB.keyid})
    assert r.key(BOB.keyid, "2026-02-18T09:59:59Z").user == "bob"
    assert r.key(BOB.keyid, "2026-02-18T10:00:00Z") is None
    assert r.key(BOB.keyid) is None
    r = grow(r, USER_REVOKED, "2026-02-18T11:00:00Z", {"name": "carol"})
    assert r.role("carol", "2026-02-18T10:59:00Z") == "operator"
    assert r.role("carol", "2026-02-18T11:00:00Z") is None
    assert not r.user("carol").active and r.user("carol").keyids == ()


def test_role_change_is_the_role_from_then_on() -> None:
    r = grow(staffed(), USER_ROLE_CHANGED, "2026-02-18T12:00:00Z", {"name": "bob", "role": "auditor"})
    assert r.key(BOB.keyid, "2026-02-18T11:00:00Z").role == "approver"
    assert r.key(BOB.keyid, "2026-02-18T12:00:00Z").role == "auditor"


def test_targets_come_and_go() -> None:
    r = grow(staffed(), TARGET_SET, "2026-02-18T09:00:00Z",
             {"environment": "eu-prod", "name": "p1", "driver": "command", "options": {"a": 1}})
    r = grow(r, TARGET_REMOVED, "2026-02-18T09:30:00Z", {"environment": "eu-prod", "name": "p1"})
    assert r.target("eu-prod", "p1", "2026-02-18T09:10:00Z").options == {"a": 1}
    assert r.target("eu-prod", "p1") is None
    assert r.targets("eu-prod") == ()


def rule_of(raws: list[bytes]) -> tuple[int, str]:
    with pytest.raises(RosterError) as caught:
        verify_roster(raws)
    return caught.value.seq, caught.value.rule


def test_a_non_admin_cannot_change_the_roster() -> None:
    r = staffed()
    forged = r.new_record(USER_ENROLLED, "bob", "2026-02-18T09:00:00Z",
                          {"name": "bob2", "role": "approver", "public_key": pem(MALLORY)}, BOB)
    assert rule_of([*r.raws, forged]) == (5, "admin-only")


def test_a_record_signed_by_the_wrong_key_is_refused() -> None:
    r = staffed()
    forged = r.new_record(USER_ENROLLED, "ada", "2026-02-18T09:00:00Z",
                          {"name": "eve", "role": "approver", "public_key": pem(MALLORY)}, MALLORY)
    assert rule_of([*r.raws, forged]) == (5, "admin-signature")


def test_a_tampered_record_breaks_its_signature_and_the_chain() -> None:
    raws = list(staffed().raws)
    envelope = Envelope.from_bytes(raws[1])
    body = json.loads(envelope.payload)
    body["data"]["role"] = "admin"
    tampered = Envelope(ROSTER_PAYLOAD_TYPE, canonical_bytes(body), envelope.signatures)
    raws[1] = tampered.to_bytes()
    assert rule_of(raws) == (1, "admin-signature")
    resigned = sign(ROSTER_PAYLOAD_TYPE, canonical_bytes(body), [ADA]).to_bytes()
    raws[1] = resigned
    assert rule_of(raws) == (2, "hash-chain")


def test_deleted_or_reordered_records_are_refused() -> None:
    raws = list(staffed().raws)
    assert rule_of([raws[0], raws[2]]) == (1, "sequence")
    assert rule_of(raws[1:]) == (0, "sequence")
    assert rule_of([]) == (-1, "genesis")


def test_genesis_must_be_self_signed_by_its_admin() -> None:
    raw = site_created("eu-west", "ada", MALLORY, pem(ADA), "2026-02-18T08:00:00Z")
    assert rule_of([raw]) == (0, "admin-signature")


def test_time_goes_forward() -> None:
    r = staffed()
    late = r.new_record(USER_REVOKED, "ada", "2026-02-18T07:00:00Z", {"name": "bob"}, ADA)
    assert rule_of([*r.raws, late]) == (5, "time-order")


def test_the_last_admin_cannot_be_revoked_or_demoted() -> None:
    r = staffed()
    out = r.new_record(USER_REVOKED, "ada", "2026-02-18T09:00:00Z", {"name": "ada"}, ADA)
    assert rule_of([*r.raws, out]) == (5, "last-admin")
    demote = r.new_record(USER_ROLE_CHANGED, "ada", "2026-02-18T09:00:00Z",
                          {"name": "ada", "role": "operator"}, ADA)
    assert rule_of([*r.raws, demote]) == (5, "last-admin")


def test_revoked_admin_cannot_sign_later_records() -> None:
    r = grow(staffed(), USER_ENROLLED, "2026-02-18T09:00:00Z",
             {"name": "zed", "role": "admin", "public_key": pem(MALLORY)})
    r = grow(r, USER_REVOKED, "2026-02-18T09:10:00Z", {"name": "ada"}, by="zed", signer=MALLORY)
    late = r.new_record(USER_ENROLLED, "ada", "2026-02-18T09:20:00Z",
                        {"name": "eve", "role": "approver", "public_key": pem(EXEC)}, ADA)
    assert rule_of([*r.raws, late]) == (r.size, "admin-only")


def test_consistency_rules() -> None:
    r = staffed()
    cases = [
        (USER_ENROLLED, {"name": "bob", "role": "approver", "public_key": pem(MALLORY)}),
        (USER_ENROLLED, {"name": "eve", "role": "approver", "public_key": pem(BOB)}),
        (USER_ENROLLED, {"name": "eve", "role": "god", "public_key": pem(MALLORY)}),
        (USER_ENROLLED, {"name": "Eve!", "role": "approver", "public_key": pem(MALLORY)}),
        (USER_ROLE_CHANGED, {"name": "nobody", "role": "operator"}),
        (KEY_REVOKED, {"name": "carol", "keyid": BOB.keyid}),
        (TARGET_SET, {"environment": "nowhere", "name": "t", "driver": "command"}),
        (ENV_SET, {"name": "x", "settings": {"approvals_required": -1}}),
    ]
    for kind, data in cases:
        raw = r.new_record(kind, "ada", "2026-02-18T09:00:00Z", data, ADA)
        assert rule_of([*r.raws, raw]) == (5, "consistency"), (kind, data)


def test_malformed_bytes_are_a_format_error() -> None:
    raws = list(staffed().raws)
    assert rule_of([*raws, b"{}"]) == (5, "record-format")
    other = sign("application/json", b"{}", [ADA]).to_bytes()
    assert rule_of([*raws, other]) == (5, "record-format")
    padded = raws[1] + b" "
    assert rule_of([raws[0], padded]) == (1, "record-format")


def test_error_message_names_record_and_rule() -> None:
    with pytest.raises(RosterError, match=r"record #1: .* \(rule: hash-chain\)"):
        r = staffed()
        raws = list(r.raws)
        env = json.loads(raws[1])
        body = json.loads(base64.b64decode(env["payload"]))
        body["prev"] = "1" * 64
        verify_roster([raws[0], sign(ROSTER_PAYLOAD_TYPE, canonical_bytes(body), [ADA]).to_bytes()])
