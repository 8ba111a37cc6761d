"""Outgoing exports (DESIGN §7): evidence packs and auditor bundles.

- :mod:`content` — the plain values a site hands over (one snapshot of a run);
- :mod:`plan` — the files of the export and its signed ``index.json``;
- :mod:`report` — what the human-readable report says (HTML; Qt renders the PDF);
- :mod:`archive` + :mod:`sink` + :mod:`writer` — a deterministic ``.tar.gz``
  written to temporary names, fsynced, read back, split into signed parts on
  request, then renamed into place;
- :mod:`statements` — part manifests and chain-of-custody receipts;
- :mod:`gate_eval` — each recorded verdict with the sealed inputs it is re-evaluated from;
- :mod:`index`, :mod:`timeline`, :mod:`layout` — the formats, shared with the verifier.
"""

from __future__ import annotations

from airgap_bundles.export.content import (
    EvidenceFile,
    ExportContent,
    GateEvalFiles,
    LogFile,
    NamedFile,
    ShippedKey,
)
from airgap_bundles.export.errors import (
    DestinationExists,
    ExportCancelled,
    ExportContentError,
    ExportError,
    MediumError,
    MediumFull,
    ReadBackMismatch,
)
from airgap_bundles.export.plan import ExportPlan, Member, file_sha256, parse_events, plan_export
from airgap_bundles.export.report import ReportDocument, build_report
from airgap_bundles.export.statements import CustodyReceipt, FileDigest, PartManifest
from airgap_bundles.export.writer import (
    ExportFiles,
    ExportProgress,
    PreparedExport,
    prepare_export,
    remove_files,
    write_custody,
)

__all__ = [
    "CustodyReceipt",
    "DestinationExists",
    "EvidenceFile",
    "ExportCancelled",
    "ExportContent",
    "ExportContentError",
    "ExportError",
    "ExportFiles",
    "ExportPlan",
    "ExportProgress",
    "GateEvalFiles",
    "FileDigest",
    "LogFile",
    "MediumError",
    "MediumFull",
    "Member",
    "NamedFile",
    "PartManifest",
    "PreparedExport",
    "ReadBackMismatch",
    "ReportDocument",
    "ShippedKey",
    "build_report",
    "file_sha256",
    "parse_events",
    "plan_export",
    "prepare_export",
    "remove_files",
    "write_custody",
]
