"""Good bundles of every kind verify, stage exactly their files and report every check."""

from __future__ import annotations

import hashlib
import json
import tarfile
from datetime import timedelta

import pytest
import zstandard

from airgap_bundles import (
    BundleCancelled,
    MemoryHistory,
    StagingError,
    build_bundle,
    verify_bundle,
)
from airgap_bundles import errors as E
from airgap_bundles.options import NO_HISTORY
from tests.bundles.helpers import (
    KEYS,
    NOW,
    ROOT,
    Entry,
    bundle_bytes,
    feed_files,
    policy_files,
    predicate,
    release_files,
    sign_manifest,
    snapshot,
    source_tree,
    tar_archive,
    write,
)


def test_release_verifies_and_stages_exactly_its_files(tmp_path) -> None:
    files = release_files()
    bundle = write(tmp_path, bundle_bytes(files, compress="gzip"), "b.tgz")
    staging = tmp_path / "staging"
    staging.mkdir()
    calls: list[tuple[int, int]] = []
    verified = verify_bundle(
        bundle,
        trust_root=ROOT,
        now=NOW,
        history=NO_HISTORY,
        staging_dir=staging,
        progress=lambda done, total: calls.append((done, total)),
    )
    staged = snapshot(staging)
    manifest = staged.pop("manifest.dsse.json")
    assert staged == files
    assert verified.manifest_digest == "sha256:" + hashlib.sha256(manifest).hexdigest()
    assert verified.manifest_bytes == manifest
    assert verified.staged and verified.kind == "release" and verified.version == 1
    assert verified.signer_keyids == (KEYS["release"].keyid,)
    assert [m.path for m in verified.members] == sorted(files)
    assert {m.path: m.sha256 for m in verified.members} == {
        p: hashlib.sha256(d).hexdigest() for p, d in files.items()
    }
    release = json.loads(files["release.json"])
    from engine.canonical import canonical_digest

    assert verified.content.release_digest == canonical_digest(release)
    assert verified.content.components[0].artifact == "artifacts/api/app.json"
    assert calls[-1] == (bundle.stat().st_size, bundle.stat().st_size)
    assert verified.report.ok
    names = [c.name for c in verified.report.checks]
    assert names[:12] == [
        "trust-root",
        "archive",
        "manifest-first",
        "manifest-envelope",
        "signatures",
        "statement",
        "role-threshold",
        "not-future",
        "not-expired",
        "version",
        "members",
        "archive-end",
    ]
    assert json.dumps(verified.to_json())  # the --json output is plain JSON


def test_verify_only_writes_nothing(tmp_path) -> None:
    bundle = write(tmp_path, bundle_bytes(release_files(), compress="zstd"))
    before = snapshot(tmp_path)
    verified = verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY)
    assert not verified.staged and verified.compression == "zstd"
    assert snapshot(tmp_path) == before


def test_feed_snapshot_and_record_iteration(tmp_path) -> None:
    files = feed_files(5)
    files["osv/npm/deep/er/GHSA-1.json"] = json.dumps(
        {
            "id": "GHSA-1",
            "modified": "2026-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "npm", "name": "x"}}],
        }
    ).encode()
    files["feed.json"] = json.dumps(
        {
            "source": "osv",
            "snapshot": "2026-02-18T05:30:00Z",
            "ecosystems": ["PyPI", "npm"],
            "records": 6,
        }
    ).encode()
    bundle = write(tmp_path, bundle_bytes(files, predicate("feed-snapshot", "osv")))
    staging = tmp_path / "staging"
    staging.mkdir()
    verified = verify_bundle(
        bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY, staging_dir=staging
    )
    content = verified.content
    assert content.record_count == 6
    assert content.record_ecosystems == ("PyPI", "npm")
    assert content.snapshot.isoformat() == "2026-02-18T05:30:00+00:00"
    ids = [r.id for r in content.iter_records(staging)]
    assert sorted(ids) == sorted(["GHSA-1", *(f"PYSEC-{i}" for i in range(5))])
    assert verified.signer_keyids == (KEYS["feeds"].keyid,)


def test_policy_bundle(tmp_path) -> None:
    bundle = write(tmp_path, bundle_bytes(policy_files(), predicate("policy", "default")))
    verified = verify_bundle(
        bundle, trust_root=ROOT, now=NOW, history=MemoryHistory({("policy", "x"): 9})
    )
    assert verified.content.rule_ids == ("warn-high",)
    from engine.canonical import canonical_digest

    assert verified.content.policy_digest == canonical_digest(
        json.loads(policy_files()["policy.json"])
    )


