"""The one reader of a feed snapshot's OSV records, for every door they pass.

A feed bundle's verification report (airgap_bundles/kinds/feed.py) and the import's
commit into the site (app/services/feeds.py) read each record with :func:`parse_record`,
so a record the report calls valid is a record the commit can store: what makes a record
valid is written once, in :class:`engine.vuln.osv.OsvRecord`.
"""

from __future__ import annotations

from engine.vuln.errors import OsvRecordError
from engine.vuln.osv import OsvRecord

__all__ = ["OsvRecordError", "parse_record", "record_ecosystems"]


def parse_record(data: bytes, digest: str | None = None) -> OsvRecord:
    """One OSV record file, strictly parsed and validated (:class:`OsvRecordError` says
    why not); its ``digest`` is the SHA-256 of exactly these bytes (pass it when the
    caller has hashed them already)."""
    return OsvRecord.from_bytes(data, digest)


def record_ecosystems(record: OsvRecord) -> set[str]:
    """The base ecosystems (``Debian``, not ``Debian:12``) the record's packages name."""
    return {a.base_ecosystem for a in record.affected if a.base_ecosystem}
