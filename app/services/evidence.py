"""Evidence items: sign, log and keep them; build their receipts (DESIGN §6).

Recording one item is one transaction: the envelope, its leaf and tree nodes in the
site transparency log, and the new signed checkpoint commit together or not at all;
:func:`record_in` does it inside a caller's transaction (a decision's evidence and
its event are one transaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import NotFound
from app.site_keys import site_signer
from engine.canonical import canonical_bytes, sha256_digest
from engine.crypto import dsse
from engine.crypto.intoto import INTOTO_PAYLOAD_TYPE
from engine.crypto.keys import Signer
from engine.evidence import statements
from engine.tlog.receipt import Receipt, build_receipt
from engine.tlog.tree import LogTree
from models.tables import EvidenceItem, Promotion, Release, TlogCheckpoint
from models.tlog_store import SqlNodeStore, latest_checkpoint, log_size, log_writer


@dataclass(frozen=True)
class EvidenceRecord:
    id: int
    promotion_id: str
    step: str
    attempt: int
    name: str
    predicate_type: str
    digest: str
    log_index: int
    created_at: str

    @classmethod
    def of(cls, row: EvidenceItem) -> EvidenceRecord:
        return cls(row.id, row.promotion_id, row.step, row.attempt, row.name, row.predicate_type,
                   row.digest, row.log_index, row.created_at)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "promotion": self.promotion_id, "step": self.step,
                "attempt": self.attempt, "name": self.name, "predicate_type": self.predicate_type,
                "digest": self.digest, "log_index": self.log_index, "created_at": self.created_at}


def release_of(session, promotion_id: str) -> dict[str, str]:
    row = session.execute(select(Release).join(Promotion, Promotion.release_id == Release.id)
                          .where(Promotion.id == promotion_id)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no promotion {promotion_id}")
    return {"name": row.name, "version": row.version, "digest": row.digest}


def record_evidence(site: Site, promotion_id: str, step: str, attempt: int, name: str,
                    predicate_type: str, predicate: Mapping[str, Any],
                    extra_subjects: Sequence[Mapping[str, Any]] = (),
                    signer: Signer | None = None) -> EvidenceRecord:
    """Sign a statement about the promotion's release, log it, and keep it."""
    signer = signer or site_signer(site.paths.keys)
    with site.db.write(site_wide=False) as session:  # the site log's own lock orders it
        return record_in(session, site, promotion_id, step, attempt, name, predicate_type,
                         predicate, extra_subjects, signer)


def record_in(session: Session, site: Site, promotion_id: str, step: str, attempt: int,
              name: str, predicate_type: str, predicate: Mapping[str, Any],
              extra_subjects: Sequence[Mapping[str, Any]] = (),
              signer: Signer | None = None) -> EvidenceRecord:
    """:func:`record_evidence` inside the caller's write transaction, so a decision's
    evidence and its event commit together or not at all."""
    signer = signer or site_signer(site.paths.keys)
    writer = log_writer(session)
    if writer is None:
        raise RuntimeError("record_in needs a write session of the site (it logs the item)")
    subjects = [statements.release_subject(release_of(session, promotion_id)), *extra_subjects]
    body = statements.statement(subjects, predicate_type, predicate)
    envelope = dsse.sign(INTOTO_PAYLOAD_TYPE, canonical_bytes(body), [signer]).to_bytes()
    index = writer.append(session, [envelope]).start
    item = EvidenceItem(promotion_id=promotion_id, step=step, attempt=attempt, name=name,
                        predicate_type=predicate_type, digest=sha256_digest(envelope),
                        envelope=envelope, log_index=index, created_at=site.now())
    session.add(item)
    session.flush()
    return EvidenceRecord.of(item)


def list_evidence(site: Site, promotion_id: str) -> list[EvidenceRecord]:
    with site.db.read() as session:
        rows = session.scalars(select(EvidenceItem).where(EvidenceItem.promotion_id == promotion_id)
                               .order_by(EvidenceItem.log_index))
        return [EvidenceRecord.of(row) for row in rows]


def envelope_bytes(site: Site, evidence_id: int) -> bytes:
    with site.db.read() as session:
        row = session.get(EvidenceItem, evidence_id)
        if row is None:
            raise NotFound(f"no evidence item {evidence_id}")
        return bytes(row.envelope)


def receipts(site: Site, log_indexes: Sequence[int]) -> tuple[str, list[Receipt]]:
    """Receipts for entries under the latest checkpoint (one batch of O(log n) reads each)."""
    with site.db.read() as session:
        checkpoint = latest_checkpoint(session)
        if checkpoint is None:
            raise NotFound("the site log is empty")
        tree = LogTree(SqlNodeStore(session), log_size(session))
        return checkpoint.note, [build_receipt(tree, i, checkpoint.note) for i in log_indexes]


def checkpoint_at(site: Site, size: int) -> str:
    with site.db.read() as session:
        row = session.get(TlogCheckpoint, size)
        if row is None:
            raise NotFound(f"no checkpoint of size {size}")
        return row.note
