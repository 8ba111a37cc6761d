"""The site authority as the approval rule sees it (engine/evidence/approval_rule.py).

The authority is the verified site roster (app/services/site_roster.py): who held
which key in which role, and what each environment required, at any time. Rows of
the users and environments tables are only its projection and count for nothing
here. :func:`approval_check` applies the one approval rule to a stored run,
reading the approval statements its events name; the executor calls it before
passing the approval step, and exports ship the roster so the offline verifier
calls the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import site_roster
from engine.evidence import statements
from engine.evidence.approval_rule import ApprovalCheck, check_approvals
from engine.roster import Roster
from engine.run import events as ev
from models.tables import EvidenceItem


def site_authority(session: Session) -> Roster:
    """The roster, verified record by record (raises ``RosterDamaged`` otherwise)."""
    return site_roster.load(session)


def approval_envelopes(session: Session, promotion_id: str) -> dict[str, bytes]:
    rows = session.execute(select(EvidenceItem.digest, EvidenceItem.envelope).where(
        EvidenceItem.promotion_id == promotion_id,
        EvidenceItem.predicate_type == statements.APPROVAL))
    return {digest: bytes(envelope) for digest, envelope in rows}


def approval_check(session: Session, promotion_id: str, events: Sequence[ev.Event]) -> ApprovalCheck:
    return check_approvals(events, approval_envelopes(session, promotion_id), site_authority(session))
