"""Offline verification of exports (DESIGN §7), for auditors: no site, no database.

:func:`verify_path` checks an export's archive, extracted folder or split parts and
returns a :class:`VerifyReport` with one line per check.
"""

from __future__ import annotations

from airgap_bundles.audit.report import Check, VerifyReport
from airgap_bundles.audit.verifier import reassemble, verify_path

__all__ = ["Check", "VerifyReport", "reassemble", "verify_path"]
