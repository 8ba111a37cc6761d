"""A large member is written to staging by a second thread while the first hashes it:
the staged bytes and digests are the same as written inline, and a failed write (a full
disk) stops verification with that error."""

from __future__ import annotations

import errno
import hashlib
import os

import pytest

from airgap_bundles import verify, verify_bundle
from airgap_bundles.options import NO_HISTORY
from tests.bundles.helpers import NOW, ROOT, bundle_bytes, release_files, snapshot, write


@pytest.fixture
def every_member_overlapped(monkeypatch):
    monkeypatch.setattr(verify, "OVERLAP_MIN_SIZE", 1)


def _verify(tmp_path, files):  # (the verified bundle, its staging folder)
    bundle = write(tmp_path, bundle_bytes(files), "b.tar")
    staging = tmp_path / "staging"
    staging.mkdir()
    return verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY,
                         staging_dir=staging), staging


def test_overlapped_staging_stages_exactly_the_files(tmp_path, every_member_overlapped):
    files = release_files(artifact=os.urandom(3 << 20))  # several reader chunks
    verified, staging = _verify(tmp_path, files)
    staged = snapshot(staging)
    staged.pop("manifest.dsse.json")
    assert staged == files
    assert {m.path: m.sha256 for m in verified.members} == {
        p: hashlib.sha256(d).hexdigest() for p, d in files.items()}


def test_a_failed_write_stops_verification(tmp_path, every_member_overlapped, monkeypatch):
    def full(fd: int, view: memoryview) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(verify, "write_all", full)
    with pytest.raises(OSError) as caught:
        _verify(tmp_path, release_files())
    assert caught.value.errno == errno.ENOSPC
