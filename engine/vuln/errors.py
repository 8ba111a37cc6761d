"""Errors of vulnerability matching: one base, subclasses by cause, messages for people.

Every error carries a short, stable ``rule`` (for logs, JSON output and tests)
and a message written for the person at the console, so the CLI and the GUI
can show ``str(error)`` as is.
"""

from __future__ import annotations

from typing import ClassVar


class VulnError(Exception):
    """Base of every error raised by :mod:`engine.vuln`."""

    rule: ClassVar[str] = "vuln"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OsvRecordError(VulnError):
    """Bytes or JSON that are not an OSV record; ``record`` and ``field`` say where."""

    rule = "osv-record"

    def __init__(self, reason: str, *, record: str | None = None, field: str | None = None) -> None:
        where = f"OSV record {record!r}" if record else "OSV record"
        if field:
            where += f", field {field}"
        super().__init__(f"{where}: {reason}")
        self.reason = reason
        self.record = record
        self.field = field


class SbomError(VulnError):
    """A CycloneDX document we cannot read; ``member`` names the component (bom-ref)."""

    rule = "sbom"

    def __init__(self, reason: str, *, sbom: str | None = None, member: str | None = None) -> None:
        where = f"SBOM {sbom!r}" if sbom else "SBOM"
        if member:
            where += f", component {member!r}"
        super().__init__(f"{where}: {reason}")
        self.reason = reason
        self.sbom = sbom
        self.member = member


class VexError(VulnError):
    """An OpenVEX document we cannot read; ``statement`` is the 0-based index."""

    rule = "vex"

    def __init__(self, reason: str, *, document: str | None = None,
                 statement: int | None = None) -> None:
        where = f"OpenVEX document {document!r}" if document else "OpenVEX document"
        if statement is not None:
            where += f", statement {statement}"
        super().__init__(f"{where}: {reason}")
        self.reason = reason
        self.document = document
        self.statement = statement
