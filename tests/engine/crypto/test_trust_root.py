"""Trust root: one test per refusal (DESIGN §4.2), in the python-tuf style."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from engine.canonical import canonical_bytes
from engine.crypto import dsse
from engine.crypto.errors import (
    PayloadTypeError,
    SignatureThresholdError,
    TrustRootExpired,
    TrustRootFormatError,
    TrustRootNotSelfSigned,
    TrustRootRotationNotAuthorised,
    TrustRootVersionError,
    UnknownRoleError,
)
from engine.crypto.keys import Ed25519Signer, PublicKey
from engine.crypto.trust_root import (
    TRUST_ROOT_PAYLOAD_TYPE,
    TrustRoot,
    sign_trust_root,
    trust_root_document,
)

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)
LATER = datetime(2027, 1, 1, tzinfo=UTC)
K = {
    name: Ed25519Signer.from_seed(name.encode().ljust(32, b"."))
    for name in ("root1", "root2", "root3", "root4", "release", "feeds", "policy")
}


def doc(version: int, roots: tuple[str, ...], threshold: int = 2, expires=LATER, **extra) -> dict:
    used = {*roots, "release", "feeds", "policy"}
    document = trust_root_document(
        version=version,
        expires=expires,
        keys=[K[n].public_key for n in sorted(used)],
        roles={
            "root": ([K[n].keyid for n in roots], threshold),
            "release": ([K["release"].keyid], 1),
            "feeds": ([K["feeds"].keyid], 1),
            "policy": ([K["policy"].keyid], 1),
        },
    )
    document.update(extra)
    return document


def envelope(document: dict, *signers: str) -> dsse.Envelope:
    return sign_trust_root(document, [K[n] for n in signers])


V1 = envelope(doc(1, ("root1", "root2")), "root1", "root2")


def test_first_install_is_self_signed_and_not_expired() -> None:
    root = TrustRoot.first_install(V1, NOW)
    assert root.version == 1
    assert root.root_signers == {K["root1"].keyid, K["root2"].keyid}
    assert root.role("release").keyids == (K["release"].keyid,)
    assert root.role_of(K["feeds"].keyid) == ("feeds",)
    assert root.summary()["roles"]["root"]["threshold"] == 2
    assert root.digest.startswith("sha256:")


def test_first_install_below_its_own_threshold() -> None:
    with pytest.raises(TrustRootNotSelfSigned, match="1 of its own root keys"):
        TrustRoot.first_install(envelope(doc(1, ("root1", "root2")), "root1"), NOW)


def test_first_install_signed_by_non_root_keys() -> None:
    with pytest.raises(TrustRootNotSelfSigned):
        TrustRoot.first_install(envelope(doc(1, ("root1", "root2")), "release", "feeds"), NOW)


def test_first_install_expired() -> None:
    old = envelope(doc(1, ("root1", "root2"), expires=NOW - timedelta(seconds=1)), "root1", "root2")
    with pytest.raises(TrustRootExpired, match="expired"):
        TrustRoot.first_install(old, NOW)


def test_rotation_signed_by_old_and_new_thresholds() -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    v2 = envelope(doc(2, ("root2", "root3")), "root1", "root2", "root3")
    assert v1.verify_successor(v2, NOW).version == 2


def test_rotation_signed_only_by_the_new_keys() -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    v2 = envelope(doc(2, ("root3", "root4")), "root3", "root4")
    with pytest.raises(TrustRootRotationNotAuthorised, match="0 of the current"):
        v1.verify_successor(v2, NOW)


def test_rotation_signed_only_by_the_old_keys() -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    v2 = envelope(doc(2, ("root3", "root4")), "root1", "root2")
    with pytest.raises(TrustRootNotSelfSigned):
        v1.verify_successor(v2, NOW)


def test_rotation_below_the_old_threshold() -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    v2 = envelope(doc(2, ("root2", "root3")), "root2", "root3")
    with pytest.raises(TrustRootRotationNotAuthorised, match="1 of the current"):
        v1.verify_successor(v2, NOW)


@pytest.mark.parametrize("version", [1, 0])
def test_rotation_version_must_increase(version: int) -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    same = envelope(doc(max(version, 1), ("root1", "root2")), "root1", "root2")
    with pytest.raises(TrustRootVersionError):
        v1.verify_successor(same, NOW)


def test_rotation_to_an_expired_root() -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    v2 = envelope(doc(2, ("root1", "root2"), expires=NOW), "root1", "root2")
    with pytest.raises(TrustRootExpired):
        v1.verify_successor(v2, NOW)


def test_an_expired_current_root_still_authorises_its_successor_as_in_tuf() -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    after_expiry = LATER + timedelta(days=1)
    v2 = envelope(doc(2, ("root1", "root2"), expires=LATER + timedelta(days=365)), "root1", "root2")
    assert v1.verify_successor(v2, after_expiry).version == 2


def test_rotation_chain_goes_one_version_at_a_time() -> None:
    v1 = TrustRoot.first_install(V1, NOW)
    v2 = envelope(doc(2, ("root2", "root3")), "root1", "root2", "root3")
    v3 = envelope(doc(3, ("root3", "root4")), "root2", "root3", "root4")
    assert v1.verify_chain([v2, v3], NOW).version == 3
    with pytest.raises(TrustRootRotationNotAuthorised):
        v1.verify_successor(envelope(doc(2, ("root3", "root4")), "root3", "root4"), NOW)


@pytest.mark.parametrize("version", [3, 7, 2**53 - 1])
def test_a_rotation_that_skips_versions_is_refused_even_when_signed_by_all(version) -> None:
    """DESIGN §4.2 and TUF: N+1 only. A skip to 2^53-1 would freeze rotation for good."""
    v1 = TrustRoot.first_install(V1, NOW)
    skip = envelope(doc(version, ("root1", "root2")), "root1", "root2")
    with pytest.raises(TrustRootVersionError, match="only version 2 can follow"):
        v1.verify_successor(skip, NOW)


def test_expired_root_verifies_nothing() -> None:
    root = TrustRoot.first_install(V1, NOW)
    env = dsse.sign("application/vnd.in-toto+json", b"{}", [K["release"]])
    assert root.verify(env, "release", NOW, "application/vnd.in-toto+json").signer_keyids
    with pytest.raises(TrustRootExpired):
        root.verify(env, "release", LATER, "application/vnd.in-toto+json")


def test_role_verification_refusals() -> None:
    root = TrustRoot.first_install(V1, NOW)
    env = dsse.sign("application/vnd.in-toto+json", b"{}", [K["feeds"]])
    with pytest.raises(SignatureThresholdError, match="role 'release'"):
        root.verify(env, "release", NOW, "application/vnd.in-toto+json")
    with pytest.raises(PayloadTypeError):
        root.verify(env, "feeds", NOW, "application/other")
    with pytest.raises(UnknownRoleError):
        root.role("deploy")


def test_ecdsa_keys_are_accepted_in_roles() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    ec_key = PublicKey.from_crypto(private.public_key())
    document = doc(1, ("root1",), threshold=1)
    document["keys"][ec_key.keyid] = {"scheme": ec_key.scheme, "public": ec_key.to_pem()}
    document["roles"]["release"] = {"keyids": [ec_key.keyid], "threshold": 1}
    root = TrustRoot.first_install(envelope(document, "root1"), NOW)
    payload = b"{}"
    sig = private.sign(dsse.pae("t", payload), ec.ECDSA(hashes.SHA256()))
    env = dsse.Envelope("t", payload, (dsse.Signature(ec_key.keyid, sig),))
    assert root.verify(env, "release", NOW, "t").signer_keyids == {ec_key.keyid}


def _mutated(change) -> dsse.Envelope:
    document = doc(1, ("root1", "root2"))
    change(document)
    return envelope(document, "root1", "root2")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(_type="other"), "_type"),
        (lambda d: d.update(version=0), "version"),
        (lambda d: d.update(version=True), "version"),
        (lambda d: d.update(version="1"), "version"),
        (lambda d: d.update(expires="2027-01-01T00:00:00+00:00"), "expires"),
        (lambda d: d.update(expires=None), "expires"),
        (lambda d: d.update(keys={}), "keys"),
        (lambda d: d["roles"].pop("feeds"), "'feeds' is missing"),
        (lambda d: d["roles"]["release"].update(threshold=2), "threshold"),
        (lambda d: d["roles"]["release"].update(threshold=0), "threshold"),
        (lambda d: d["roles"]["release"].update(keyids=[]), "keyids"),
        (lambda d: d["roles"]["release"].update(keyids=["f" * 64]), "not in keys"),
        (lambda d: d["roles"]["root"].update(keyids=[K["root1"].keyid] * 2), "twice"),
        (lambda d: d["keys"].update({"0" * 64: d["keys"][K["root1"].keyid]}), "SHA-256"),
        (
            lambda d: d["keys"][K["root1"].keyid].update(scheme="ecdsa-sha2-nistp256"),
            "is a ed25519",
        ),
        (lambda d: d["keys"][K["root1"].keyid].update(scheme="rsa"), "scheme"),
        (lambda d: d["keys"][K["root1"].keyid].update(public="junk"), "PEM"),
    ],
)
def test_malformed_documents(change, message: str) -> None:
    with pytest.raises(TrustRootFormatError, match=message):
        TrustRoot.from_envelope(_mutated(change))


def test_wrong_payload_type_and_non_json_payload() -> None:
    with pytest.raises(TrustRootFormatError, match="payloadType"):
        TrustRoot.from_envelope(
            dsse.sign("application/json", canonical_bytes(doc(1, ("root1",))), [K["root1"]])
        )
    with pytest.raises(TrustRootFormatError, match="not JSON"):
        TrustRoot.from_envelope(dsse.sign(TRUST_ROOT_PAYLOAD_TYPE, b"{", [K["root1"]]))


def test_extra_fields_are_kept_and_ignored() -> None:
    document = doc(1, ("root1", "root2"), note="hello")
    document["keys"][K["root1"].keyid]["description"] = "DEMO-ONLY"
    root = TrustRoot.first_install(envelope(document, "root1", "root2"), NOW)
    assert root.version == 1
