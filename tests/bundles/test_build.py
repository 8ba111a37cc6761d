"""The authoring side: deterministic, readable by standard tools, refuses bad sources."""

from __future__ import annotations

import gzip
import io
import os
import tarfile

import pytest

from airgap_bundles import BundleBuildError, build_bundle, verify_bundle
from airgap_bundles.errors import PredicateInvalid
from airgap_bundles.manifest import BundlePredicate
from airgap_bundles.options import NO_HISTORY
from tests.bundles.helpers import CREATED, KEYS, NOW, ROOT, predicate, release_files, source_tree


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_build_twice_gives_identical_bytes(tmp_path, compression: str) -> None:
    source = source_tree(tmp_path / "src", release_files())
    first = build_bundle(
        source,
        tmp_path / "a",
        predicate=predicate(),
        signers=[KEYS["release"]],
        compression=compression,
    )
    # A second copy of the sources, written in another order with other mtimes.
    other = source_tree(tmp_path / "src2", dict(reversed(list(release_files().items()))))
    os.utime(other / "release.json", (1, 1))
    second = build_bundle(
        other,
        tmp_path / "b",
        predicate=predicate(),
        signers=[KEYS["release"]],
        compression=compression,
    )
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    assert first.manifest_digest == second.manifest_digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "src", "src2"]  # no temp files


def test_layout_and_metadata_as_standard_tar_sees_them(tmp_path) -> None:
    source = source_tree(tmp_path / "src", release_files())
    (source / "artifacts" / "api" / "run.sh").write_bytes(b"#!/bin/sh\n")
    (source / "artifacts" / "api" / "run.sh").chmod(0o750)
    # release.json lists only app.json as an artifact; run.sh is an extra, listed member.
    result = build_bundle(
        source, tmp_path / "b.tgz", predicate=predicate(), signers=[KEYS["release"]]
    )
    data = (tmp_path / "b.tgz").read_bytes()
    assert data[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, mtime 0, OS unknown
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        infos = tar.getmembers()
    assert [i.name for i in infos] == [
        "manifest.dsse.json",
        "release.json",
        "artifacts/api/app.json",
        "artifacts/api/run.sh",
        "sbom/api.cdx.json",
    ]
    for info in infos:
        assert (info.uid, info.gid, info.uname, info.gname) == (0, 0, "", "")
        assert info.mtime == int(CREATED.timestamp())
        assert info.isreg()
    assert {i.name: i.mode for i in infos}["artifacts/api/run.sh"] == 0o755
    assert {i.name: i.mode for i in infos}["release.json"] == 0o644
    assert [m.path for m in result.members] == sorted([*release_files(), "artifacts/api/run.sh"])
    assert result.content.release_digest.startswith("sha256:")


def test_unicode_and_long_names_round_trip(tmp_path) -> None:
    files = release_files()
    long_name = "artifacts/" + "/".join(["d" * 40] * 6) + "/x.bin"
    files[long_name] = b"long"
    files["artifacts/données/é.txt"] = b"accent"
    source = source_tree(tmp_path / "src", files)
    build_bundle(
        source,
        tmp_path / "b.tar",
        predicate=predicate(),
        signers=[KEYS["release"]],
        compression="none",
    )
    verified = verify_bundle(tmp_path / "b.tar", trust_root=ROOT, now=NOW, history=NO_HISTORY)
    assert {long_name, "artifacts/données/é.txt"} <= {m.path for m in verified.members}
    with tarfile.open(tmp_path / "b.tar") as tar:
        assert long_name in tar.getnames()


def test_refuses_links_and_generated_names(tmp_path) -> None:
    source = source_tree(tmp_path / "src", release_files())
    (source / "link").symlink_to(source / "release.json")
    with pytest.raises(BundleBuildError, match="regular file"):
        build_bundle(source, tmp_path / "b", predicate=predicate(), signers=[KEYS["release"]])
    (source / "link").unlink()
    (source / "manifest.dsse.json").write_bytes(b"{}")
    with pytest.raises(BundleBuildError, match="manifest.dsse.json"):
        build_bundle(source, tmp_path / "b", predicate=predicate(), signers=[KEYS["release"]])
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("files", "rule"),
    [
        ({"release.json": b"{}"}, "release-invalid"),
        ({**release_files(), "Release.json": b"{}"}, "name-collision"),
        ({**release_files(), "policy.yaml": b""}, None),
    ],
)
def test_refuses_what_verification_would_reject(tmp_path, files: dict, rule: str | None) -> None:
    source = source_tree(tmp_path / "src", files)
    if rule is None:  # an extra file is fine in a release bundle
        build_bundle(source, tmp_path / "b", predicate=predicate(), signers=[KEYS["release"]])
        return
    with pytest.raises(BundleBuildError, match=rule):
        build_bundle(source, tmp_path / "b", predicate=predicate(), signers=[KEYS["release"]])
    assert not (tmp_path / "b").exists()


def test_predicate_rules() -> None:
    with pytest.raises(PredicateInvalid, match="sequence number"):
        predicate(version="1.3.0")  # type: ignore[arg-type]
    with pytest.raises(PredicateInvalid, match="expires"):
        BundlePredicate("release", "p", 1, NOW, NOW, "me")
    with pytest.raises(PredicateInvalid, match="kind"):
        predicate(kind="plugin")
    with pytest.raises(PredicateInvalid, match="name"):
        predicate(name="../x")


def test_bad_options(tmp_path) -> None:
    source = source_tree(tmp_path / "src", release_files())
    with pytest.raises(BundleBuildError, match="compression"):
        build_bundle(
            source,
            tmp_path / "b",
            predicate=predicate(),
            signers=[KEYS["release"]],
            compression="xz",
        )
    with pytest.raises(BundleBuildError, match="signing key"):
        build_bundle(source, tmp_path / "b", predicate=predicate(), signers=[])
