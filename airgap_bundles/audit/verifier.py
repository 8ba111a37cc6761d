"""``verify_path``: check an export offline, from its archive, its folder or its parts.

Pure: it reads only the files it is given and trusts nothing but the site key
the export names (or the key the auditor pins). No site, no database, no network.
"""

from __future__ import annotations

from pathlib import Path

from airgap_bundles.audit import authority, checks, policy, story
from airgap_bundles.audit.context import Context
from airgap_bundles.audit.report import ARCHIVE, CUSTODY, PARTS, VerifyReport
from airgap_bundles.audit.source import (
    CHUNK,
    HashingReader,
    MemberData,
    find_parts,
    is_gzip,
    read_archive,
    read_folder,
)
from airgap_bundles.export import layout
from airgap_bundles.export.statements import PartManifest, StatementError, open_custody
from airgap_bundles.export.writer import custody_name, manifest_name
from engine.crypto.atomic import atomic_output


class _Archive:
    """The archive behind the members: its file(s), for the whole-file checks."""

    def __init__(
        self,
        folder: Path,
        name: str,
        reader: HashingReader,
        manifests: dict[int, tuple[Path, bytes]] | None = None,
    ) -> None:
        self.folder = folder
        self.name = name
        self.reader = reader
        self.manifests = manifests or {}


MAX_SIDECAR = 8 << 20  # a signed part manifest or custody receipt is a few KiB


