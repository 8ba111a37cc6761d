"""The site transparency log's node store in SQL (engine/tlog's NodeStore protocol)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.tlog.store import NodeId
from models.tables import EvidenceItem, TlogCheckpoint, TlogNode

_BATCH = 500


class SqlNodeStore:
    """Reads and writes inside the caller's session, so appending evidence, its tree
    nodes and the new checkpoint is one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_many(self, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
        found: dict[NodeId, bytes] = {}
        keys = [node.to_key() for node in ids]
        for start in range(0, len(keys), _BATCH):
            rows = self.session.execute(
                select(TlogNode.key, TlogNode.hash).where(TlogNode.key.in_(keys[start:start + _BATCH]))
            ).all()
            found.update({NodeId.from_key(bytes(k)): bytes(h) for k, h in rows})
        return found

    def put_many(self, nodes: Iterable[tuple[NodeId, bytes]]) -> None:
        rows = [{"key": node.to_key(), "hash": value} for node, value in nodes]
        if rows:
            self.session.execute(insert(TlogNode), rows)


def log_size(session: Session) -> int:
    """Entries in the log = evidence items (every item is logged in the same transaction)."""
    return session.scalar(select(func.count()).select_from(EvidenceItem)) or 0


def latest_checkpoint(session: Session) -> TlogCheckpoint | None:
    return session.scalar(select(TlogCheckpoint).order_by(TlogCheckpoint.size.desc()).limit(1))
