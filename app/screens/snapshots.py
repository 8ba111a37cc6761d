"""What a screen needs, loaded in one background call and handed over as values.

Screens never fold events, check guards or read the database themselves: a worker
calls :func:`load_run_snapshot` and the run view draws the frozen result. Which
buttons are enabled is decided here, from the engine's guards
(:func:`engine.run.actions.available`) and, when those allow an action, from the
acting user's role — the same checks :func:`app.services.actions.act` makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.context import Site
from app.errors import NotFound
from app.screens.session import AUDITOR, READ_ONLY
from app.services import promotions, schedule_hold, setup
from app.services.roles import roles_for
from engine.run import actions as run_actions
from engine.run.graph import StageGraphLayout, layout_steps
from engine.run.stages import Workflow, WorkflowError
from engine.run.state import ROLLED_BACK, RUNNING, RunState, display_status

ACTIONS = run_actions.ACTIONS
ROLLBACK_SCOPES = run_actions.ROLLBACK_SCOPES
REASON_REQUIRED = run_actions.REASON_REQUIRED
NO_ACTOR = "choose who you are acting as (toolbar: Acting as)"


@dataclass(frozen=True)
class UserChoice:
    name: str
    role: str
    has_key: bool = False


@dataclass(frozen=True)
class SiteInfo:
    name: str
    home: str
    db_url: str
    users: tuple[UserChoice, ...]


def load_site_info(site: Site) -> SiteInfo:
    row = site.row()
    users = tuple(UserChoice(u.name, u.role, bool(u.key_id)) for u in setup.list_users(site))
    return SiteInfo(name=row.name, home=str(site.paths.home), db_url=site.config.db_url,
                    users=users)


@dataclass(frozen=True)
class RunSnapshot:
    state: RunState
    statuses: tuple[str, ...]
    actor: str | None
    actions: Mapping[str, str | None]
    rollback_scopes: Mapping[str, str | None]
    graph: StageGraphLayout
    rollback_node_status: str
    workflow_title: str
    actor_role: str | None = None
    scheduled_at: str | None = None  # its schedule's slot, while the run waits for it
    schedule_id: str | None = None  # that schedule (Run now cancels it)
    history_problem: str | None = None  # the stored history is not the one the site log holds
    history_unsigned: bool = False  # ... because an event is not signed by its actor's key

    @property
    def promotion_id(self) -> str:
        return self.state.promotion_id

    def refusal(self, action: str) -> str | None:
        return self.actions.get(action, f"unknown action {action!r}")

    def status_of(self, step: str) -> str:
        for view, status in zip(self.state.steps, self.statuses, strict=True):
            if view.name == step:
                return status
        raise KeyError(step)


def load_run_snapshot(site: Site, promotion_id: str, actor: str | None) -> RunSnapshot:
    from app.services.history import history_of

    _, state = promotions.load_run(site, promotion_id)
    schedule_id, slot = schedule_hold.schedule_waiting(site, promotion_id)
    history = history_of(site, promotion_id, full=False)  # refreshed often: no site-wide count
    role = _role_of(site, actor)
    actions = {}
    for action, why in run_actions.available(state, actor).items():
        actions[action] = READ_ONLY if role == AUDITOR else why or _role_refusal(actor, role, action)
    scopes = {}
    for scope in ROLLBACK_SCOPES:
        why = run_actions.refusal(state, run_actions.ROLLBACK, actor=actor, scope=scope)
        scopes[scope] = READ_ONLY if role == AUDITOR else why or _role_refusal(actor, role, run_actions.ROLLBACK)
    side: str
    if any(s.status == ROLLED_BACK for s in state.steps):
        side = ROLLED_BACK
    elif state.pending_rollback:
        side = RUNNING
    else:
        side = "pending"
    return RunSnapshot(
        state=state,
        statuses=tuple(display_status(state, step) for step in state.steps),
        actor=actor,
        actions=actions,
        rollback_scopes=scopes,
        graph=layout_steps([step.name for step in state.steps]),
        rollback_node_status=side,
        workflow_title=_workflow_title(state.workflow),
        actor_role=role,
        scheduled_at=slot if state.status == "pending" else None,
        schedule_id=schedule_id if state.status == "pending" else None,
        history_problem=None if history.ok else history.summary,
        history_unsigned=history.unsigned,
    )


def _workflow_title(name: str) -> str:
    try:
        return Workflow.parse(name).title
    except WorkflowError:
        return name


def _role_of(site: Site, actor: str | None) -> str | None:
    if not actor:
        return None
    try:
        return setup.get_user(site, actor).role
    except NotFound:
        return None


def _role_refusal(actor: str | None, role: str | None, action: str) -> str | None:
    if not actor:
        return NO_ACTOR
    if role is None:
        return f"there is no user named {actor}"
    allowed = roles_for(action)
    if role not in allowed:
        return f"{actor} is {role!r} and may not {action}; that needs the role {' or '.join(allowed)}"
    return None