def _read_sidecar(path: Path) -> bytes:
    """A signed file beside the archive, read before its signature is checked: capped,
    so a huge one costs nothing (DESIGN §4.3: JSON before authentication <= 8 MiB)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_SIDECAR + 1)
    if len(data) > MAX_SIDECAR:
        raise StatementError(f"is larger than {MAX_SIDECAR >> 20} MiB; a signed manifest or "
                             "receipt is a few KiB")
    return data


def _parts_source(path: Path, report: VerifyReport) -> tuple[_Archive | None, str]:
    found = find_parts(path)
    if found is None:
        return None, "no parts"
    folder, base, parts = found
    count = max(parts)
    manifests: dict[int, tuple[Path, bytes]] = {}
    declared: set[int] = set()
    for number in range(1, count + 1):
        part = parts.get(number)
        name = f"{base}.part-{number:03d}"
        if part is None:
            report.failed(PARTS, name, f"is missing: part {number} of at least {count}")
            continue
        manifest_path = folder / manifest_name(part.name)
        try:
            data = _read_sidecar(manifest_path)
            manifest = PartManifest.open(data)
        except OSError:
            report.failed(PARTS, manifest_path.name, "is missing: every part has a signed manifest")
            continue
        except StatementError as exc:
            report.failed(PARTS, manifest_path.name, str(exc))
            continue
        manifests[number] = (manifest_path, data)
        declared.add(manifest.count)
        if manifest.index != number or manifest.part.name != part.name:
            report.failed(
                PARTS, manifest_path.name, f"describes part {manifest.index}, not {part.name}"
            )
    if len(declared) == 1 and (total := declared.pop()) != count:
        for number in range(count + 1, total + 1):
            report.failed(
                PARTS, f"{base}.part-{number:03d}", f"is missing: part {number} of {total}"
            )
    if report.failures:
        return None, "parts incomplete"
    report.facts["parts"] = f"{count} part(s) of {base}"
    reader = HashingReader([parts[n] for n in range(1, count + 1)])
    return _Archive(folder, base, reader, manifests), ""


def _check_parts(archive: _Archive, site_key, report: VerifyReport) -> None:
    """Each part against its manifest; with ``site_key`` the manifests' signatures too.

    Without the key (the archive inside could not be read, so the site key is unknown)
    only mismatches are reported: they name the damaged part."""
    digests = archive.reader.part_digests
    for number, (manifest_path, data) in sorted(archive.manifests.items()):
        part = f"{archive.name}.part-{number:03d}"
        try:
            manifest = PartManifest.open(data, site_key)
        except StatementError as exc:
            report.failed(PARTS, manifest_path.name, f"is not signed by the site key ({exc})")
            continue
        size, sha = digests[number - 1] if number - 1 < len(digests) else (-1, "")
        if (size, sha) != (manifest.part.size, manifest.part.sha256):
            report.failed(
                PARTS,
                part,
                "its SHA-256 differs from its signed manifest: the part was altered or truncated",
            )
        elif (manifest.archive.sha256, manifest.archive.size) != (
            archive.reader.whole.hexdigest(),
            archive.reader.size,
        ):
            report.failed(
                PARTS,
                manifest_path.name,
                "names another whole archive than these parts reassemble into",
            )
        elif site_key is not None:
            report.passed(
                PARTS,
                part,
                f"part {number} of {manifest.count}: sha256 matches "
                "its manifest signed by the site key",
            )


def _check_custody_sidecar(archive: _Archive, site_key, report: VerifyReport) -> None:
    path = archive.folder / custody_name(archive.name)
    if not path.exists():
        report.note(
            CUSTODY,
            archive.name,
            "no custody receipt beside the archive; its content was verified file by file",
        )
        return
    try:
        opened = open_custody(_read_sidecar(path), site_key)
    except (OSError, StatementError) as exc:
        report.failed(CUSTODY, path.name, f"does not verify ({exc})")
        return
    whole = archive.reader.whole.hexdigest()
    if not any(s.name == archive.name and s.sha256 == whole for s in opened.subjects):
        report.failed(
            CUSTODY,
            archive.name,
            "differs from the archive the site exported: its "
            "SHA-256 is not the one in the signed custody receipt",
        )
        return
    p = opened.predicate
    destination = (p.get("destination") or {}).get("path")
    report.passed(
        CUSTODY,
        path.name,
        f"signed by the site key: {archive.name} (sha256 "
        f"{whole[:16]}…) exported by {p.get('exportedBy')} at {p.get('exportedAt')} "
        f"to {destination}",
    )


def verify_path(path: str | Path, *, site_key: str | None = None) -> VerifyReport:
    """Verify an export; ``site_key`` pins the key id the site published."""
    path = Path(path)
    report = VerifyReport(str(path))
    archive: _Archive | None = None
    members: dict[str, MemberData] | None
    if not path.exists():
        report.failed(ARCHIVE, str(path), "does not exist")
        return report
    if path.is_dir() and (path / layout.INDEX).exists():
        members = read_folder(path, report)
    else:
        archive, why = _parts_source(path, report)
        if archive is None and why == "parts incomplete":
            return report
        if archive is None:
            if not path.is_file():
                report.failed(
                    ARCHIVE, str(path), "holds neither an export (index.json) nor the parts of one"
                )
                return report
            if not is_gzip(path):
                report.failed(ARCHIVE, path.name, "is not a gzip-compressed tar archive")
                return report
            archive = _Archive(path.parent, path.name, HashingReader([path]))
        try:
            members = read_archive(archive.reader, archive.name, report)
            if members is None and archive.manifests:
                archive.reader.drain()  # hash every part to name the damaged one
                _check_parts(archive, None, report)
        except OSError as exc:
            report.failed(ARCHIVE, archive.name, f"cannot be read ({exc.strerror or exc})")
            members = None
        finally:
            archive.reader.close()
    if members is None:
        return report
    ctx = Context(report, members)
    if not checks.check_index(ctx, site_key):
        return report
    checks.check_files(ctx)
    checks.check_keys(ctx)
    checks.check_trust_root(ctx)
    checks.check_log(ctx)
    verified = story.check_evidence(ctx)
    story.check_timeline(ctx)
    authority.check_run_log(ctx)
    authority.check_run_approvals(ctx)
    story.check_proof_chain(ctx)
    story.check_custody(ctx)
    policy.check_policy(ctx, verified)
    if archive is not None:
        if archive.manifests:
            _check_parts(archive, ctx.site_key, report)
        _check_custody_sidecar(archive, ctx.site_key, report)
    report.verified = {p: d for p in sorted(ctx.good) if (d := ctx.data(p)) is not None}
    report.complete = True
    return report


def reassemble(path: str | Path, directory: str | Path) -> Path:
    """Concatenate verified parts into ``directory/<archive>`` (atomically); re-check the
    whole digest while writing. Call only after :func:`verify_path` succeeded."""
    found = find_parts(Path(path))
    if found is None:
        raise ValueError(f"{path} is not a split export")
    folder, base, parts = found
    manifest = PartManifest.open(_read_sidecar(folder / manifest_name(parts[1].name)))
    reader = HashingReader([parts[n] for n in sorted(parts)])
    target = Path(directory) / base
    try:
        with atomic_output(target) as out:
            while block := reader.read(CHUNK):
                out.write(block)
            if reader.whole.hexdigest() != manifest.archive.sha256:
                raise ValueError("the parts changed while they were being reassembled")
    finally:
        reader.close()
    return target
