"""The run summary projection: per run, what lists, counts and the health banner show
(status, current step, head, event count, times), written in the same transaction as
every append. A list of 10,000 runs reads 10,000 rows instead of verifying and folding
every event of every run; the chain itself is verified where it matters (opening a
run, export) and by the background verifier.

An append does not reload the run: the events a run was last folded from are kept
under its head hash (the hash chain names exactly those events), so the next append
after that head folds them with the new events, and only a head it has not seen
(another process appended, or this one rolled back) reads the run from the database.
``summarise`` is the full fold from stored rows, for backfill and repair."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

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
    except (ev.ChainError, KeyError, TypeError, ValueError) as exc:
        return _broken(raws[-1][1] if raws else ev.GENESIS, len(raws), exc)
    return _of_events(events)


def _of_events(events: Sequence[ev.Event]) -> dict[str, Any]:
    try:
        state = fold(events)
    except (FoldError, KeyError, TypeError, ValueError) as exc:
        return _broken(events[-1].hash if events else ev.GENESIS, len(events), exc)
    current = state.current
    return {"status": state.status, "current_step": current.name if current else None,
            "current_title": current.title if current else "", "head": state.head,
            "event_count": state.event_count, "created_at": state.created_at,
            "updated_at": events[-1].at, "ended_at": state.ended_at, "problem": None}


def _broken(head: str, count: int, exc: Exception) -> dict[str, Any]:
    where = f"event #{exc.seq}: {exc}" if isinstance(exc, ev.ChainError) else str(exc)
    return {"status": CHAIN_BROKEN, "current_step": None, "current_title": "",
            "head": head, "event_count": count, "created_at": "", "updated_at": "",
            "ended_at": None, "problem": f"the event chain is broken at {where}"}


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


class _FoldedRuns:
    """Events of recently appended runs by (promotion, head hash), least recent out
    first. Shared by the threads of a process (the GUI's workers), hence the lock."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._runs: OrderedDict[tuple[str, str], tuple[ev.Event, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, promotion_id: str, head: str) -> tuple[ev.Event, ...] | None:
        with self._lock:  # taken, not read: the run moves on from this head
            return self._runs.pop((promotion_id, head), None)

    def keep(self, promotion_id: str, events: tuple[ev.Event, ...]) -> None:
        with self._lock:
            self._runs[(promotion_id, events[-1].hash)] = events
            while len(self._runs) > self._size:
                self._runs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()


FOLDED = _FoldedRuns(512)


def refresh(session: Session, promotion_id: str, before: str | None = None,
            appended: Sequence[ev.Event] = ()) -> dict[str, Any]:
    """Write the run's summary inside the caller's transaction (the append's).

    ``before`` is the head the append found and ``appended`` the events it sealed
    after it: when this process last folded the run up to ``before``, those events
    are folded with the new ones and nothing is read back; otherwise (and without
    ``before``) the run's stored events are read and folded whole. Either way the
    summary is the fold of the whole chain, however many other runs the site holds."""
    if before == ev.GENESIS:  # the append found the run empty: its events are the new ones
        known: tuple[ev.Event, ...] | None = ()
    else:
        known = FOLDED.take(promotion_id, before) if before is not None else None
    if known is None:
        raws = load_raw(session, promotion_id)
        try:
            events = tuple(_parsed(raw, hash_) for raw, hash_ in raws)
        except (KeyError, TypeError, ValueError) as exc:
            values = _broken(raws[-1][1] if raws else ev.GENESIS, len(raws), exc)
            _write(session, promotion_id, values)
            return values
    else:
        events = (*known, *appended)
    values = _of_events(events)
    if values["problem"] is None:  # a chain that folds; a broken one is read again next time
        FOLDED.keep(promotion_id, events)
    _write(session, promotion_id, values)
    return values


_TABLE = cast(Table, RunSummary.__table__)
_UPDATE = (update(_TABLE).where(_TABLE.c.promotion_id == bindparam("pid"))
           .values({c: bindparam(c) for c in APPEND_COLUMNS}))


def _write(session: Session, promotion_id: str, values: dict[str, Any]) -> None:
    """One UPDATE (or the first INSERT) of a statement compiled once, not an ORM load
    and flush per append; a row this session holds is expired so that it reads what
    was written."""
    done = cast(CursorResult[Any], session.execute(_UPDATE, {"pid": promotion_id, **values}))
    if done.rowcount == 0:
        session.execute(insert(_TABLE), {"promotion_id": promotion_id, "verified_count": 0,
                                         "verified_head": "", **values})
    held = session.identity_map.get(identity_key(RunSummary, promotion_id))
    if held is not None:
        session.expire(held)
