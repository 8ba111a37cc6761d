"""verify_manifest: the manifest checks of an import (manifest-envelope, signatures,
statement, role-threshold) on their own, as a workstation filling its store folder from
the site database runs them again on the stored envelope."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from airgap_bundles import BundleRejected, verify_manifest
from tests.bundles.helpers import ROOT, predicate, release_files, sign_manifest


class _Steps:
    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def begin(self, step: str) -> None:
        self.seen.append((step, False))

    def ok(self, detail: str) -> None:
        self.seen[-1] = (self.seen[-1][0], True)


def test_a_signed_manifest_gives_its_subjects_and_signers() -> None:
    files = release_files()
    steps = _Steps()
    signed = verify_manifest(bytearray(sign_manifest(files, predicate(), ["release"])), ROOT,
                             steps=steps)
    assert dict(signed.manifest.members) == {
        path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    assert signed.manifest.predicate.kind == "release"
    assert len(signed.signers) == 1
    assert steps.seen == [("manifest-envelope", True), ("signatures", True),
                          ("statement", True), ("role-threshold", True)]


@pytest.mark.parametrize(("signers", "rule", "failed_at"), [
    (["stranger"], "signature-invalid", "signatures"),
    (["feeds"], "wrong-role", "role-threshold"),
])
def test_a_manifest_not_signed_as_its_kind_requires_is_refused_by_rule(
        signers, rule, failed_at) -> None:
    steps = _Steps()
    with pytest.raises(BundleRejected) as refused:
        verify_manifest(bytearray(sign_manifest(release_files(), predicate(), signers)), ROOT,
                        steps=steps)
    assert refused.value.rule == rule
    assert steps.seen[-1] == (failed_at, False)


def test_an_altered_payload_is_refused() -> None:
    envelope = json.loads(sign_manifest(release_files(), predicate(), ["release"]))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"][0]["digest"]["sha256"] = "0" * 64
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    with pytest.raises(BundleRejected) as refused:
        verify_manifest(bytearray(json.dumps(envelope).encode()), ROOT)
    assert refused.value.rule == "signature-invalid"
