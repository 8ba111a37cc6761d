"""The run summary projection: per run, what lists, counts and the health banner show
(status, current step, head, event count, times), recomputed from that run's events in
the same transaction as every append. A list of 10,000 runs reads 10,000 rows instead
of verifying and folding every event of every run; the chain itself is verified where
it matters (opening a run, export) and by the background verifier."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.run import events as ev
from engine.run.state import FoldError, fold
from models.tables import RunEvent, RunSummary

CHAIN_BROKEN = "chain-broken"

# The columns the append writes; the verified_* ones belong to the verifier.
APPEND_COLUMNS = ("status", "current_step", "current_title", "head", "event_count",
                  "created_at", "updated_at", "ended_at", "problem")


def summarise(raws: Sequence[tuple[bytes, str]], *, verify: bool = True) -> dict[str, Any]:
    """The summary columns of a run from its stored (bytes, hash) pairs, folded (and
    verified first unless ``verify`` is off); a chain that does not verify or fold is
    summarised as ``chain-broken``."""
    try:
        events = ev.verify_chain(raws) if verify else [_parsed(raw, hash_) for raw, hash_ in raws]
        state = fold(events)
    except (ev.ChainError, FoldError, KeyError, TypeError, ValueError) as exc:
        where = f"event #{exc.seq}: {exc}" if isinstance(exc, ev.ChainError) else str(exc)
        return {"status": CHAIN_BROKEN, "current_step": None, "current_title": "",
                "head": raws[-1][1] if raws else ev.GENESIS, "event_count": len(raws),
                "created_at": "", "updated_at": "", "ended_at": None,
                "problem": f"the event chain is broken at {where}"}
    current = state.current
    return {"status": state.status, "current_step": current.name if current else None,
            "current_title": current.title if current else "", "head": state.head,
            "event_count": state.event_count, "created_at": state.created_at,
            "updated_at": events[-1].at, "ended_at": state.ended_at, "problem": None}


def _parsed(raw: bytes, stored_hash: str) -> ev.Event:
    """An event read for folding only: the append that wrote it sealed it moments or
    years ago, and checking bytes and links is the verifier's work, not every append's."""
    body = json.loads(raw)
    return ev.Event(seq=body["seq"], type=body["type"], actor=body["actor"], at=body["at"],
                    step=body["step"], reason=body["reason"], data=body["data"],
                    prev=body["prev"], raw=raw, hash=stored_hash)


def load_raw(session: Session, promotion_id: str) -> list[tuple[bytes, str]]:
    rows = session.execute(select(RunEvent.raw, RunEvent.hash)
                           .where(RunEvent.promotion_id == promotion_id)
                           .order_by(RunEvent.seq)).all()
    return [(bytes(raw), hash_) for raw, hash_ in rows]


def refresh(session: Session, promotion_id: str) -> RunSummary:
    """Recompute the run's summary inside the caller's transaction (the append's): a
    fold of this run's events, however many other runs the site holds."""
    values = summarise(load_raw(session, promotion_id), verify=False)
    row = session.get(RunSummary, promotion_id)
    if row is None:
        row = RunSummary(promotion_id=promotion_id, verified_count=0, verified_head="", **values)
        session.add(row)
    else:
        for column in APPEND_COLUMNS:
            setattr(row, column, values[column])
    session.flush()
    return row
