"""Operator actions on a run: guard, reason and role checked, then one append."""

from __future__ import annotations

from typing import Any

from app.context import Site
from app.errors import NotNow, UsageError
from app.services.promotions import _load
from app.services.roles import require_role, roles_for
from engine.run import actions as run_actions
from engine.run.state import RunState, fold
from models import run_store


def act(site: Site, promotion_id: str, action: str, actor: str, reason: str | None = None,
        scope: str | None = None, data: dict[str, Any] | None = None) -> RunState:
    """Carry out one operator action. Decide and append happen in one transaction, so
    the decision is always made on the run's latest state."""
    if action not in run_actions.ACTIONS:
        raise UsageError(f"unknown action {action}")
    with site.db.write() as session:
        events, state = _load(session, promotion_id)
        if action in (run_actions.APPROVE, run_actions.REJECT) and actor == state.requester:
            raise NotNow(run_actions.refusal(state, action, actor=actor) or "separation of duties")
        require_role(session, actor, roles_for(action), action)
        payload = dict(data or {})
        if action == run_actions.ROLLBACK:
            payload.setdefault("preview", rollback_preview(state, scope or "full"))
        try:
            new = run_actions.decide(state, action, actor=actor, at=site.now(), reason=reason,
                                     scope=scope, data=payload)
            appended = run_store.append(session, promotion_id, state.head, new)
        except run_actions.ActionRefused as exc:
            raise NotNow(str(exc)) from None
        except run_store.HeadMoved as exc:
            raise NotNow(str(exc)) from None
    return fold([*events, *appended])


def rollback_preview(state: RunState, scope: str) -> dict[str, Any]:
    """Impact of a rollback before it runs: the steps undone and, per target, the
    version it is on now and the one it returns to (from the deploy steps' outputs)."""
    steps = run_actions.rollback_steps(state, scope)
    changes: dict[str, dict[str, Any]] = {}
    for name in steps:
        for target in state.step(name).outputs.get("targets", []):
            entry = changes.setdefault(target["name"], {"target": target["name"],
                                                        "from": target.get("to"),
                                                        "to": target.get("from")})
            entry["from"] = target.get("to")
    return {"scope": scope, "steps": steps, "targets": sorted(changes.values(),
                                                              key=lambda t: t["target"])}


def preview(site: Site, promotion_id: str, scope: str) -> dict[str, Any]:
    _, state = _load_state(site, promotion_id)
    why = run_actions.refusal(state, run_actions.ROLLBACK, scope=scope)
    result = rollback_preview(state, scope)
    result["allowed"] = why is None
    result["refusal"] = why
    return result


def _load_state(site: Site, promotion_id: str):  # noqa: ANN202
    with site.db.read() as session:
        return _load(session, promotion_id)
