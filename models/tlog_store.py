"""The site transparency log in SQL: its node store (engine/tlog's NodeStore protocol)
and the writer that appends entries and signs the new checkpoint in the caller's
transaction.

The log's entries are evidence envelopes (``evidence_items.log_index``) and run
events (``tlog_event_leaves.log_index``): every event of every run is a leaf, so a
history whose tail was cut no longer matches the log (DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from engine.run.history import LoggedEvent, event_leaf
from engine.tlog.store import NodeId
from engine.tlog.tree import LogTree
from models import txn_memo
from models.event_leaf import EventLeaf
from models.tables import EvidenceItem, Site, TlogCheckpoint, TlogNode

if TYPE_CHECKING:  # note keys load the cryptography library: only a writer needs them
    from engine.tlog.keys import NoteSigner

LOG_WRITER = "stella.log_writer"
"""Key of the :class:`LogWriter` in a write session's ``info`` (set by the site)."""

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
        if rows:  # Core insert: no ORM bulk machinery on the append path
            self.session.execute(insert(cast(Table, TlogNode.__table__)), rows)


def log_size(session: Session) -> int:
    """Entries in the log: one past the highest index on record (two index lookups;
    each entry's record is written in the transaction that logs it)."""
    highest = max(_or_none(session.scalar(select(func.max(EvidenceItem.log_index)))),
                  _or_none(session.scalar(select(func.max(EventLeaf.log_index)))))
    return highest + 1


def _or_none(index: int | None) -> int:
    return -1 if index is None else index  # not `or -1`: the first entry's index is 0


def entries_on_record(session: Session, below: int) -> int:
    """How many entries under ``below`` have a record (evidence item or event leaf)."""
    return ((session.scalar(select(func.count()).select_from(EvidenceItem)
                            .where(EvidenceItem.log_index < below)) or 0)
            + (session.scalar(select(func.count()).select_from(EventLeaf)
                              .where(EventLeaf.log_index < below)) or 0))


@dataclass(frozen=True)
class LogWriter:
    """Appends entries to the site log and signs the new checkpoint, all in the
    caller's transaction: the entries, their nodes and the checkpoint commit together."""

    origin: str
    signer: NoteSigner
    now: Callable[[], str]

    def append(self, session: Session, entries: Sequence[bytes]) -> range:
        # One log writer at a time: on PostgreSQL a row lock on the site (SQLite's
        # write transactions are already serial), so two appends never compute the
        # same size and collide on the tree's nodes. The lock lasts until the
        # transaction ends, so a later append in it continues the tree it left
        # (models/txn_memo.py) instead of locking and reading size and frontier again.
        memo = txn_memo.memo(session)
        tree = memo.pop("log_tree", None)
        if tree is None:
            session.execute(select(Site.id).with_for_update()).all()
            tree = LogTree(SqlNodeStore(session), log_size(session))
        indexes = tree.append_many(entries)
        from engine.tlog.checkpoint import sign_checkpoint

        note = sign_checkpoint(tree.checkpoint(self.origin), self.signer)
        session.execute(insert(cast(Table, TlogCheckpoint.__table__)),
                        [{"size": tree.size, "note": note, "created_at": self.now()}])
        memo["log_tree"] = tree  # only once nodes and checkpoint are written
        return indexes


class LazyLogWriter:
    """A :class:`LogWriter` made on first use (reading the log key only when needed)."""

    def __init__(self, make: Callable[[Session], LogWriter]) -> None:
        self._make = make
        self._writer: LogWriter | None = None

    def append(self, session: Session, entries: Sequence[bytes]) -> range:
        if self._writer is None:
            self._writer = self._make(session)
        return self._writer.append(session, entries)


def logged_events(session: Session, promotion_id: str) -> list[LoggedEvent]:
    rows = session.execute(select(EventLeaf.log_index, EventLeaf.seq, EventLeaf.event_hash)
                           .where(EventLeaf.promotion_id == promotion_id)
                           .order_by(EventLeaf.log_index))
    return [LoggedEvent(i, seq, h) for i, seq, h in rows]


def log_writer(session: Session) -> LogWriter | LazyLogWriter | None:
    return session.info.get(LOG_WRITER)


def log_events(session: Session, promotion_id: str, sealed: Sequence) -> None:
    """Make each appended event a leaf of the site log (when the session has a writer)."""
    writer = log_writer(session)
    if writer is None or not sealed:
        return
    indexes = writer.append(session, [event_leaf(promotion_id, e.seq, e.hash) for e in sealed])
    session.execute(insert(cast(Table, EventLeaf.__table__)), [  # Core insert: no ORM flush on this hot path
        {"log_index": i, "promotion_id": promotion_id, "seq": e.seq, "event_hash": e.hash}
        for i, e in zip(indexes, sealed, strict=True)])


def latest_checkpoint(session: Session) -> TlogCheckpoint | None:
    return session.scalar(select(TlogCheckpoint).order_by(TlogCheckpoint.size.desc()).limit(1))
