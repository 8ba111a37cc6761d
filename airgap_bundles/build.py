"""Build a signed bundle (the authoring side of ``stella bundle build``), deterministically.

Same sources, predicate and keys give byte-identical archives: members are
sorted by their UTF-8 path (the kind's main document right after
``manifest.dsse.json``, so readers learn the structure early), headers carry
fixed metadata (mtime = the predicate's ``created``, uid/gid 0, no user or
group names, 0644/0755), gzip has no file name and mtime 0, zstd runs
single-threaded, Ed25519 signatures are deterministic and the envelope is RFC
8785 canonical JSON. The same content checks as verification run first, so a
bundle that ``bundle verify`` would reject is never written. The output is
written to a temporary file, fsynced and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from airgap_bundles.compression import COMPRESSIONS, GZIP, Writer, compressing_writer
from airgap_bundles.errors import BundleBuildError, BundleRejected
from airgap_bundles.kinds import KindContent, inspector_for
from airgap_bundles.manifest import BundleManifest, BundlePredicate
from airgap_bundles.options import DEFAULT_LIMITS, BundleLimits
from airgap_bundles.paths import MANIFEST_NAME, check_member_path
from airgap_bundles.report import MemberInfo
from airgap_bundles.tarwrite import END_OF_ARCHIVE, file_header, padding
from engine.crypto import dsse
from engine.crypto.atomic import atomic_output
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE
from engine.crypto.keys import Signer

CHUNK = 1 << 20
MAIN_DOCUMENTS = {
    "release": "release.json",
    "feed-snapshot": "feed.json",
    "policy": "policy.json",
    "trust-root": "trust-root.dsse.json",
}


@dataclass(frozen=True)
class SourceMember:
    """One file to pack: its member path, size, and how to open it for reading."""

    path: str
    size: int
    open: Callable[[], BinaryIO]
    executable: bool = False


@dataclass(frozen=True)
class BuildResult:
    path: Path
    manifest_digest: str
    statement_digest: str
    members: tuple[MemberInfo, ...]
    content: KindContent
    archive_size: int
    compression: str


def members_from_directory(source_dir: str | os.PathLike[str]) -> list[SourceMember]:
    """Every regular file under ``source_dir``; links and special files are refused."""
    root = Path(source_dir)
    if not root.is_dir():
        raise BundleBuildError(f"{root} is not a folder")
    found: list[SourceMember] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in dirnames:
            if (here / name).is_symlink():
                raise BundleBuildError(
                    f"{here / name} is a symbolic link; bundles hold plain files only"
                )
        for name in filenames:
            full = here / name
            info = full.lstat()
            if not stat.S_ISREG(info.st_mode):
                raise BundleBuildError(
                    f"{full} is not a regular file; bundles hold plain files only"
                )
            relative = full.relative_to(root).as_posix()
            found.append(
                SourceMember(
                    relative, info.st_size, _opener(full), executable=bool(info.st_mode & 0o111)
                )
            )
    return found


def _opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: open(path, "rb")


def _ordered(members: Iterable[SourceMember], kind: str) -> list[SourceMember]:
    main = MAIN_DOCUMENTS[kind]
    return sorted(members, key=lambda m: (m.path != main, m.path.encode("utf-8")))


def _digest_of(member: SourceMember) -> str:
    hasher = hashlib.sha256()
    size = 0
    with member.open() as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    if size != member.size:
        raise BundleBuildError(f"{member.path} changed size while the bundle was being built")
    return hasher.hexdigest()


def build_bundle(
    members: Sequence[SourceMember] | str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    predicate: BundlePredicate,
    signers: Sequence[Signer],
    compression: str = GZIP,
    level: int | None = None,
    limits: BundleLimits = DEFAULT_LIMITS,
) -> BuildResult:
    """Pack ``members`` (or every file of a source folder) into a signed bundle at ``out_path``."""
    if compression not in COMPRESSIONS:
        raise BundleBuildError(f"compression must be one of {', '.join(COMPRESSIONS)}")
    if not signers:
        raise BundleBuildError("at least one signing key is needed")
    if isinstance(members, str | os.PathLike):
        members = members_from_directory(members)
    ordered = _ordered(members, predicate.kind)
    try:
        for member in ordered:
            check_member_path(member.path)
            if member.path == MANIFEST_NAME:
                raise BundleBuildError(
                    f"the sources may not contain {MANIFEST_NAME}; it is generated"
                )
        digests = {member.path: _digest_of(member) for member in ordered}
        manifest = BundleManifest.create(predicate, digests)
        inspector = inspector_for(manifest, limits, current_root=None, now=None)
        for member in ordered:
            if inspector.wants(member.path, member.size):
                with member.open() as handle:
                    inspector.accept(member.path, handle.read())
        content, _ = inspector.finish()
    except BundleRejected as exc:
        raise BundleBuildError(f"the sources would be rejected: {exc} [{exc.rule}]") from None
    envelope = dsse.sign(INTOTO_PAYLOAD_TYPE, manifest.to_statement().to_bytes(), signers)
    manifest_bytes = envelope.to_bytes()
    mtime = int(predicate.created.timestamp())
    out = Path(out_path)
    with atomic_output(out) as raw:
        writer = compressing_writer(raw, compression, level)
        writer.write(file_header(MANIFEST_NAME, len(manifest_bytes), mtime=mtime, executable=False))
        writer.write(manifest_bytes + padding(len(manifest_bytes)))
        for member in ordered:
            _write_member(writer, member, digests[member.path], mtime)
        writer.write(END_OF_ARCHIVE)
        writer.close()
    return BuildResult(
        path=out,
        manifest_digest="sha256:" + hashlib.sha256(manifest_bytes).hexdigest(),
        statement_digest="sha256:" + hashlib.sha256(envelope.payload).hexdigest(),
        members=tuple(
            MemberInfo(m.path, digests[m.path], m.size)
            for m in sorted(ordered, key=lambda m: m.path)
        ),
        content=content,
        archive_size=out.stat().st_size,
        compression=compression,
    )


def _write_member(writer: Writer, member: SourceMember, digest: str, mtime: int) -> None:
    writer.write(file_header(member.path, member.size, mtime=mtime, executable=member.executable))
    hasher = hashlib.sha256()
    written = 0
    with member.open() as handle:
        while chunk := handle.read(CHUNK):
            written += len(chunk)
            if written > member.size:
                break
            hasher.update(chunk)
            writer.write(chunk)
    if written != member.size or hasher.hexdigest() != digest:
        raise BundleBuildError(f"{member.path} changed while the bundle was being built")
    writer.write(padding(member.size))
