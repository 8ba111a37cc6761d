"""Feed snapshots: store an imported snapshot's OSV records, list what the site has.

:func:`store_snapshot` runs inside the import's transaction. Each record is
stored by the SHA-256 of its bytes; a record an earlier snapshot already stored
is shared, not copied, and not parsed again. New records are parsed once by the
parser the bundle's verification report used (:func:`engine.vuln.feed.parse_record`,
so a record the report accepted is one this commit stores); it gives the
``(ecosystem, name)`` keys they name.

Rows go in batches through :func:`models.feeds.insert_rows` (on SQLite the driver's
executemany): the ORM's ``add_all`` is an order of magnitude slower for bulk data
(DESIGN §11), the ORM's bulk insert twice the Core one, and Core's per-row parameter
processing more than SQLite's inserts.

Every snapshot is kept by its bundle digest, so a verdict stays replayable
against the exact snapshot it used, however many newer ones arrive. Freshness
is tracked per source and **base** ecosystem (``Debian``, not ``Debian:12``),
the names the gate's feed inputs use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import NotFound, Rejected
from engine.canonical import canonical_bytes, sha256_digest
from engine.clock import SystemClock, parse_rfc3339, rfc3339
from engine.vuln import OsvRecord
from engine.vuln.ecosystems import split_osv_ecosystem
from engine.vuln.feed import OsvRecordError, parse_record
from models import feeds as q
from models.tables import Advisory, AdvisoryPackage, Base, FeedAdvisory, FeedCoverage, FeedSnapshot

BATCH = 2000


class FeedRejected(Rejected):
    """A feed snapshot that cannot be stored; ``member`` names the record file when known."""

    def __init__(self, message: str, *, member: str | None = None) -> None:
        super().__init__(f"{member}: {message}" if member else message)
        self.member = member


class FeedDocumentInvalid(FeedRejected):
    """feed.json does not say source, snapshot time, ecosystems and record count."""


class FeedRecordInvalid(FeedRejected):
    """An OSV record the matcher could not read."""


class FeedRecordCountMismatch(FeedRejected):
    """feed.json's ``records`` differs from the records handed over."""


@dataclass(frozen=True)
class FeedHeader:
    source: str
    snapshot: str
    ecosystems: tuple[str, ...]  # as declared
    records: int

    @property
    def base_ecosystems(self) -> tuple[str, ...]:
        return tuple(sorted({split_osv_ecosystem(e)[0] for e in self.ecosystems}))

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FeedHeader:
        if not isinstance(doc, Mapping):
            raise FeedDocumentInvalid("feed.json must be a JSON object")
        source = doc.get("source")
        if not isinstance(source, str) or not source.strip():
            raise FeedDocumentInvalid("feed.json: 'source' must be a non-empty string")
        stamp = doc.get("snapshot")
        try:
            if not isinstance(stamp, str):
                raise TypeError(stamp)
            snapshot = rfc3339(parse_rfc3339(stamp))
        except (TypeError, ValueError, OverflowError):
            raise FeedDocumentInvalid("feed.json: 'snapshot' must be an RFC 3339 UTC time") from None
        ecosystems = doc.get("ecosystems")
        if not isinstance(ecosystems, list) or not all(isinstance(e, str) and e for e in ecosystems):
            raise FeedDocumentInvalid("feed.json: 'ecosystems' must be a list of names")
        records = doc.get("records")
        if isinstance(records, bool) or not isinstance(records, int) or records < 0:
            raise FeedDocumentInvalid("feed.json: 'records' must be a non-negative integer")
        return cls(source.strip(), snapshot, tuple(ecosystems), records)


