"""Vulnerability matching: OSV records, CycloneDX SBOMs, OpenVEX, findings.

Pure and storage-free: callers hand in parsed records and components and get
frozen values back. The usual flow::

    records = [OsvRecord.from_bytes(b) for b in record_files]
    index = AdvisoryIndex.build(records)
    sbom = CycloneDxSbom.from_bytes(data, name="sbom/api.cdx.json")
    report = match_components(index, sbom.components, vex=[VexDocument.from_bytes(v)],
                              observed={"pkg:pypi/jinja2"})
"""

from engine.vuln.errors import OsvRecordError, SbomError, VexError, VulnError
from engine.vuln.index import AdvisoryIndex, Candidate
from engine.vuln.matching import Finding, MatchNote, MatchReport, WithdrawnMatch, match_components
from engine.vuln.osv import Affected, Event, OsvRecord, Range, SeverityScore
from engine.vuln.sbom import Component, CycloneDxSbom
from engine.vuln.severity import Severity
from engine.vuln.vex import VexDocument, VexStatement

__all__ = [
    "AdvisoryIndex", "Affected", "Candidate", "Component", "CycloneDxSbom", "Event",
    "Finding", "MatchNote", "MatchReport", "OsvRecord", "OsvRecordError", "Range",
    "SbomError", "Severity", "SeverityScore", "VexDocument", "VexError", "VexStatement",
    "VulnError", "WithdrawnMatch", "match_components",
]
