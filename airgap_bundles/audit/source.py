"""Read an export's files — from its folder, its ``.tar.gz`` or its parts — hashing
every byte once and never writing anything to disk.

Structured files (JSON, keys, the checkpoint) are kept in memory to be checked;
step logs and the report are only hashed, so memory stays flat however large the
logs are. Anything that is not a plain regular file is reported, never followed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import stat
import tarfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from airgap_bundles.audit.report import ARCHIVE, FILES, VerifyReport

CHUNK = 1 << 20
KEEP_LIMIT = 64 << 20
GZIP_MAGIC = b"\x1f\x8b"
# What our writer's gzip header looks like: deflate, no flags, mtime 0, any XFL, OS 255.
_GZIP_HEADER = re.compile(rb"\A\x1f\x8b\x08\x00\x00\x00\x00\x00[\x00\x02\x04]\xff", re.DOTALL)
_PART = re.compile(r"\A(?P<base>.+)\.part-(?P<n>\d{3})\Z")


@dataclass(frozen=True)
class MemberData:
    path: str
    size: int
    sha256: str
    data: bytes | None


def _keep(path: str, size: int) -> bool:
    return not path.startswith("logs/") and path != "report.pdf" and size <= KEEP_LIMIT


def _read_member(path: str, source: IO[bytes]) -> MemberData:
    digest = hashlib.sha256()
    size = 0
    kept: list[bytes] | None = []
    while block := source.read(CHUNK):
        digest.update(block)
        size += len(block)
        if kept is not None:
            kept.append(block)
            if not _keep(path, size):
                kept = None
    data = b"".join(kept) if kept is not None else None
    return MemberData(path, size, digest.hexdigest(), data)


def read_folder(root: Path, report: VerifyReport) -> dict[str, MemberData]:
    """Every regular file under ``root`` by its ``/``-separated relative path."""
    members: dict[str, MemberData] = {}
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(directory)
        for name in sorted(dirnames):
            if (base / name).is_symlink():
                rel = (base / name).relative_to(root).as_posix()
                report.failed(FILES, rel, "is a symbolic link; an export holds regular files only")
        for name in sorted(filenames):
            full = base / name
            rel = full.relative_to(root).as_posix()
            mode = os.lstat(full).st_mode
            if not stat.S_ISREG(mode):
                report.failed(
                    FILES,
                    rel,
                    "is not a regular file (a link or a device); an export "
                    "holds regular files only",
                )
                continue
            try:
                with open(full, "rb") as handle:
                    members[rel] = _read_member(rel, handle)
            except OSError as exc:
                report.failed(FILES, rel, f"cannot be read ({exc.strerror or exc})")
    return members


class HashingReader:
    """A read-only stream over one file or several parts in order, hashing as it goes."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self.whole = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.part_digests: list[tuple[int, str]] = []
        self._index = 0
        self._handle: BinaryIO | None = None
        self._part = hashlib.sha256()
        self._part_size = 0

    def readable(self) -> bool:
        return True

    def _advance(self) -> bool:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self.part_digests.append((self._part_size, self._part.hexdigest()))
            self._part, self._part_size = hashlib.sha256(), 0
            self._index += 1
        if self._index >= len(self.paths):
            return False
        self._handle = open(self.paths[self._index], "rb")
        return True

    def seek(self, offset: int, /) -> int:
        """Forward only: gzip seeks its file object only to go back, which nothing here does."""
        raise io.UnsupportedOperation("the archive is read once, in order")

    def read(self, size: int = -1) -> bytes:
        wanted = CHUNK if size is None or size < 0 else size
        while True:
            if self._handle is None and not self._advance():
                return b""
            block = self._handle.read(wanted)  # type: ignore[union-attr]
            if block:
                break
            if not self._advance():
                return b""
        self.whole.update(block)
        self._part.update(block)
        self._part_size += len(block)
        self.size += len(block)
        if len(self.head) < 16:
            self.head = (self.head + block)[:16]
        return block

    def drain(self) -> None:
        """Read to the end so every part's and the whole digest are complete."""
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def read_archive(
    reader: HashingReader,
    name: str,
    report: VerifyReport,
) -> dict[str, MemberData] | None:
    """Members of the ``.tar.gz`` behind ``reader``; ``None`` when the archive is damaged."""
    members: dict[str, MemberData] = {}
    try:
        gz = gzip.GzipFile(fileobj=reader, mode="rb")
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            for info in tar:
                if info.isdir():
                    continue
                if not info.isreg():
                    report.failed(
                        FILES,
                        info.name,
                        "is not a regular file (a link or a "
                        "device); an export holds regular files only",
                    )
                    continue
                if info.name in members:
                    report.failed(FILES, info.name, "appears twice in the archive")
                    continue
                source = tar.extractfile(info)
                if source is None:
                    report.failed(FILES, info.name, "cannot be read from the archive")
                    continue
                members[info.name] = _read_member(info.name, source)
        while block := gz.read(CHUNK):  # the rest of the stream: tar padding, then the CRC
            if block.strip(b"\x00"):
                report.failed(ARCHIVE, name, "data follows the end of the tar archive")
                return None
        reader.drain()
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        report.failed(
            ARCHIVE,
            name,
            f"the archive is damaged or truncated ({exc}); its content cannot be trusted",
        )
        return None
    if not _GZIP_HEADER.match(reader.head):
        report.failed(
            ARCHIVE,
            name,
            "the gzip header is not the one exports write (flags, time or OS byte changed)",
        )
        return None
    report.passed(
        ARCHIVE,
        name,
        f"a complete gzip-compressed tar archive of {len(members)} "
        f"files ({reader.size} bytes, sha256 {reader.whole.hexdigest()})",
    )
    return members


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def part_match(name: str) -> tuple[str, int] | None:
    match = _PART.match(name)
    return (match["base"], int(match["n"])) if match else None


def find_parts(path: Path) -> tuple[Path, str, dict[int, Path]] | None:
    """For a ``.part-NNN`` file or a folder holding one export's parts: folder, base, parts."""
    if path.is_dir():
        bases = {m[0] for p in path.iterdir() if (m := part_match(p.name))}
        if len(bases) != 1:
            return None
        base = bases.pop()
        folder = path
    else:
        match = part_match(path.name)
        if match is None:
            return None
        base, folder = match[0], path.parent
    parts = {
        m[1]: p for p in sorted(folder.iterdir()) if (m := part_match(p.name)) and m[0] == base
    }
    return folder, base, parts
