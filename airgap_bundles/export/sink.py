"""Where archive bytes go: temporary files on the destination, fsynced, read back.

A sink receives the archive as a stream of bytes. It writes them to temporary
files in the destination folder (names starting with ``.`` and ending in
``.partial``), hashing as it goes; :meth:`ArchiveSink.finish` fsyncs, drops the
pages from the cache where the OS allows it, reads every byte back from the
medium and re-hashes it. Only :meth:`commit` gives the files their final names,
so a full disk, an I/O error, a pulled stick or a cancel leaves no file that
looks complete: :meth:`abort` removes the temporary files.

With ``part_size`` the stream is cut into numbered parts ``<name>.part-001``, …
of at most ``part_size`` bytes; a stream that fits in one part is written as the
plain ``<name>``.

Writes go through ``os.write``/``os.fsync`` on raw descriptors (partial writes
handled), so every failure surfaces as an ``OSError`` at a known point.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from airgap_bundles.export.errors import (
    DestinationExists,
    ExportError,
    MediumError,
    MediumFull,
    ReadBackMismatch,
)
from engine.crypto.atomic import fsync_directory

CHUNK = 1 << 20
MAX_PARTS = 999
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def part_name(name: str, number: int) -> str:
    return f"{name}.part-{number:03d}"


@dataclass(frozen=True)
class WrittenFile:
    """A file written, fsynced and read back: its final name, size and SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass
class _Open:
    final: str
    temp: Path
    fd: int
    size: int
    digest: hashlib._Hash


