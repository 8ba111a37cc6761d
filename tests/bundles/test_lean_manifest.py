"""The manifest's subjects are read lean (ListedStatement): the same members, the same
rejections, in the same order, as reading the statement the general way."""

from __future__ import annotations

import hashlib
import json

import pytest

from airgap_bundles.errors import BundleError
from airgap_bundles.manifest import (
    BUNDLE_PREDICATE_TYPE,
    BundleManifest,
    ListedFile,
    ListedStatement,
    MemberDigests,
)
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import STATEMENT_TYPE, Statement
from tests.bundles.helpers import predicate

PREDICATE = predicate(name="lean-app", version=3).to_json()


def _hex(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def _subject(name: object, digest: object) -> dict:
    return {"name": name, "digest": digest}


def _payload(subjects: list, **changes: object) -> bytes:
    statement = {"_type": STATEMENT_TYPE, "subject": subjects,
                 "predicateType": BUNDLE_PREDICATE_TYPE, "predicate": PREDICATE, **changes}
    return json.dumps(statement).encode()


def _outcome(read, payload: bytes) -> object:
    try:
        manifest = BundleManifest.from_statement(read(payload), max_members=10)
    except (CryptoError, BundleError) as exc:
        return type(exc).__name__, exc.message, getattr(exc, "member", None)
    return manifest.predicate, dict(manifest.members)


GOOD = [_subject(f"a/{i}.bin", {"sha256": _hex(i)}) for i in range(3)]
CASES = {
    "good": _payload(GOOD),
    "other-subject-shapes": _payload([
        *GOOD, {"name": "b/extra.bin", "digest": {"sha256": _hex(9)}, "uri": "x"},
        _subject("b/two.bin", {"sha256": _hex(8), "sha512": "ab" * 64})]),
    "no-sha256": _payload([*GOOD, _subject("c.bin", {"sha512": "ab" * 64})]),
    "no-name": _payload([*GOOD, {"digest": {"sha256": _hex(1)}}]),
    "name-not-text": _payload([*GOOD, _subject(7, {"sha256": _hex(1)})]),
    "upper-hex": _payload([*GOOD, _subject("c.bin", {"sha256": _hex(1).upper()})]),
    "short-hex": _payload([*GOOD, _subject("c.bin", {"sha256": "ab"})]),
    "digest-not-object": _payload([*GOOD, _subject("c.bin", "ab")]),
    "duplicate": _payload([*GOOD, _subject("a/1.bin", {"sha256": _hex(5)})]),
    "case-collision": _payload([*GOOD, _subject("A/1.bin", {"sha256": _hex(5)})]),
    "file-and-folder": _payload([*GOOD, _subject("a", {"sha256": _hex(5)})]),
    "traversal": _payload([*GOOD, _subject("../x", {"sha256": _hex(5)})]),
    "lists-itself": _payload([*GOOD, _subject("manifest.dsse.json", {"sha256": _hex(5)})]),
    "too-many": _payload([_subject(f"m/{i}", {"sha256": _hex(i)}) for i in range(11)]),
    "empty": _payload([]),
    "wrong-predicate-type": _payload(GOOD, predicateType="urn:other"),
    "subject-shaped-predicate": _payload(GOOD, predicate=_subject("p", {"sha256": _hex(1)})),
    "subject-shaped-kind": _payload(GOOD, predicate={**PREDICATE, "kind": _subject(
        "p", {"sha256": _hex(1)})}),
    "duplicate-key": _payload(GOOD).replace(b'"_type"', b'"predicate": {}, "_type"'),
    "not-json": b"{",
    "nan": _payload(GOOD).replace(b'"lean-app"', b"NaN"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_lean_and_general_reading_agree(name):
    payload = CASES[name]
    assert _outcome(ListedStatement.from_payload, payload) == \
        _outcome(Statement.from_bytes, payload)


def test_a_statement_shaped_like_a_subject_is_still_refused_as_a_statement():
    payload = json.dumps(_subject("x", {"sha256": _hex(1)})).encode()
    with pytest.raises(CryptoError) as lean:
        ListedStatement.from_payload(payload)
    with pytest.raises(CryptoError) as general:
        Statement.from_bytes(payload)
    assert lean.value.message == general.value.message


def test_subjects_are_kept_as_names_and_digest_bytes():
    statement = ListedStatement.from_payload(CASES["good"])
    assert statement.subjects[0] == ListedFile("a/0.bin", bytes.fromhex(_hex(0)))
    manifest = BundleManifest.from_statement(statement, max_members=10)
    assert isinstance(manifest.members, MemberDigests)
    assert list(manifest.members) == ["a/0.bin", "a/1.bin", "a/2.bin"]
    assert manifest.members["a/1.bin"] == _hex(1)
    assert manifest.members.get("nope") is None and "a/2.bin" in manifest.members
    created = BundleManifest.create(manifest.predicate, {f"a/{i}.bin": _hex(i) for i in range(3)})
    assert created == manifest
    assert created.to_statement().to_bytes() == manifest.to_statement().to_bytes()


def test_a_hand_made_lean_subject_with_a_wrong_digest_length_is_refused():
    statement = ListedStatement([ListedFile("a.bin", b"\x01" * 31)], BUNDLE_PREDICATE_TYPE,
                                PREDICATE)
    with pytest.raises(BundleError, match="64 lowercase hex"):
        BundleManifest.from_statement(statement, max_members=10)
