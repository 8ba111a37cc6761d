"""What an export ships so the offline verifier can apply the site's own rules:
the site roster (who held which key and role, what each environment required) for
the approval rule, and the run's entries in the site log for completeness."""

from __future__ import annotations

from sqlalchemy.orm import Session

from airgap_bundles.export.roster_file import encode_roster
from engine.run.history import encode_run_log
from engine.tlog.tree import LogTree
from models import roster_store
from models.tlog_store import logged_events


def roster_file(session: Session) -> bytes | None:
    """``trust/roster.json``: every record of the site roster (a prefix of a roster is a
    roster, so later records only add what happened after this run)."""
    raws = roster_store.load_raw(session)
    return encode_roster(raws) if raws else None


def run_log(session: Session, promotion_id: str, tree: LogTree, checkpoint_size: int) -> bytes:
    """``tlog/run-events.json``: every entry the site log holds for the run (also any
    whose event is missing from the stored history), each proven under the checkpoint."""
    covered = [e for e in logged_events(session, promotion_id) if e.log_index < checkpoint_size]
    return encode_run_log(promotion_id, checkpoint_size,
                          [(e, tree.inclusion_proof(e.log_index, checkpoint_size)) for e in covered])
