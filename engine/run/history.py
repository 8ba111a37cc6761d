"""Completeness of a run's history against the site log (DESIGN §6).

Every appended run event is also an entry of the site's transparency log:
:func:`event_leaf` is that entry's data. The hash chain proves each link of a
stored history; the log proves its length: an event the log holds for a
promotion but the stored history lacks means events were removed, the tail
included. :func:`history_problems` is the one rule, used by the site (timeline,
GUI, export) and by the offline verifier on an export's ``tlog/run-events.json``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.canonical import canonical_bytes
from engine.run.events import Event

LEAF_TYPE = "stellaops.run-event.v1"
RUN_LOG_VERSION = 1


def event_leaf(promotion_id: str, seq: int, event_hash: str) -> bytes:
    """The log entry for one run event: which run, where in it, which event."""
    return canonical_bytes({"type": LEAF_TYPE, "promotion": promotion_id, "seq": seq,
                            "event": event_hash})


@dataclass(frozen=True)
class LoggedEvent:
    """What the site log holds for one event of a run."""

    log_index: int
    seq: int
    event_hash: str


def history_problems(promotion_id: str, events: Sequence[Event],
                     logged: Sequence[LoggedEvent]) -> list[str]:
    """Why the stored ``events`` are not the whole history the log holds (empty: they are).

    Events from before the site logged events (a prefix without entries) are
    accepted; after the first logged event every event must be logged."""
    problems: list[str] = []
    by_seq = {entry.seq: entry for entry in logged}
    beyond = sorted(seq for seq in by_seq if seq >= len(events))
    if beyond:
        last = f"#{len(events) - 1}" if events else "nothing"
        held = (f"event #{beyond[0]}" if len(beyond) == 1
                else f"{len(beyond)} more events (#{beyond[0]}…#{beyond[-1]})")
        problems.append(
            f"promotion {promotion_id}: its stored history ends at event {last}, but the site "
            f"log holds {held} of it: events were deleted (the history was cut)")
    first_logged = min(by_seq) if by_seq else None
    for event in events:
        entry = by_seq.get(event.seq)
        if entry is None:
            if first_logged is not None and event.seq > first_logged:
                problems.append(f"promotion {promotion_id}: event #{event.seq} ({event.type}) is "
                                "not in the site log: it was written behind the product's back")
            continue
        if entry.event_hash != event.hash:
            problems.append(f"promotion {promotion_id}: event #{event.seq} differs from the one "
                            "the site log holds: it was replaced")
    return problems


def encode_run_log(promotion_id: str, checkpoint_size: int,
                   entries: Sequence[tuple[LoggedEvent, Sequence[bytes]]]) -> bytes:
    """``tlog/run-events.json``: the run's log entries with inclusion proofs under the
    export's checkpoint (hashes in standard base64, like receipts)."""
    return canonical_bytes({
        "v": RUN_LOG_VERSION, "promotion": promotion_id, "treeSize": checkpoint_size,
        "entries": [{"logIndex": e.log_index, "seq": e.seq, "event": e.event_hash,
                     "inclusionProof": [base64.b64encode(h).decode("ascii") for h in proof]}
                    for e, proof in entries]})


class RunLogError(ValueError):
    """``tlog/run-events.json`` is malformed."""


def decode_run_log(data: bytes) -> tuple[str, int, list[tuple[LoggedEvent, tuple[bytes, ...]]]]:
    try:
        obj: Any = json.loads(data)
        if not isinstance(obj, Mapping) or obj.get("v") != RUN_LOG_VERSION:
            raise RunLogError("not a run log of a known version")
        entries = []
        for item in obj["entries"]:
            entry = LoggedEvent(int(item["logIndex"]), int(item["seq"]), str(item["event"]))
            proof = tuple(base64.b64decode(h, validate=True) for h in item["inclusionProof"])
            entries.append((entry, proof))
        return str(obj["promotion"]), int(obj["treeSize"]), entries
    except RunLogError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise RunLogError(f"malformed run log: {exc}") from None
