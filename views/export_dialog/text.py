"""Words for sizes, export progress and export outcomes (no widgets here).

Auditor mode uses the sizes without a site, so the export types are imported only
for type checking: nothing here pulls in the data layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.exports import ExportOutcome


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def progress_text(phase: str, done: int, total: int) -> str:
    what = {"writing": "Writing", "verifying": "Reading back and re-hashing"}.get(phase, phase)
    return f"{what}: {human_size(done)} of {human_size(total)}"


def outcome_text(outcome: ExportOutcome) -> str:
    """What was written, with full digests, and where the custody receipt went."""
    files = outcome.files
    kind = "auditor bundle" if outcome.bundle == "auditor-bundle" else "evidence pack"
    lines = [
        f"{kind}{' (PARTIAL: the run is not sealed yet)' if outcome.partial else ''} of "
        f"{outcome.promotion}",
        f"folder     {files.directory}",
        f"archive    {files.archive.name}  ({human_size(files.archive.size)})",
        f"sha256     {files.archive.sha256}",
    ]
    for part in files.parts:
        lines.append(f"part       {part.name}  ({human_size(part.size)})  sha256 {part.sha256}")
    for manifest in files.manifests:
        lines.append(f"manifest   {manifest}")
    lines.append(f"index.json sha256 {files.index_sha256}")
    lines.append(f"custody    signed receipt recorded as event #{outcome.custody_event} of the run")
    if outcome.custody_file is not None:
        lines.append(f"           and written beside the archive: {outcome.custody_file.name}")
    for warning in outcome.warnings:
        lines.append(f"warning    {warning}")
    return "\n".join(lines)
