"""Is every event of a run signed by whoever it says acted? (DESIGN §10.2)

One rule for the site (``stella timeline``, the GUI's chain line) and the offline
verifier (``stella verify`` with the export's ``trust/roster.json``): each event must
carry a signature by a key the roster held for its actor at the event's time, or by
an executor key in force then for the executor's events. The hash chain alone proves
nothing against someone who can write the database: they can rewrite a row and
recompute every later hash, but they cannot sign as a user or as the executor.

Events recorded before the site roster existed carry no signature and cannot get
one. They are reported, not silently accepted: an unsigned event counts as "recorded
before the site roster" only when it is dated before the roster's record #0 and no
signed event precedes it in the run (an unsigned prefix). Any other unsigned event
is a failure, so an unsigned row added to a run recorded under the roster, or
back-dated behind one of its signed events, is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.clock import parse_rfc3339
from engine.roster.errors import EventSignatureError
from engine.roster.roster import Roster
from engine.roster.signed_events import event_signature, verify_event_signature
from engine.run.events import Event


@dataclass(frozen=True)
class SignatureCheck:
    promotion_id: str
    signed: int
    before_roster: int  # the unsigned prefix recorded before the roster's record #0
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.problems:
            return "; ".join(self.problems)
        parts = []
        if self.signed:
            parts.append(f"{self.signed} event(s) signed by their actors' roster keys")
        if self.before_roster:
            parts.append(f"{self.before_roster} event(s) unsigned (recorded before the "
                         "site roster)")
        return ", ".join(parts) or "no events"


def _before_roster(event: Event, roster: Roster) -> bool:
    try:
        return parse_rfc3339(event.at) < roster.records[0].moment
    except (ValueError, IndexError):
        return False


def check_event_signatures(promotion_id: str, events: Sequence[Event],
                           roster: Roster) -> SignatureCheck:
    """Every event of ``events`` checked against ``roster``; each problem names the
    promotion and the event."""
    problems: list[str] = []
    signed = unsigned_prefix = 0
    seen_signed = False
    for event in events:
        try:
            if event_signature(event) is None:
                if not seen_signed and _before_roster(event, roster):
                    unsigned_prefix += 1
                    continue
                raise EventSignatureError(
                    f"event #{event.seq} ({event.type} by {event.actor}) carries no "
                    "signature, and was not recorded before the site roster")
            verify_event_signature(promotion_id, event, roster)
        except EventSignatureError as exc:
            problems.append(f"promotion {promotion_id}: {exc}")
            seen_signed = True  # nothing after a bad event may pass as pre-roster
            continue
        signed += 1
        seen_signed = True
    return SignatureCheck(promotion_id, signed, unsigned_prefix, tuple(problems))
