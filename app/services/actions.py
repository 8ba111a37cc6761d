"""Operator actions on a run: guard, reason and role checked, then one append."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.context import Site
from app.deploy.history import moved_targets
from app.errors import NotNow, UsageError
from app.services.promotions import _load
from app.services.roles import require_role, roles_for
from engine.run import actions as run_actions
from engine.run import events as ev
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
            payload.setdefault("preview", rollback_preview(events, state, scope or "full"))
        try:
            new = run_actions.decide(state, action, actor=actor, at=site.now(), reason=reason,
                                     scope=scope, data=payload)
            appended = run_store.append(session, promotion_id, state.head, new)
        except run_actions.ActionRefused as exc:
            raise NotNow(str(exc)) from None
        except run_store.HeadMoved as exc:
            raise NotNow(str(exc)) from None
    return fold([*events, *appended])


def rollback_preview(events: Sequence[ev.Event], state: RunState, scope: str) -> dict[str, Any]:
    """Impact of a rollback before it runs: the steps undone and, per target this run
    moved, the version it is on now and the one it ends on (unchanged outside the scope). Read from
    the run's events, so a stage still deploying counts the targets it has moved."""
    steps = run_actions.rollback_steps(state, scope)
    version = state.release.get("version")
    targets = []
    for m in sorted(moved_targets(events).values(), key=lambda m: m.target):
        if m.step in steps:  # goes back to what it ran before this run
            targets.append({"target": m.target, "from": version, "to": m.from_version,
                            "to_digest": m.from_digest, "step": m.step})
        else:  # moved by an earlier stage outside this scope: stays on the release
            targets.append({"target": m.target, "from": version, "to": version, "step": m.step})
    return {"scope": scope, "steps": steps, "targets": targets}


def preview(site: Site, promotion_id: str, scope: str) -> dict[str, Any]:
    events, state = _load_state(site, promotion_id)
    why = run_actions.refusal(state, run_actions.ROLLBACK, scope=scope)
    result = rollback_preview(events, state, scope)
    result["allowed"] = why is None
    result["refusal"] = why
    return result


def _load_state(site: Site, promotion_id: str):  # noqa: ANN202
    with site.db.read() as session:
        return _load(session, promotion_id)
