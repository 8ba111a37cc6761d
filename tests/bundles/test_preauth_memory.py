"""Manifests above the pre-authentication JSON cap take the bounded-memory path: a
signed one verifies exactly as before, a forged one is refused by the signature rule."""

from __future__ import annotations

import pytest

from airgap_bundles import BundleLimits, verify_bundle
from airgap_bundles import errors as E
from airgap_bundles.options import NO_HISTORY
from tests.bundles.helpers import NOW, ROOT, bundle_bytes, predicate, release_files, write

SMALL_CAP = BundleLimits(max_preauth_json=1024)


def test_a_signed_manifest_above_the_cap_verifies(tmp_path):
    path = write(tmp_path, bundle_bytes(release_files(), predicate()))
    ordinary = verify_bundle(path, trust_root=ROOT, now=NOW, history=NO_HISTORY)
    large = verify_bundle(path, trust_root=ROOT, now=NOW, history=NO_HISTORY, limits=SMALL_CAP)
    assert large.report.ok
    assert large.manifest_digest == ordinary.manifest_digest
    assert large.statement_digest == ordinary.statement_digest
    assert large.members == ordinary.members
    assert large.manifest_bytes == b""  # consumed in place; the digest and staging keep it


def test_a_forged_manifest_above_the_cap_is_refused_by_its_signature(tmp_path):
    path = write(tmp_path, bundle_bytes(release_files(), predicate(), signers=["stranger"]))
    with pytest.raises(E.SignatureInvalid):
        verify_bundle(path, trust_root=ROOT, now=NOW, history=NO_HISTORY, limits=SMALL_CAP)


def test_the_default_cap_is_8_mib():
    assert BundleLimits().max_preauth_json == 8 * 1024 * 1024