def store_snapshot(session: Session, bundle_digest: str, feed_json: Mapping[str, Any],
                   records: Iterable[tuple[str, bytes]], imported_at: datetime | None = None) -> int:
    """Store one verified feed-snapshot bundle's records; return the snapshot id.

    Idempotent by ``bundle_digest``: storing a snapshot the site has returns its
    id and reads no record. ``records`` is consumed once, as ``(member path,
    bytes)``; memory stays bounded by :data:`BATCH`. The importer passes its site
    clock's time as ``imported_at``.
    """
    existing = session.scalar(select(FeedSnapshot.id).where(FeedSnapshot.digest == bundle_digest))
    if existing is not None:
        return existing
    header = FeedHeader.from_json(feed_json)
    row = FeedSnapshot(digest=bundle_digest, source=header.source, snapshot=header.snapshot,
                       ecosystems=list(header.ecosystems), records=header.records,
                       feed_json=canonical_bytes(dict(feed_json)),
                       imported_at=rfc3339(imported_at or SystemClock().now()))
    session.add(row)
    session.flush()
    if header.base_ecosystems:
        session.execute(insert(_table(FeedCoverage)),
                        [{"snapshot_id": row.id, "ecosystem": e} for e in header.base_ecosystems])
    seen: set[str] = set()
    batch: list[tuple[str, str, bytes]] = []
    for path, data in records:
        data = bytes(data)
        digest = sha256_digest(data)
        if digest in seen:
            raise FeedRecordInvalid("the same record bytes appear twice in the snapshot",
                                    member=path)
        seen.add(digest)
        batch.append((path, digest, data))
        if len(batch) >= BATCH:
            _flush(session, row.id, batch)
            batch = []
    _flush(session, row.id, batch)
    if len(seen) != header.records:
        raise FeedRecordCountMismatch(
            f"feed.json says {header.records} records but the snapshot holds {len(seen)}")
    return row.id


def _table(model: type[Base]) -> Table:
    """A mapped class's table: SQLAlchemy's stubs type ``__table__`` as any FromClause,
    but a declarative class's is always its Table."""
    return cast(Table, model.__table__)


def _flush(session: Session, snapshot_id: int, batch: list[tuple[str, str, bytes]]) -> None:
    """Parse and store the records not stored before; link all of them to the snapshot.

    A record whose exact bytes an earlier snapshot stored was parsed and validated
    then, so only new bytes are parsed: an incremental snapshot costs its changes.
    """
    if not batch:
        return
    known = q.existing_digests(session, [digest for _, digest, _ in batch])
    fresh: list[tuple[OsvRecord, bytes]] = []
    for path, digest, data in batch:
        if digest in known:
            continue
        try:
            fresh.append((parse_record(data, digest), data))
        except OsvRecordError as exc:
            raise FeedRecordInvalid(str(exc), member=path) from None
    q.insert_rows(session, _table(Advisory), ("digest", "osv_id", "modified", "data"),
                  [(r.digest, r.id, r.modified, data) for r, data in fresh])
    q.insert_rows(session, _table(AdvisoryPackage), ("ecosystem", "name_key", "advisory_digest"),
                  [(*key, r.digest) for r, _ in fresh
                   for key in sorted({a.key for a in r.affected if a.key is not None})])
    q.insert_rows(session, _table(FeedAdvisory), ("snapshot_id", "advisory_digest", "path"),
                  [(snapshot_id, digest, path) for path, digest, _ in batch])


@dataclass(frozen=True)
class FeedSummary:
    """One stored snapshot, for listings."""

    digest: str
    source: str
    snapshot: str
    ecosystems: tuple[str, ...]
    records: int
    imported_at: str

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "source": self.source, "snapshot": self.snapshot,
                "ecosystems": list(self.ecosystems), "records": self.records,
                "imported_at": self.imported_at}


def list_snapshots(site: Site) -> list[FeedSummary]:
    with site.db.read() as session:
        return [FeedSummary(s.digest, s.source, s.snapshot, s.ecosystems, s.records,
                            s.imported_at) for s in q.snapshots(session)]


def newest(site: Site) -> list[q.CoverageEntry]:
    """Per source and ecosystem, the snapshot with the newest data."""
    with site.db.read() as session:
        return q.newest_coverage(session)


def snapshot(site: Site, digest: str) -> FeedSummary:
    with site.db.read() as session:
        info = q.snapshot_by_digest(session, digest)
    if info is None:
        raise NotFound(f"no feed snapshot {digest} has been imported")
    return FeedSummary(info.digest, info.source, info.snapshot, info.ecosystems, info.records,
                       info.imported_at)


