"""Queries over stored feed snapshots: coverage, candidate records, existing digests.

Matching never needs a whole snapshot: the gate asks for the records that name
the release's packages (by ``(base ecosystem, normalised name)``, the key
:attr:`engine.vuln.osv.Affected.key` computes) inside the snapshots it uses,
and builds a small :class:`~engine.vuln.index.AdvisoryIndex` from those alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from models.tables import Advisory, AdvisoryPackage, FeedAdvisory, FeedCoverage, FeedSnapshot

# Bound parameters per statement: SQLite allows 32,766; tuples cost two each.
_CHUNK = 400


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    digest: str
    source: str
    snapshot: str
    ecosystems: tuple[str, ...]  # covered base ecosystems
    records: int
    imported_at: str


@dataclass(frozen=True)
class CoverageEntry:
    """One source's snapshot for one base ecosystem."""

    source: str
    ecosystem: str
    snapshot: str
    digest: str
    snapshot_id: int


def _info(row: FeedSnapshot, ecosystems: Iterable[str]) -> SnapshotInfo:
    return SnapshotInfo(row.id, row.digest, row.source, row.snapshot, tuple(sorted(ecosystems)),
                        row.records, row.imported_at)


def snapshots(session: Session) -> list[SnapshotInfo]:
    """Every stored snapshot, newest data first."""
    covered: dict[int, list[str]] = {}
    for snapshot_id, ecosystem in session.execute(
            select(FeedCoverage.snapshot_id, FeedCoverage.ecosystem)):
        covered.setdefault(snapshot_id, []).append(ecosystem)
    rows = session.scalars(select(FeedSnapshot).order_by(FeedSnapshot.snapshot.desc(),
                                                         FeedSnapshot.id.desc()))
    return [_info(row, covered.get(row.id, ())) for row in rows]


def snapshot_by_digest(session: Session, digest: str) -> SnapshotInfo | None:
    row = session.scalar(select(FeedSnapshot).where(FeedSnapshot.digest == digest))
    if row is None:
        return None
    ecosystems = session.scalars(select(FeedCoverage.ecosystem)
                                 .where(FeedCoverage.snapshot_id == row.id))
    return _info(row, ecosystems)


def newest_coverage(session: Session) -> list[CoverageEntry]:
    """Per (source, ecosystem), the snapshot with the latest data (then the latest import).

    Snapshot times are RFC 3339 UTC strings of one shape, so they order as text.
    """
    rows = session.execute(
        select(FeedSnapshot.source, FeedCoverage.ecosystem, FeedSnapshot.snapshot,
               FeedSnapshot.digest, FeedSnapshot.id)
        .join(FeedCoverage, FeedCoverage.snapshot_id == FeedSnapshot.id))
    best: dict[tuple[str, str], CoverageEntry] = {}
    for source, ecosystem, snapshot, digest, snapshot_id in rows:
        entry = CoverageEntry(source, ecosystem, snapshot, digest, snapshot_id)
        current = best.get((source, ecosystem))
        if current is None or (snapshot, snapshot_id) > (current.snapshot, current.snapshot_id):
            best[(source, ecosystem)] = entry
    return [best[key] for key in sorted(best)]


def candidate_records(session: Session, snapshot_id: int,
                      keys: Iterable[tuple[str, str]]) -> list[tuple[str, bytes]]:
    """``(digest, bytes)`` of the records in a snapshot that name any of ``keys``,
    each record once, ordered by digest.

    One query per ecosystem and chunk of names, ``ecosystem = ? AND name_key IN
    (…)``: the shape SQLite answers from the primary-key index of
    ``advisory_packages`` (a row-value ``IN`` over both columns makes it scan).
    """
    names: dict[str, set[str]] = {}
    for ecosystem, name in keys:
        names.setdefault(ecosystem, set()).add(name)
    found: dict[str, bytes] = {}
    for ecosystem in sorted(names):
        wanted = sorted(names[ecosystem])
        for start in range(0, len(wanted), _CHUNK):
            rows = session.execute(
                select(Advisory.digest, Advisory.data)
                .join(AdvisoryPackage, AdvisoryPackage.advisory_digest == Advisory.digest)
                .join(FeedAdvisory, (FeedAdvisory.advisory_digest == Advisory.digest)
                      & (FeedAdvisory.snapshot_id == snapshot_id))
                .where(AdvisoryPackage.ecosystem == ecosystem,
                       AdvisoryPackage.name_key.in_(wanted[start:start + _CHUNK])))
            for digest, data in rows:
                found[digest] = bytes(data)
    return sorted(found.items())


def existing_digests(session: Session, digests: Sequence[str]) -> set[str]:
    """Which of ``digests`` are stored already (records shared with earlier snapshots)."""
    present: set[str] = set()
    for start in range(0, len(digests), _CHUNK * 2):
        chunk = list(digests[start:start + _CHUNK * 2])
        present.update(session.scalars(select(Advisory.digest).where(Advisory.digest.in_(chunk))))
    return present


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Sequence[tuple]) -> None:
    """Many rows into one table, inside the session's transaction. On SQLite straight
    through the driver's executemany: for a snapshot's tens of thousands of small rows,
    Core's per-row parameter processing costs more than SQLite's inserts themselves.
    Elsewhere Core's insert, which batches rows into multi-row statements."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", list(rows))
    else:
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def record_count(session: Session, snapshot_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(FeedAdvisory)
                              .where(FeedAdvisory.snapshot_id == snapshot_id)) or 0)
