"""Actions on a run by authenticated people: guard, key and role checked, then one
signed append."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.context import Site
from app.errors import NotNow, UsageError
from app.services.identity import Identity
from app.services.promotions import load_run_in
from app.services.roles import require_signer, roles_for
from engine.roster import sign_new_events
from engine.run import actions as run_actions
from engine.run import duties
from engine.run.moves import rollback_preview
from engine.run.state import RunState, fold
from models import run_store


def act(site: Site, promotion_id: str, action: str, who: Identity, reason: str | None = None,
        scope: str | None = None, data: dict[str, Any] | None = None) -> RunState:
    """Carry out one action by an authenticated user (:func:`app.services.identity.
    authenticate`) in one write transaction (:func:`act_in`)."""
    with site.db.write(site_wide=False) as session:  # the run's row lock orders it
        return act_in(session, site, promotion_id, action, who, reason, scope=scope, data=data)


def act_in(session: Session, site: Site, promotion_id: str, action: str, who: Identity,
           reason: str | None = None, scope: str | None = None,
           data: dict[str, Any] | None = None) -> RunState:
    """Inside the caller's write transaction: decide on the run's latest state, check
    the actor's key and role in the verified roster, sign and append — the stored
    event carries the actor's signature over its own bytes (engine/roster/signed_events)."""
    if action not in run_actions.ACTIONS:
        raise UsageError(f"unknown action {action}")
    actor = who.name
    events, state = load_run_in(session, promotion_id)
    if action in (run_actions.APPROVE, run_actions.REJECT):  # before the key is asked for
        refused = duties.refusal(state.requester, actor, "approve or reject it")
        if refused is not None:
            raise NotNow(refused)
    at = site.now()
    require_signer(session, who, roles_for(action), action, at)
    payload = dict(data or {})
    if action == run_actions.ROLLBACK:
        payload.setdefault("preview", rollback_preview(events, state, scope or "full"))
    try:
        new = run_actions.decide(state, action, actor=actor, at=at, reason=reason,
                                 scope=scope, data=payload)
        new = sign_new_events(promotion_id, len(events), state.head, new, who.signer)
        appended = run_store.append(session, promotion_id, state.head, new)
    except run_actions.ActionRefused as exc:
        raise NotNow(str(exc)) from None
    except run_store.HeadMoved as exc:
        raise NotNow(str(exc)) from None
    return fold([*events, *appended])


def preview(site: Site, promotion_id: str, scope: str) -> dict[str, Any]:
    events, state = _load_state(site, promotion_id)
    why = run_actions.refusal(state, run_actions.ROLLBACK, scope=scope)
    result = rollback_preview(events, state, scope)
    result["allowed"] = why is None
    result["refusal"] = why
    return result


def _load_state(site: Site, promotion_id: str):
    with site.db.read() as session:
        return load_run_in(session, promotion_id)
