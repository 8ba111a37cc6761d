"""Ask the site agent to start a run: a ``run.requested`` event on its chain.

A fresh promotion waits for its first start; this is that start when the agent
does the work (``stella run`` does it in the caller's own process). A scheduled
promotion is refused: its slot starts it, or "run now" with a reason
(:func:`app.services.scheduler.run_now`) does.
"""

from __future__ import annotations

from app.context import Site
from app.errors import NotNow
from app.services import schedule_hold
from app.services.identity import Identity
from app.services.promotions import load_run_in
from app.services.roles import OPERATORS, require_signer
from engine.roster import sign_new_events
from engine.run import events as ev
from engine.run.state import RunState
from models import run_store


def request_run(site: Site, promotion_id: str, who: Identity,
                reason: str | None = None) -> RunState:
    """``who`` (authenticated) asks; the event carries their signature."""
    with site.db.write(site_wide=False) as session:
        at = site.now()
        events, state = load_run_in(session, promotion_id)  # locks the run first (its order)
        require_signer(session, who, OPERATORS, "start a run", at)
        if state.terminal:
            raise NotNow(f"{promotion_id} has ended ({state.status})")
        hold = schedule_hold.hold_of(session, promotion_id)
        if hold is not None:
            raise NotNow(hold.message)
        event = ev.NewEvent(ev.RUN_REQUESTED, actor=who.name, at=at,
                            reason=(reason or "").strip() or None, data={})
        signed = sign_new_events(promotion_id, len(events), state.head, [event], who.signer)
        try:
            run_store.append(session, promotion_id, state.head, signed)
        except run_store.HeadMoved as exc:
            raise NotNow(str(exc)) from None
    return state
