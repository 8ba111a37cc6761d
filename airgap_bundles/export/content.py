"""What an export contains, as plain values gathered by the site (one snapshot).

The writer turns an :class:`ExportContent` into files; nothing here reads a
database. Large step logs are handed over as files already spooled to disk with
their size and SHA-256, so they are read exactly once more, into the archive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airgap_bundles.export import layout
from airgap_bundles.export.index import SealConsistency
from engine.crypto.keys import PublicKey
from engine.tlog.keys import NoteVerifier


@dataclass(frozen=True)
class EvidenceFile:
    """One logged evidence item and its receipt under the export's checkpoint."""

    step: str
    name: str
    attempt: int
    predicate_type: str
    log_index: int
    envelope: bytes
    receipt: bytes


@dataclass(frozen=True)
class LogFile:
    """A step's log, spooled to ``path`` (``size`` bytes hashing to ``sha256``)."""

    step: str
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class NamedFile:
    """Bytes and the name the gate knew them by (a release member path, an OSV id)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class GateEvalFiles:
    """One recorded verdict and everything needed to re-evaluate it offline.

    ``verdict`` is the verdict document exactly as the site stored it and
    ``replay`` the replay material recorded with it; the rest are the bytes behind
    the digests the replay material names: ``release.json``, the SBOMs and VEX
    documents (by their member paths), the imported policy, and the advisory
    records the gate chose for the release's packages (only those, never the whole
    feed snapshot). ``unavailable`` says which inputs the site could no longer
    provide; such a verdict cannot be re-evaluated and the verifier says so.
    """

    step: str
    attempt: int
    verdict: bytes
    replay: Mapping[str, Any]
    evidence: str | None  # digest of the policy-decision envelope recorded with it
    release: bytes | None = None
    sboms: tuple[NamedFile, ...] = ()
    vex: tuple[NamedFile, ...] = ()
    policy: bytes | None = None
    records: tuple[NamedFile, ...] = ()
    unavailable: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShippedKey:
    key: PublicKey
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ExportContent:
    bundle: str
    promotion: str
    release: Mapping[str, str]
    partial: bool
    site_name: str
    site_key: PublicKey
    log_key: NoteVerifier
    checkpoint: str
    checkpoint_size: int
    seal_consistency: SealConsistency | None
    trust_root: bytes | None
    keys: Mapping[str, ShippedKey]
    events: tuple[bytes, ...]
    evidence: tuple[EvidenceFile, ...]
    logs: tuple[LogFile, ...] = field(default=())
    gate_evals: tuple[GateEvalFiles, ...] = field(default=())
    run_log: bytes | None = None  # tlog/run-events.json (engine/run/history.py)
    roster: bytes | None = None  # trust/roster.json (airgap_bundles/export/roster_file.py)

    def __post_init__(self) -> None:
        if self.bundle not in layout.BUNDLE_KINDS:
            raise ValueError(f"unknown bundle kind {self.bundle!r}")
        if (
            self.site_key.keyid not in self.keys
            or layout.ROLE_SITE not in self.keys[self.site_key.keyid].roles
        ):
            raise ValueError("the site key must be shipped with the role 'site'")
