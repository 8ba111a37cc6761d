"""A signed file beside an export is read with the pre-authentication cap."""

from __future__ import annotations

import shutil

from airgap_bundles.audit import verify_path
from airgap_bundles.audit.verifier import MAX_SIDECAR
from airgap_bundles.export.writer import custody_name


def test_a_huge_custody_receipt_is_refused_unread(auditor_export, tmp_path):
    archive = shutil.copy(auditor_export["archive"], tmp_path)
    receipt = tmp_path / custody_name(auditor_export["archive"].name)
    with open(receipt, "wb") as handle:
        handle.truncate(MAX_SIDECAR + 4096)  # sparse: costs no disk
    report = verify_path(archive)
    assert any("larger than 8 MiB" in c.message for c in report.failures)
