"""Is a run's stored history its whole history? (DESIGN §6)

The hash chain proves every link of the stored events; the site log proves how
many there were: each event is a log entry (models/tlog_store.py). Here the
stored events are compared with the entries on record (:func:`engine.run.history.
history_problems`), and those entries with the latest checkpoint signed by the log
key: its root must be the stored tree's, the run's head entry must be proven under
it, and every entry it covers must have its record — so deleting a run's last
events, with or without their log records, is found and named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Site
from app.errors import Rejected
from app.services import site_roster
from app.services.promotions import load_run_in
from app.site_keys import log_signer
from engine.roster.run_signatures import check_event_signatures
from engine.run import events as ev
from engine.run.history import LoggedEvent, event_leaf, history_problems
from engine.run.state import RunState
from engine.tlog.checkpoint import verify_checkpoint
from engine.tlog.errors import TlogError
from engine.tlog.hashing import leaf_hash
from engine.tlog.tree import LogTree
from engine.tlog.verify import verify_inclusion
from models.tables import Site as SiteRow
from models.tlog_store import (
    SqlNodeStore,
    entries_on_record,
    latest_checkpoint,
    logged_events,
)


class HistoryIncomplete(Rejected):
    """The stored history of a run is not the one the site log holds."""


@dataclass(frozen=True)
class HistoryCheck:
    promotion_id: str
    events: int
    logged: int
    checkpoint_size: int
    problems: tuple[str, ...]
    signatures: str = ""  # who signed the events (engine/roster/run_signatures.py)
    unsigned: bool = False  # some event is not signed by its actor's roster key

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.problems:
            return "; ".join(self.problems)
        signed = f"; {self.signatures}" if self.signatures else ""
        if not self.logged:
            return "recorded before the site logged run events" + signed
        return (f"complete: {self.logged} of {self.events} events in the site log, under its "
                f"signed checkpoint of {self.checkpoint_size} entries" + signed)


def _log_problems(session: Session, site: Site, promotion_id: str,
                  logged: Sequence[LoggedEvent], full: bool) -> tuple[int, list[str]]:
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        return 0, ["the site log has no signed checkpoint"]
    origin = session.scalar(select(SiteRow.log_origin)) or ""
    try:
        verified = verify_checkpoint(checkpoint.note, log_signer(site.paths.keys, origin).verifier)
    except (TlogError, OSError, ValueError) as exc:
        return 0, [f"the site log's latest checkpoint does not verify ({exc})"]
    size = verified.checkpoint.size
    problems = []
    if size != checkpoint.size:
        problems.append("the site log's latest checkpoint is stored under another size")
    on_record = entries_on_record(session, size) if full else size  # O(log size) rows
    if on_record != size:
        problems.append(f"the site log's signed checkpoint covers {size} entries but only "
                        f"{on_record} are on record: log records were deleted, so no run's "
                        "history can be proven complete")
    if not logged:
        return size, problems
    head = max(logged, key=lambda e: e.seq)
    if head.log_index >= size:
        return size, [*problems, f"promotion {promotion_id}: its last logged event is not covered "
                                 "by the site log's latest signed checkpoint"]
    try:
        tree = LogTree(SqlNodeStore(session), size)
        if tree.root != verified.checkpoint.root_hash:
            raise TlogError("the stored log tree does not match its signed checkpoint")
        proof = tree.inclusion_proof(head.log_index, size)
        verify_inclusion(leaf_hash(event_leaf(promotion_id, head.seq, head.event_hash)),
                         head.log_index, size, proof, verified.checkpoint.root_hash)
    except TlogError as exc:
        problems.append(f"promotion {promotion_id}: its last logged event is not proven by the "
                        f"site log ({exc})")
    return size, problems


def check_history(session: Session, site: Site, promotion_id: str,
                  events: Sequence[ev.Event], full: bool = True) -> HistoryCheck:
    """``full=False`` skips counting every record under the checkpoint (linear in the
    log's size): the run's own entries are still checked, so a cut tail whose log
    records remain is found; deleting those records too is found by the full check
    (timeline, export)."""
    logged = logged_events(session, promotion_id)
    problems = history_problems(promotion_id, events, logged)
    size, log_problems = _log_problems(session, site, promotion_id, logged, full)
    signed, signature_problems = _signature_problems(session, site, promotion_id, events)
    return HistoryCheck(promotion_id, len(events), len(logged), size,
                        tuple(problems + log_problems + signature_problems), signed,
                        bool(signature_problems))


def _signature_problems(session: Session, site: Site, promotion_id: str,
                        events: Sequence[ev.Event]) -> tuple[str, list[str]]:
    """Every event signed by its actor's roster key (the rule `stella verify` applies
    to an export too): a row rewritten or added with a valid chain but no valid
    signature is named."""
    try:
        roster = site_roster.load(session)
        site_roster.check_genesis(site.paths.keys, roster)
    except site_roster.RosterDamaged as exc:
        return "", [f"promotion {promotion_id}: its events' signatures cannot be checked: {exc}"]
    check = check_event_signatures(promotion_id, events, roster)
    return check.summary, list(check.problems)


def history_of(site: Site, promotion_id: str, full: bool = True) -> HistoryCheck:
    with site.db.read() as session:
        events, _ = load_run_in(session, promotion_id)
        return check_history(session, site, promotion_id, events, full)


def load_complete_run(site: Site, promotion_id: str) -> tuple[list[ev.Event], RunState, HistoryCheck]:
    """The run's events and state, refused (naming the promotion) unless its history is
    the whole history the site log holds."""
    with site.db.read() as session:
        events, state = load_run_in(session, promotion_id)
        check = check_history(session, site, promotion_id, events)
    if not check.ok:
        raise HistoryIncomplete(f"the history of {promotion_id} is not complete: {check.summary}")
    return events, state, check
