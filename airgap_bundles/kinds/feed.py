"""Feed snapshots: feed.json plus OSV records under osv/, any depth (DESIGN §4.4).

Records are checked one at a time as they stream past (by the parser the import's
commit uses, engine/vuln/feed.py) and then dropped, so a
100,000-advisory snapshot costs one record of memory (plus the set of ids, to
refuse a repeated advisory). After a staged verification, :meth:`FeedContent.iter_records`
reads them back one by one for the importer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airgap_bundles.errors import FeedFromFuture, FeedInvalid, FeedRecordCount, FeedRecordInvalid
from airgap_bundles.kinds.base import Inspector, KindContent, parse_json, plural
from airgap_bundles.report import Check
from engine.clock import parse_rfc3339, rfc3339

if TYPE_CHECKING:
    from engine.vuln.osv import OsvRecord

FEED_FILE = "feed.json"
OSV_DIR = "osv/"


def parse_osv_record(data: bytes, path: str) -> OsvRecord:
    """One OSV record, read by the same parser the import's commit uses
    (:func:`engine.vuln.feed.parse_record`): what this report accepts, the site stores.
    The matcher's package loads on the first record: release bundles never pay for it."""
    from engine.vuln.feed import OsvRecordError, parse_record

    try:
        return parse_record(data)
    except OsvRecordError as exc:
        raise FeedRecordInvalid(str(exc), member=path) from None


@dataclass(frozen=True)
class FeedContent(KindContent):
    source: str
    snapshot: datetime
    declared_ecosystems: tuple[str, ...]
    record_count: int
    record_ecosystems: tuple[str, ...]  # seen in the records' affected packages
    record_paths: tuple[str, ...]  # sorted

    def iter_records(self, staging_dir: str | Path) -> Iterator[OsvRecord]:
        """Read the staged records one at a time (memory stays flat), parsed as the
        import's commit parses them."""
        root = Path(staging_dir)
        for path in self.record_paths:
            yield parse_osv_record((root / path).read_bytes(), path)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "snapshot": rfc3339(self.snapshot),
            "ecosystems": list(self.declared_ecosystems),
            "records": self.record_count,
            "recordEcosystems": list(self.record_ecosystems),
        }


class FeedInspector(Inspector):
    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now
        self._ids: dict[str, str] = {}
        self._ecosystems: set[str] = set()

    def wants(self, path: str, size: int) -> bool:
        if path == FEED_FILE:
            return self.document_fits(path, size)
        if path.startswith(OSV_DIR):
            if not path.endswith(".json"):
                raise FeedRecordInvalid("files under osv/ must be OSV JSON records", member=path)
            return self.document_fits(path, size, self.limits.max_record_size)
        return False

    def accept(self, path: str, data: bytes) -> None:
        if path == FEED_FILE:
            super().accept(path, data)
            return
        record = parse_osv_record(data, path)
        previous = self._ids.setdefault(record.id, path)
        if previous != path:
            raise FeedRecordInvalid(f"record {record.id} also appears in {previous}", member=path)
        from engine.vuln.feed import record_ecosystems  # (loaded by the first record)

        self._ecosystems |= record_ecosystems(record)

    def finish(self) -> tuple[FeedContent, list[Check]]:
        data = self.held(FEED_FILE)
        if data is None:
            raise FeedInvalid("a feed snapshot must contain feed.json", member=FEED_FILE)
        doc = parse_json(data, FeedInvalid, FEED_FILE)
        if not isinstance(doc, dict):
            raise FeedInvalid("must be a JSON object", member=FEED_FILE)
        source = doc.get("source")
        if not isinstance(source, str) or not source.strip():
            raise FeedInvalid("'source' must be a non-empty string", member=FEED_FILE)
        stamp = doc.get("snapshot")
        try:
            snapshot = parse_rfc3339(stamp if isinstance(stamp, str) else "")
        except (ValueError, OverflowError):
            raise FeedInvalid(
                "'snapshot' must be an RFC 3339 UTC time ending in Z", member=FEED_FILE
            ) from None
        if self._now is not None and snapshot > self._now + self.limits.max_clock_skew:
            raise FeedFromFuture(
                f"the snapshot is dated {rfc3339(snapshot)}, later than now plus the allowed "
                f"clock skew ({rfc3339(self._now + self.limits.max_clock_skew)}); a feed "
                "cannot describe advisories not yet published",
                member=FEED_FILE,
            )
        ecosystems = doc.get("ecosystems")
        if not isinstance(ecosystems, list) or not all(isinstance(e, str) for e in ecosystems):
            raise FeedInvalid("'ecosystems' must be a list of strings", member=FEED_FILE)
        records = doc.get("records")
        if not isinstance(records, int) or isinstance(records, bool) or records < 0:
            raise FeedInvalid("'records' must be a non-negative integer", member=FEED_FILE)
        if records != len(self._ids):
            raise FeedRecordCount(
                f"says {records} records but the bundle holds {len(self._ids)}", member=FEED_FILE
            )
        paths = tuple(sorted(self._ids.values()))
        content = FeedContent(
            source=source,
            snapshot=snapshot,
            declared_ecosystems=tuple(ecosystems),
            record_count=records,
            record_ecosystems=tuple(sorted(self._ecosystems)),
            record_paths=paths,
        )
        checks = [
            Check(
                "feed-json", "feed.json is valid", True, f"{source} snapshot of {rfc3339(snapshot)}"
            ),
            Check(
                "osv-records",
                "OSV records are valid and counted",
                True,
                f"{plural(records, 'record')} across {plural(len(self._ecosystems), 'ecosystem')}",
            ),
        ]
        return content, checks
