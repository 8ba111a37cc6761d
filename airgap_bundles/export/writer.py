"""Write an export plan to a folder or removable medium, in two phases.

:func:`prepare_export` streams the archive into temporary files on the
destination, fsyncs them, reads every byte back and re-hashes it, and signs a
part manifest per part when the archive is split. Nothing has a final name yet.
:meth:`PreparedExport.commit` renames the files into place; :meth:`abort`
removes them. The caller records the chain-of-custody receipt between the two
(or right after commit) so that an export is never left unrecorded.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from airgap_bundles.export.archive import DEFAULT_LEVEL, write_archive
from airgap_bundles.export.errors import ExportError, MediumError
from airgap_bundles.export.plan import ExportPlan
from airgap_bundles.export.sink import ArchiveSink, WrittenFile, translate
from airgap_bundles.export.statements import FileDigest, PartManifest
from engine.crypto.atomic import atomic_write_bytes
from engine.crypto.keys import Signer

CUSTODY_FILE_MODE = 0o600  # like the archive itself (mkstemp): the owner's, whatever the umask
WRITING = "writing"
VERIFYING = "verifying"


@dataclass(frozen=True)
class ExportProgress:
    """``phase`` is ``writing`` (bytes of content archived) or ``verifying`` (bytes read back)."""

    phase: str
    done: int
    total: int


ProgressCallback = Callable[[ExportProgress], None]


def custody_name(archive_name: str) -> str:
    return f"{archive_name}.custody.dsse.json"


def manifest_name(part: str) -> str:
    return f"{part}.dsse.json"


@dataclass(frozen=True)
class ExportFiles:
    """What an export left on the medium, under final names."""

    directory: Path
    archive: WrittenFile
    parts: tuple[WrittenFile, ...]
    manifests: tuple[str, ...]
    index_sha256: str

    @property
    def paths(self) -> list[Path]:
        names = [p.name for p in self.parts] or [self.archive.name]
        return [self.directory / n for n in (*names, *self.manifests)]


class PreparedExport:
    """An archive written and read back under temporary names, not yet committed."""

    def __init__(
        self,
        sink: ArchiveSink,
        plan: ExportPlan,
        whole: WrittenFile,
        parts: tuple[WrittenFile, ...],
        manifests: tuple[str, ...],
    ) -> None:
        self._sink = sink
        self.plan = plan
        self.archive = whole
        self.parts = parts
        self.manifests = manifests
        self.directory = sink.directory

    @property
    def index_sha256(self) -> str:
        return self.plan.members[0].sha256

    def commit(self) -> ExportFiles:
        try:
            self._sink.commit()
        except OSError as exc:
            left = self._sink.abort()
            raise translate(exc, self.directory, self.archive.size, left) from None
        return ExportFiles(
            self.directory, self.archive, self.parts, self.manifests, self.index_sha256
        )

    def abort(self) -> list[Path]:
        return self._sink.abort()


def _with_leftovers(error: ExportError, left: list[Path]) -> ExportError:
    if not left:
        return error
    names = ", ".join(p.name for p in left)
    return type(error)(
        f"{error.message} The temporary file(s) {names} could not be removed; "
        "their names end in .partial because they are incomplete — delete them."
    )


def prepare_export(
    plan: ExportPlan,
    directory: Path,
    name: str,
    signer: Signer,
    *,
    split_size: int | None = None,
    level: int = DEFAULT_LEVEL,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PreparedExport:
    """Write ``plan`` as ``name`` (or its parts) in ``directory``; see the module docstring."""
    if "/" in name or name.startswith(".") or not name:
        raise ExportError(f"{name!r} is not a plain file name")

    def writing(done: int, total: int) -> None:
        if progress is not None:
            progress(ExportProgress(WRITING, done, total))

    def verifying(done: int, total: int) -> None:
        if progress is not None:
            progress(ExportProgress(VERIFYING, done, total))

    sink = ArchiveSink(Path(directory), name, split_size, verifying)
    try:
        write_archive(plan, sink, level=level, progress=writing, cancel=cancel)
        whole, parts = sink.finish()
        manifests = []
        offset = 0
        for number, part in enumerate(parts, start=1):
            manifest = PartManifest(
                promotion=plan.index.promotion,
                bundle=plan.index.bundle,
                archive=FileDigest(whole.name, whole.sha256, whole.size),
                part=FileDigest(part.name, part.sha256, part.size),
                index=number,
                count=len(parts),
                offset=offset,
            )
            sink.add_file(manifest_name(part.name), manifest.sign(signer))
            manifests.append(manifest_name(part.name))
            offset += part.size
    except OSError as exc:
        left = sink.abort()
        raise translate(exc, Path(directory), sink.written, left) from None
    except ExportError as exc:
        raise _with_leftovers(exc, sink.abort()) from None
    except BaseException:
        sink.abort()
        raise
    return PreparedExport(sink, plan, whole, parts, tuple(manifests))


def write_custody(files: ExportFiles, receipt: bytes) -> Path:
    """Put the signed custody receipt beside the archive (atomically)."""
    path = files.directory / custody_name(files.archive.name)
    try:
        atomic_write_bytes(path, receipt, CUSTODY_FILE_MODE)
    except OSError as exc:
        raise MediumError(
            f"the custody receipt could not be written beside the export "
            f"({exc.strerror or exc}); the export itself is complete and "
            "recorded in the run's events"
        ) from None
    return path


def remove_files(paths: list[Path]) -> list[Path]:
    """Remove committed files (when the export could not be recorded); return leftovers."""
    left = []
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            left.append(path)
    return left