def test_newer_version_passes_history(tmp_path) -> None:
    bundle = write(tmp_path, bundle_bytes(release_files(), predicate(version=7)))
    verified = verify_bundle(
        bundle, trust_root=ROOT, now=NOW, history=MemoryHistory({("release", "platform"): 6})
    )
    assert verified.override is None


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_archives_from_other_tar_writers(tmp_path, fmt: int) -> None:
    files = release_files()
    files["artifacts/" + "x" * 120 + "/é.bin"] = b"long and non-ASCII"
    manifest = sign_manifest(files, predicate(), ["release"])
    entries = [
        Entry("manifest.dsse.json", manifest),
        Entry("artifacts", info={"type": tarfile.DIRTYPE}),
        Entry("artifacts/api/", info={"type": tarfile.DIRTYPE}),
    ]
    entries += [Entry(n, d) for n, d in sorted(files.items())]
    if fmt == tarfile.USTAR_FORMAT:  # ustar cannot hold that name: leave it out of this variant
        long = next(n for n in files if n.endswith(".bin"))
        entries = [e for e in entries if e.name != long]
        files.pop(long)
        entries[0] = Entry("manifest.dsse.json", sign_manifest(files, predicate(), ["release"]))
    bundle = write(tmp_path, tar_archive(entries, fmt))
    staging = tmp_path / "staging"
    staging.mkdir()
    verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY, staging_dir=staging)
    assert {k for k in snapshot(staging)} == {*files, "manifest.dsse.json"}


def test_folder_entries_must_be_parents_of_listed_files(tmp_path) -> None:
    extra = [Entry("plugins", info={"type": tarfile.DIRTYPE})]
    bundle = write(tmp_path, bundle_bytes(release_files(), extra=extra))
    with pytest.raises(E.UnlistedMember, match="plugins"):
        verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY)
    folder_as_file = [Entry("release.json", info={"type": tarfile.DIRTYPE})]
    files = {k: v for k, v in release_files().items() if k != "release.json"}
    bundle = write(tmp_path, bundle_bytes(files, listed=release_files(), extra=folder_as_file))
    with pytest.raises(E.PathConflict, match="listed as a file"):
        verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY)


def test_zstd_with_several_frames_and_a_skippable_frame(tmp_path) -> None:
    raw = bundle_bytes(release_files())
    compressor = zstandard.ZstdCompressor(write_checksum=True)
    skippable = (0x184D2A5E).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"abc"
    data = skippable + compressor.compress(raw[:3000]) + compressor.compress(raw[3000:])
    verified = verify_bundle(write(tmp_path, data), trust_root=ROOT, now=NOW, history=NO_HISTORY)
    assert verified.compression == "zstd"


def test_concatenated_gzip_members(tmp_path) -> None:
    import gzip

    raw = bundle_bytes(release_files())
    data = gzip.compress(raw[:3000], mtime=0) + gzip.compress(raw[3000:], mtime=0)
    assert verify_bundle(
        write(tmp_path, data), trust_root=ROOT, now=NOW, history=NO_HISTORY
    ).report.ok


def test_cancel_stops_cleanly(tmp_path) -> None:
    files = release_files()
    files["artifacts/big.bin"] = bytes(3 << 20)
    source = source_tree(tmp_path / "src", files)
    bundle = build_bundle(
        source,
        tmp_path / "b.tar",
        predicate=predicate(),
        signers=[KEYS["release"]],
        compression="none",
    ).path
    staging = tmp_path / "staging"
    staging.mkdir()
    seen: list[int] = []
    with pytest.raises(BundleCancelled):
        verify_bundle(
            bundle,
            trust_root=ROOT,
            now=NOW,
            history=NO_HISTORY,
            staging_dir=staging,
            progress=lambda done, total: seen.append(done),
            cancel=lambda: len(seen) >= 2,
        )
    assert 0 < seen[-1] < bundle.stat().st_size
    import shutil

    shutil.rmtree(staging)


def test_staging_must_exist_and_be_empty(tmp_path) -> None:
    bundle = write(tmp_path, bundle_bytes(release_files()))
    with pytest.raises(StagingError, match="does not exist"):
        verify_bundle(
            bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY, staging_dir=tmp_path / "none"
        )
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_bytes(b"")
    with pytest.raises(StagingError, match="not empty"):
        verify_bundle(
            bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY, staging_dir=tmp_path / "busy"
        )
    with pytest.raises(ValueError):
        verify_bundle(bundle, trust_root=ROOT, now=NOW.replace(tzinfo=None), history=NO_HISTORY)


def test_expiry_boundaries(tmp_path) -> None:
    bundle = write(
        tmp_path, bundle_bytes(release_files(), predicate(expires=NOW + timedelta(seconds=1)))
    )
    verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY)
    with pytest.raises(E.BundleExpired):
        verify_bundle(bundle, trust_root=ROOT, now=NOW + timedelta(seconds=1), history=NO_HISTORY)


def test_release_signed_by_a_second_release_key(tmp_path) -> None:
    bundle = write(tmp_path, bundle_bytes(release_files(), signers=["release2", "feeds"]))
    verified = verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY)
    assert verified.signer_keyids == (KEYS["release2"].keyid,)  # the feeds signature does not count
