"""Malicious and broken bundles: each is refused by its own rule, naming the member,
and nothing is written outside the staging folder, which stays removable."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import shutil
import tarfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import zstandard

from airgap_bundles import errors as E
from airgap_bundles.options import AllowOlder, BundleLimits, MemoryHistory
from airgap_bundles.verify import verify_bundle
from engine.canonical import canonical_bytes
from engine.crypto import dsse
from engine.crypto.trust_root import TrustRoot
from tests.bundles.helpers import (
    INTOTO,
    KEYS,
    NOW,
    ROOT,
    Entry,
    bundle_bytes,
    feed_files,
    jbytes,
    osv,
    policy_files,
    predicate,
    release_files,
    root_envelope,
    sign_manifest,
    tar_archive,
)


@dataclass
class Case:
    make: Callable[[], bytes]
    error: type[E.BundleRejected]
    member: str | None = None
    verify: dict = field(default_factory=dict)
    match: str | None = None


def _release(**changes) -> dict[str, bytes]:
    files = release_files()
    files.update(changes)
    return files


def _release_doc(mutate) -> dict[str, bytes]:
    import json

    files = release_files()
    doc = json.loads(files["release.json"])
    mutate(doc)
    files["release.json"] = jbytes(doc)
    return files


def _good() -> bytes:
    return bundle_bytes(release_files())


def _corrupt_header() -> bytes:
    data = bytearray(_good())
    data[_offsets(bytes(data))["release.json"][0]] ^= 0x01  # first byte of its header's name
    return bytes(data)


def _offsets(data: bytes) -> dict[str, tuple[int, int]]:
    """Member name -> (header offset, data offset) in a plain tar."""
    import io

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: (m.offset, m.offset_data) for m in tar.getmembers()}


def _without_end_marker() -> bytes:
    data = _good()
    _, start = _offsets(data)["sbom/api.cdx.json"]  # the last member
    return data[: start + 512]  # its data block, then nothing


def _bad_gzip_crc() -> bytes:
    data = bytearray(gzip.compress(_good(), mtime=0))
    data[-8] ^= 0xFF  # CRC-32 of the gzip trailer
    return bytes(data)


def _bad_zstd() -> bytes:
    data = bytearray(zstandard.ZstdCompressor(write_checksum=True).compress(_good()))
    data[-1] ^= 0xFF  # content checksum
    return bytes(data)


def _swapped_signature() -> bytes:
    files = release_files()
    real = dsse.Envelope.from_bytes(sign_manifest(files, predicate(), ["release"]))
    forged_payload = real.payload.replace(b'"version":1', b'"version":9')
    forged = dsse.Envelope(real.payload_type, forged_payload, real.signatures)
    return bundle_bytes(files, manifest=forged.to_bytes())


def _tar_with_release_json_first() -> bytes:
    files = release_files()
    manifest = sign_manifest(files, predicate(), ["release"])
    entries = [Entry("release.json", files["release.json"]), Entry("manifest.dsse.json", manifest)]
    entries += [Entry(n, d) for n, d in files.items() if n != "release.json"]
    return tar_archive(entries)


def _not_a_statement() -> bytes:
    envelope = dsse.sign(INTOTO, canonical_bytes({"_type": "something-else"}), [KEYS["release"]])
    return bundle_bytes(release_files(), manifest=envelope.to_bytes())


def _trust_root_bundle(inner: dsse.Envelope, signers=("root1", "root2"), version: int = 2) -> bytes:
    files = {"trust-root.dsse.json": inner.to_bytes()}
    return bundle_bytes(files, predicate("trust-root", "site", version), signers=signers)


def _policy_bundle(rule: dict) -> bytes:
    policy = {"name": "default", "version": 1, "rules": [rule]}
    return bundle_bytes({"policy.json": jbytes(policy)}, predicate("policy", "default"))


def _cafe(form: str) -> str:
    return unicodedata.normalize(form, "café.json")


def _zero_bomb() -> bytes:
    zeros = bytes(8 << 20)
    return gzip.compress(
        bundle_bytes(_release(**{"artifacts/blob.bin": zeros})), compresslevel=6, mtime=0
    )


CASES: dict[str, Case] = {
    # compression and archive structure
    "bzip2": Case(lambda: bz2.compress(_good()), E.UnsupportedCompression),
    "random-bytes": Case(lambda: b"\x00garbage" * 100, E.UnsupportedCompression),
    "gzip-bad-crc": Case(_bad_gzip_crc, E.CorruptCompression),
    "gzip-trailing-garbage": Case(
        lambda: gzip.compress(_good(), mtime=0) + b"junk", E.CorruptCompression
    ),
    "zstd-bad-checksum": Case(_bad_zstd, E.CorruptCompression),
    "truncated-plain": Case(
        lambda: _good()[: _offsets(_good())["release.json"][1] + 20],
        E.TruncatedArchive,
        "release.json",
        match="inside this member",
    ),
    "truncated-in-header": Case(
        lambda: _good()[: _offsets(_good())["release.json"][0] + 100], E.TruncatedArchive
    ),
    "truncated-gzip": Case(
        lambda: gzip.compress(_good(), mtime=0)[:-20],
        E.TruncatedArchive,
        match="gzip stream ends early",
    ),
    "truncated-gzip-trailer": Case(
        lambda: gzip.compress(_good(), mtime=0)[:-4],
        E.TruncatedArchive,
        match="gzip stream ends early",
    ),
    "truncated-zstd-checksum": Case(
        lambda: zstandard.ZstdCompressor(write_checksum=True).compress(_good())[:-2],
        E.TruncatedArchive,
        match="zstd stream ends early",
    ),
    "no-end-marker": Case(_without_end_marker, E.TruncatedArchive, match="end-of-archive marker"),
    "corrupt-header": Case(_corrupt_header, E.CorruptArchive),
    "trailing-data": Case(lambda: _good() + b"sneaky", E.TrailingData),
    "compression-ratio": Case(_zero_bomb, E.CompressionRatioExceeded),
    # member types and paths
    "symlink": Case(
        lambda: bundle_bytes(
            release_files(),
            extra=[Entry("evil", info={"type": tarfile.SYMTYPE, "linkname": "/etc/passwd"})],
        ),
        E.LinkMember,
        "evil",
    ),
    "hardlink": Case(
        lambda: bundle_bytes(
            release_files(),
            extra=[Entry("evil", info={"type": tarfile.LNKTYPE, "linkname": "release.json"})],
        ),
        E.LinkMember,
        "evil",
    ),
    "char-device": Case(
        lambda: bundle_bytes(
            release_files(),
            extra=[Entry("dev", info={"type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3})],
        ),
        E.SpecialMember,
        "dev",
    ),
    "fifo": Case(
        lambda: bundle_bytes(
            release_files(), extra=[Entry("pipe", info={"type": tarfile.FIFOTYPE})]
        ),
        E.SpecialMember,
        "pipe",
    ),
    "contiguous-file": Case(
        lambda: bundle_bytes(
            release_files(), extra=[Entry("c", b"x", info={"type": tarfile.CONTTYPE})]
        ),
        E.UnsupportedMemberType,
        "c",
    ),
    "absolute-path": Case(
        lambda: bundle_bytes(release_files(), extra=[Entry("/etc/cron.d/x", b"x")]),
        E.AbsolutePath,
        "/etc/cron.d/x",
    ),
    "dot-dot": Case(
        lambda: bundle_bytes(release_files(), extra=[Entry("sbom/../../evil", b"x")]),
        E.PathTraversal,
        "sbom/../../evil",
    ),
    "backslash": Case(
        lambda: bundle_bytes(release_files(), extra=[Entry("a\\b.json", b"x")]),
        E.InvalidPath,
        "a\\b.json",
    ),
    "duplicate": Case(
        lambda: bundle_bytes(release_files(), extra=[Entry("release.json", b"{}")]),
        E.DuplicateMember,
        "release.json",
    ),
    "case-collision": Case(
        lambda: bundle_bytes(release_files(), extra=[Entry("Release.json", b"{}")]),
        E.NameCollision,
        "Release.json",
    ),
    "unicode-collision": Case(
        lambda: bundle_bytes(_release(**{_cafe("NFC"): b"{}"}), extra=[Entry(_cafe("NFD"), b"{}")]),
        E.NameCollision,
        _cafe("NFD"),
    ),
    "file-as-folder": Case(
        lambda: bundle_bytes(release_files(), extra=[Entry("sbom", b"x")]), E.PathConflict, "sbom"
    ),
    "unlisted": Case(
        lambda: bundle_bytes(release_files(), extra=[Entry("install.sh", b"rm -rf /")]),
        E.UnlistedMember,
        "install.sh",
    ),
    "missing": Case(
        lambda: bundle_bytes(release_files(), listed={**release_files(), "vex/x.json": b"{}"}),
        E.MissingMember,
        "vex/x.json",
    ),
    "digest-mismatch": Case(
        lambda: bundle_bytes(
            _release(**{"artifacts/api/app.json": b'{"v":2}\n'}), listed=release_files()
        ),
        E.DigestMismatch,
        "artifacts/api/app.json",
    ),
    "member-too-large": Case(
        _good, E.MemberTooLarge, "release.json", {"limits": BundleLimits(max_member_size=100)}
    ),
    "archive-too-large": Case(
        _good, E.ArchiveTooLarge, None, {"limits": BundleLimits(max_total_size=450)}
    ),
    "too-many-members": Case(
        _good, E.TooManyMembers, None, {"limits": BundleLimits(max_members=2)}
    ),
    # the manifest and its signatures
    "manifest-not-first": Case(_tar_with_release_json_first, E.ManifestNotFirst, "release.json"),
    "manifest-not-json": Case(
        lambda: bundle_bytes(release_files(), manifest=b"not json"),
        E.ManifestInvalid,
        "manifest.dsse.json",
    ),
    "manifest-payload-type": Case(
        lambda: bundle_bytes(
            release_files(),
            manifest=sign_manifest(
                release_files(), predicate(), ["release"], payload_type="application/json"
            ),
        ),
        E.WrongPayloadType,
        "manifest.dsse.json",
    ),
    "unknown-signer": Case(
        lambda: bundle_bytes(release_files(), signers=["stranger"]),
        E.SignatureInvalid,
        "manifest.dsse.json",
    ),
    "signature-over-other-payload": Case(
        _swapped_signature, E.SignatureInvalid, "manifest.dsse.json"
    ),
    "not-a-statement": Case(_not_a_statement, E.StatementInvalid, "manifest.dsse.json"),
    "predicate-type": Case(
        lambda: bundle_bytes(
            release_files(),
            manifest=sign_manifest(
                release_files(),
                predicate(),
                ["release"],
                predicate_type="https://slsa.dev/provenance/v1",
            ),
        ),
        E.WrongPredicateType,
    ),
    "version-string": Case(
        lambda: bundle_bytes(
            release_files(),
            manifest=sign_manifest(
                release_files(), {**predicate().to_json(), "version": "1.3.0-rc1"}, ["release"]
            ),
        ),
        E.PredicateInvalid,
    ),
    "subject-path-traversal": Case(
        lambda: bundle_bytes(release_files(), listed={**release_files(), "../x": b""}),
        E.PathTraversal,
        "../x",
    ),
    "wrong-role": Case(
        lambda: bundle_bytes(release_files(), signers=["feeds"]), E.WrongRole, "manifest.dsse.json"
    ),
    "threshold-not-met": Case(
        lambda: _trust_root_bundle(
            root_envelope(2, ("root1", "root2"), ("root1", "root2")), signers=("root1",)
        ),
        E.ThresholdNotMet,
    ),
    "trust-root-expired": Case(
        _good, E.TrustRootExpiredRejection, None, {"now": NOW + timedelta(days=5000)}
    ),
    "bundle-expired": Case(
        lambda: bundle_bytes(
            release_files(),
            predicate(expires=NOW - timedelta(seconds=1), created=NOW - timedelta(days=2)),
        ),
        E.BundleExpired,
    ),
    "created-in-future": Case(
        lambda: bundle_bytes(
            release_files(),
            predicate(created=NOW + timedelta(days=36500), expires=NOW + timedelta(days=36600)),
        ),
        E.CreatedInFuture,
    ),
    "feed-snapshot-in-future": Case(
        lambda: bundle_bytes(
            {**feed_files(), "feed.json": jbytes({"source": "osv", "snapshot": "2099-01-01T00:00:00Z",
                                                  "ecosystems": ["PyPI"], "records": 3})},
            predicate("feed-snapshot", "osv"),
        ),
        E.FeedFromFuture,
        "feed.json",
    ),
    "older-version": Case(
        _good, E.VersionNotNewer, None, {"history": MemoryHistory({("release", "platform"): 5})}
    ),
    "replayed-version": Case(
        _good, E.VersionNotNewer, None, {"history": MemoryHistory({("release", "platform"): 1})}
    ),
    # content
    "document-too-large": Case(
        _good, E.ContentTooLarge, "release.json", {"limits": BundleLimits(max_document_size=64)}
    ),
    "release-name-mismatch": Case(
        lambda: bundle_bytes(_release_doc(lambda d: d.update(name="other"))),
        E.ReleaseInvalid,
        "release.json",
    ),
    "release-json-missing": Case(
        lambda: bundle_bytes({k: v for k, v in release_files().items() if k != "release.json"}),
        E.ReleaseInvalid,
    ),
    "sbom-missing": Case(
        lambda: bundle_bytes(
            _release_doc(lambda d: d["components"][0].update(sbom="sbom/none.cdx.json"))
        ),
        E.SbomMissing,
        "sbom/none.cdx.json",
    ),
    "sbom-not-cyclonedx": Case(
        lambda: bundle_bytes(_release(**{"sbom/api.cdx.json": jbytes({"spdxVersion": "2.3"})})),
        E.SbomInvalid,
        "sbom/api.cdx.json",
    ),
    "artifact-digest": Case(
        lambda: bundle_bytes(
            _release_doc(lambda d: d["components"][0].update(digest="sha256:" + "0" * 64))
        ),
        E.ArtifactMismatch,
        "artifacts/api/app.json",
    ),
    "vex-not-openvex": Case(
        lambda: bundle_bytes(_release(**{"vex/a.json": jbytes({"a": 1})})),
        E.AttachmentInvalid,
        "vex/a.json",
    ),
    "feed-json-bad-snapshot": Case(
        lambda: bundle_bytes(
            {
                **feed_files(),
                "feed.json": jbytes(
                    {"source": "osv", "snapshot": "yesterday", "ecosystems": [], "records": 3}
                ),
            },
            predicate("feed-snapshot", "osv"),
        ),
        E.FeedInvalid,
        "feed.json",
    ),
    "feed-record-without-id": Case(
        lambda: bundle_bytes(
            {**feed_files(), "osv/PyPI/PYSEC-1.json": jbytes({"modified": "2026-01-01T00:00:00Z"})},
            predicate("feed-snapshot", "osv"),
        ),
        E.FeedRecordInvalid,
        "osv/PyPI/PYSEC-1.json",
    ),
    "feed-duplicate-record": Case(
        lambda: bundle_bytes(
            {**feed_files(), "osv/npm/PYSEC-1.json": osv("PYSEC-1")},
            predicate("feed-snapshot", "osv"),
        ),
        E.FeedRecordInvalid,
    ),
    "feed-count": Case(
        lambda: bundle_bytes(
            {**feed_files(2), "feed.json": feed_files(3)["feed.json"]},
            predicate("feed-snapshot", "osv"),
        ),
        E.FeedRecordCount,
        "feed.json",
    ),
    "policy-cel-syntax": Case(
        lambda: _policy_bundle(
            {"id": "r", "action": "block", "message": "m", "condition": "findings.exists(f,"}
        ),
        E.PolicyInvalid,
        "policy.json",
        match="does not compile",
    ),
    "policy-bad-action": Case(
        lambda: _policy_bundle({"id": "r", "action": "allow", "message": "m", "condition": "true"}),
        E.PolicyInvalid,
        "policy.json",
        match="action",
    ),
    "policy-yaml": Case(
        lambda: bundle_bytes(
            {**policy_files(), "policy.yaml": b"rules: []\n"}, predicate("policy", "default")
        ),
        E.PolicyYamlUnsupported,
        "policy.yaml",
    ),
    "rotation-signed-only-by-new-keys": Case(
        lambda: _trust_root_bundle(root_envelope(2, ("root3", "release2"), ("root3", "release2"))),
        E.TrustRootContentInvalid,
        "trust-root.dsse.json",
    ),
    "rotation-skips-a-version": Case(  # DESIGN §4.2: N+1 only, even when properly signed
        lambda: _trust_root_bundle(
            root_envelope(3, ("root1", "root2"), ("root1", "root2")), version=3
        ),
        E.TrustRootContentInvalid,
        "trust-root.dsse.json",
    ),
    "rotation-version-mismatch": Case(
        lambda: _trust_root_bundle(
            root_envelope(3, ("root1", "root2"), ("root1", "root2")), version=2
        ),
        E.TrustRootContentInvalid,
    ),
}


@pytest.mark.parametrize("case_id", list(CASES))
def test_rejected_by_its_own_rule(case_id: str, tmp_path) -> None:
    case = CASES[case_id]
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    bundle = incoming / "bundle.tar"
    bundle.write_bytes(case.make())
    staging = tmp_path / "staging"
    staging.mkdir()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    options = {"trust_root": ROOT, "now": NOW, "history": MemoryHistory({}), **case.verify}

    with pytest.raises(case.error) as info:
        verify_bundle(bundle, staging_dir=staging, **options)

    error = info.value
    assert error.rule == case.error.rule
    if case.match is not None:
        assert case.match in error.message
    if case.member is not None:
        assert error.member == case.member
        assert case.member in str(error)
    failed = error.report.checks[-1]
    assert not failed.passed and failed.rule == case.error.rule
    assert all(c.passed for c in error.report.checks[:-1])
    after = {
        p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and staging not in p.parents
    }
    assert after == before
    shutil.rmtree(staging)  # the caller can always remove the staging folder
    assert not staging.exists()


def test_every_rule_has_a_case() -> None:
    exercised = {case.error for case in CASES.values()}
    rules = {
        cls
        for cls in vars(E).values()
        if isinstance(cls, type)
        and issubclass(cls, E.BundleRejected)
        and cls is not E.BundleRejected
    }
    assert rules == exercised
    assert len(exercised) >= 25


def test_allow_older_override_passes_and_is_recorded(tmp_path) -> None:
    bundle = tmp_path / "b.tar"
    bundle.write_bytes(_good())
    history = MemoryHistory({("release", "platform"): 5})
    verified = verify_bundle(
        bundle,
        trust_root=ROOT,
        now=NOW,
        history=history,
        allow_older=AllowOlder("roll back to the known-good release"),
    )
    assert verified.override is not None
    assert (verified.override.previous_version, verified.override.version) == (5, 1)
    assert verified.override.reason == "roll back to the known-good release"
    assert "OVERRIDE" in next(c for c in verified.report.checks if c.name == "version").detail
    with pytest.raises(ValueError):
        AllowOlder("  ")


def test_a_rotation_cannot_use_allow_older(tmp_path) -> None:
    bundle = tmp_path / "b.tar"
    bundle.write_bytes(
        _trust_root_bundle(root_envelope(1, ("root1", "root2"), ("root1", "root2")), version=1)
    )
    with pytest.raises(E.TrustRootContentInvalid, match="trust-root-version"):
        verify_bundle(
            bundle,
            trust_root=ROOT,
            now=NOW,
            history=MemoryHistory({}),
            allow_older=AllowOlder("testing"),
        )


def test_wrong_role_even_with_a_valid_envelope_of_another_kind(tmp_path) -> None:
    # A perfectly valid policy bundle signature cannot carry a release.
    bundle = tmp_path / "b.tar"
    bundle.write_bytes(bundle_bytes(release_files(), signers=["policy"]))
    with pytest.raises(E.WrongRole, match="role\\(s\\) policy"):
        verify_bundle(bundle, trust_root=ROOT, now=NOW, history=MemoryHistory({}))


def test_rotation_root_must_be_current_for_trust_root_bundles(tmp_path) -> None:
    v2 = root_envelope(2, ("root2", "root3"), ("root1", "root2", "root3"))
    bundle = tmp_path / "b.tar"
    bundle.write_bytes(_trust_root_bundle(v2))
    verified = verify_bundle(bundle, trust_root=ROOT, now=NOW, history=MemoryHistory({}))
    new_root = verified.content.trust_root
    assert isinstance(new_root, TrustRoot) and new_root.version == 2
    assert hashlib.sha256(verified.content.envelope_bytes).hexdigest() == verified.members[0].sha256