class ArchiveSink:
    """Temporary files in ``directory`` that become ``name`` (or its parts) on commit."""

    def __init__(
        self,
        directory: Path,
        name: str,
        part_size: int | None = None,
        verifying: Callable[[int, int], None] | None = None,
    ) -> None:
        if part_size is not None and part_size < 1:
            raise ValueError("a part holds at least one byte")
        self.directory = Path(directory)
        self.name = name
        self.part_size = part_size
        self._verifying = verifying
        self._done: list[tuple[Path, WrittenFile]] = []
        self._current: _Open | None = None
        self._whole = hashlib.sha256()
        self._total = 0
        self._on_medium = 0
        self._temps: list[Path] = []
        self._finished = False
        self.extra: list[tuple[Path, str]] = []  # (temp, final) renamed after the parts
        self._check_destination()

    # -- checks ----------------------------------------------------------------

    def _check_destination(self) -> None:
        if not self.directory.is_dir():
            raise MediumError(
                f"{self.directory} is not a folder that can be written to; nothing was written"
            )
        clashes = [
            p.name
            for p in self.directory.iterdir()
            if p.name == self.name
            or p.name.startswith(self.name + ".part-")
            or p.name == self.name + ".custody.dsse.json"
        ]
        if clashes:
            raise DestinationExists(
                f"{self.directory} already holds {', '.join(sorted(clashes))}; exports never "
                "overwrite files — choose another folder or move the old export away"
            )

    # -- writing ---------------------------------------------------------------

    def _open_next(self) -> _Open:
        number = len(self._done) + 1
        if number > MAX_PARTS:
            raise ExportError(
                f"the export needs more than {MAX_PARTS} parts; choose a larger split size"
            )
        final = part_name(self.name, number) if self.part_size else self.name
        fd, temp = tempfile.mkstemp(prefix=f".{final}.", suffix=".partial", dir=self.directory)
        self._temps.append(Path(temp))
        return _Open(final=final, temp=Path(temp), fd=fd, size=0, digest=hashlib.sha256())

    def write(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            if self._current is None:
                self._current = self._open_next()
            room = len(view)
            if self.part_size is not None:
                room = min(room, self.part_size - self._current.size)
            chunk = view[:room]
            self._write_all(self._current.fd, chunk)
            self._current.digest.update(chunk)
            self._whole.update(chunk)
            self._current.size += len(chunk)
            self._total += len(chunk)
            view = view[room:]
            if self.part_size is not None and self._current.size >= self.part_size:
                self._close_current()

    def _write_all(self, fd: int, data: memoryview) -> None:
        while data:
            written = os.write(fd, data)
            if written <= 0:
                raise OSError(errno.EIO, "the medium accepted no bytes")
            self._on_medium += written
            data = data[written:]

    def _close_current(self) -> None:
        current = self._current
        if current is None:
            return
        self._current = None
        try:
            os.fsync(current.fd)
        finally:
            os.close(current.fd)
        self._done.append(
            (current.temp, WrittenFile(current.final, current.size, current.digest.hexdigest()))
        )

    def finish(self) -> tuple[WrittenFile, tuple[WrittenFile, ...]]:
        """Fsync and read everything back; return the whole archive and its parts."""
        if self._current is None and not self._done:
            self._current = self._open_next()  # an empty stream still makes a file
        self._close_current()
        if self.part_size is not None and len(self._done) == 1:
            temp, only = self._done[0]
            self._done[0] = (temp, WrittenFile(self.name, only.size, only.sha256))
        whole = WrittenFile(self.name, self._total, self._whole.hexdigest())
        done_bytes = 0
        for temp, written in self._done:
            done_bytes = self._read_back(temp, written, done_bytes)
        self._finished = True
        parts = tuple(w for _, w in self._done) if len(self._done) > 1 else ()
        return whole, parts

    def _read_back(self, temp: Path, written: WrittenFile, done: int) -> int:
        digest = hashlib.sha256()
        size = 0
        fd = os.open(temp, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            if hasattr(os, "posix_fadvise"):  # read from the medium, not from the cache
                with contextlib.suppress(OSError):
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            while block := os.read(fd, CHUNK):
                digest.update(block)
                size += len(block)
                done += len(block)
                if self._verifying:
                    self._verifying(done, self._total)
        finally:
            os.close(fd)
        if size != written.size or digest.hexdigest() != written.sha256:
            raise ReadBackMismatch(
                f"{written.name}: the bytes read back from the medium differ from the bytes "
                "written (a failing medium?)"
            )
        return done

    # -- extra files (part manifests) and commit ---------------------------------

    def add_file(self, final: str, data: bytes) -> None:
        """Write a small file next to the archive; it gets its final name on commit."""
        fd, temp = tempfile.mkstemp(prefix=f".{final}.", suffix=".partial", dir=self.directory)
        self._temps.append(Path(temp))
        try:
            self._write_all(fd, memoryview(data))
            os.fsync(fd)
        finally:
            os.close(fd)
        self.extra.append((Path(temp), final))

    @property
    def written(self) -> int:
        """Bytes the medium accepted so far (archive, parts and manifests)."""
        return self._on_medium

    @property
    def files(self) -> list[WrittenFile]:
        return [w for _, w in self._done]

    def commit(self) -> list[Path]:
        """Give every file its final name (parts first, manifests last); fsync the folder."""
        if not self._finished:
            raise ExportError("the archive was not finished and read back")
        renamed: list[Path] = []
        moves = [(temp, w.name) for temp, w in self._done] + list(self.extra)
        for temp, final in moves:
            target = self.directory / final
            os.replace(temp, target)
            self._temps.remove(temp)
            renamed.append(target)
        fsync_directory(self.directory)
        return renamed

    def abort(self) -> list[Path]:
        """Remove every temporary file; return those that could not be removed."""
        if self._current is not None:
            with contextlib.suppress(OSError):
                os.close(self._current.fd)
            self._current = None
        left = []
        for temp in list(self._temps):
            try:
                temp.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                left.append(temp)
                continue
            self._temps.remove(temp)
        return left


def translate(exc: OSError, directory: Path, written: int, left: list[Path]) -> ExportError:
    """The user-facing error for an ``OSError`` met while exporting, after clean-up."""
    if left:
        leftover = (
            f"the temporary file(s) {', '.join(p.name for p in left)} could not be "
            "removed; their names end in .partial because they are incomplete — "
            "delete them"
        )
    else:
        leftover = "nothing that looks complete was left: the temporary files were removed"
    if exc.errno in _FULL:
        return MediumFull(
            f"the medium at {directory} is full after {written} bytes of the "
            f"export; {leftover}. Free space, choose another medium, or split "
            "the export with --split-size."
        )
    reason = exc.strerror or str(exc)
    return MediumError(f"writing to {directory} failed ({reason}); {leftover}.")
