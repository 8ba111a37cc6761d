"""Promotions: create one, list them, read one run as events and folded state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.context import Site
from app.errors import NotFound, NotNow, Rejected
from app.services import schedule_hold
from app.services.promotion_summary import PromotionSummary
from app.services.releases import find_release
from engine.run import events as ev
from engine.run import stages
from engine.run.state import RunState, fold
from models import ids, run_store, run_summary
from models.tables import Promotion, Release, RunSummary

if TYPE_CHECKING:
    from app.services.identity import Identity

CREATORS = ("operator", "release-manager")


def create_promotion(site: Site, release_ref: str, to_env: str, who: Identity,
                     from_env: str | None = None) -> str:
    """Create a promotion of a release (by NAME@VERSION or digest) into ``to_env``, by an
    authenticated requester whose signature its first events carry. The environment's
    workflow and required approvals are read from the verified site roster."""
    # the roster and its signatures load the cryptography library: only writers pay
    from app.services import site_roster
    from app.services.roles import require_signer
    from engine.roster import sign_new_events

    actor = who.name
    with site.db.write(site_wide=False) as session:  # the id from a sequence, no site lock
        at = site.now()
        require_signer(session, who, CREATORS, "create a promotion", at)
        roster = site_roster.load(session)
        release = find_release(session, release_ref)
        target = roster.environment(to_env, at)
        if target is None:
            raise NotFound(f"no environment named {to_env}")
        if from_env is not None and roster.environment(from_env, at) is None:
            raise NotFound(f"no environment named {from_env}")
        if from_env == to_env:
            raise Rejected("a promotion needs two different environments")
        workflow = stages.Workflow.parse(target.workflow or stages.DEFAULT_WORKFLOW)
        number = ids.next_number(session, "promotion_numbers")
        promotion_id = f"P-{number:04d}"
        now = site.clock.now()
        session.add(Promotion(id=promotion_id, release_id=release.id, from_env=from_env,
                              to_env=to_env, requester=actor, created_at=now))
        created = ev.NewEvent(ev.RUN_CREATED, actor=actor, at=at, data={
            "promotion_id": promotion_id,
            "release": {"name": release.name, "version": release.version, "digest": release.digest},
            "from_env": from_env,
            "to_env": to_env,
            "baseline": str(target.settings.get("baseline") or to_env),
            "workflow": workflow.name,
            "steps": list(workflow.steps()),
            "approvals_required": target.approvals_required,
            "requester": actor,
        })
        done = ev.NewEvent(ev.STEP_SUCCEEDED, actor=actor, at=at, step=stages.CREATED,
                           data={"summary": f"{release.name} {release.version} → {to_env}"})
        signed = sign_new_events(promotion_id, 0, ev.GENESIS, [created, done], who.signer)
        try:
            session.flush()
            run_store.append(session, promotion_id, ev.GENESIS, signed)
        except (IntegrityError, run_store.HeadMoved):
            raise NotNow("another promotion was created at the same moment; try again") from None
    return promotion_id


def load_run(site: Site, promotion_id: str) -> tuple[list[ev.Event], RunState]:
    """The run's verified events and its folded state (raises Rejected on a broken chain)."""
    with site.db.read() as session:
        return load_run_in(session, promotion_id)


def load_run_in(session, promotion_id: str) -> tuple[list[ev.Event], RunState]:
    """The run's events and state inside the caller's transaction: locked until commit
    when the caller writes (it decides on the latest run); NotFound or Rejected (a broken
    chain) otherwise."""
    if run_store.in_write(session):  # deciding on the run: the latest, held until commit
        run_store.lock_run(session, promotion_id)
    if session.get(Promotion, promotion_id) is None:
        raise NotFound(f"no promotion {promotion_id}")
    try:
        events = run_store.load_events(session, promotion_id)
    except ev.ChainError as exc:
        raise Rejected(f"the event chain of {promotion_id} is broken at {exc}: "
                       "the stored narrative was altered") from None
    return events, fold(events)


def list_promotions(site: Site, limit: int | None = None,
                    statuses: Sequence[str] | None = None) -> list[PromotionSummary]:
    """Every promotion (or the newest ``limit``, or those in ``statuses``), newest
    first, from the run summaries written with each append (models/run_summary.py):
    one query of plain columns however long the histories are."""
    query = (select(Promotion.id, Release.name, Release.version, Release.digest,
                    Promotion.from_env, Promotion.to_env, Promotion.requester,
                    *(getattr(RunSummary, c) for c in run_summary.APPEND_COLUMNS))
             .join(Release, Promotion.release_id == Release.id)
             .outerjoin(RunSummary, RunSummary.promotion_id == Promotion.id)
             .order_by(Promotion.created_at.desc(), Promotion.id.desc())
             .limit(limit))
    if statuses is not None:
        query = query.where(RunSummary.status.in_(list(statuses)))
    summaries = []
    with site.db.read() as session:
        rows = session.execute(query).all()
        slots = schedule_hold.slots(session)
        for pid, name, version, digest, from_env, to_env, requester, *columns in rows:
            values = dict(zip(run_summary.APPEND_COLUMNS, columns, strict=True))
            if values["head"] is None:  # no summary: its creation is still being written
                values = run_summary.summarise(run_summary.load_raw(session, pid))
            summaries.append(PromotionSummary(
                id=pid, release_name=name, release_version=version, release_digest=digest,
                from_env=from_env, to_env=to_env, requester=requester, status=values["status"],
                current_step=values["current_step"], current_title=values["current_title"],
                created_at=values["created_at"], event_count=values["event_count"],
                head=values["head"], scheduled_at=slots.get(pid),
            ))
    return summaries


def heads(site: Site) -> dict[str, int]:
    """Event count per promotion: a cheap poll to notice runs advancing elsewhere."""
    with site.db.read() as session:
        rows = session.execute(select(RunSummary.promotion_id, RunSummary.event_count)).all()
    return {promotion_id: count for promotion_id, count in rows}
