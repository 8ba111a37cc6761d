"""Runs written straight through the run store (no services): a release, a promotion
row and a story that uses every event type, for tests of what the store keeps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.context import Site
from engine.run import events as ev
from models import run_store
from models.tables import Promotion, Release

STEPS = ["created", "approval", "canary", "seal"]
AT = "2026-12-01T10:00:{:02d}Z"


def new_run(site: Site, promotion_id: str) -> None:
    with site.db.write() as session:
        release = session.scalar(select(Release).where(Release.name == "shop"))
        if release is None:
            release = Release(digest="sha256:" + "ab" * 32, name="shop", version="1.0",
                              manifest=b"{}", imported_at=datetime(2026, 12, 1, tzinfo=UTC))
            session.add(release)
            session.flush()
        session.add(Promotion(id=promotion_id, release_id=release.id, from_env=None, to_env="prod",
                              requester="olga", created_at=datetime(2026, 12, 1, tzinfo=UTC)))


def created(promotion_id: str) -> ev.NewEvent:
    return ev.NewEvent(ev.RUN_CREATED, actor="olga", at=AT.format(0), data={
        "promotion_id": promotion_id, "release": {"name": "shop", "version": "1.0"},
        "from_env": None, "to_env": "prod", "baseline": "prod", "workflow": "test",
        "steps": STEPS, "approvals_required": 1, "requester": "olga"})


def every_kind() -> list[ev.NewEvent]:
    """A story using every event type the fold knows (and then every other type)."""
    def e(kind: str, step: str | None = None, **data: object) -> ev.NewEvent:
        return ev.NewEvent(kind, actor="olga", at=AT.format(len(story) + 1), step=step,
                           reason="because" if kind.startswith(("action", "approval", "run.")) else None,
                           data=data)
    story: list[ev.NewEvent] = []
    for kind, step, data in [
        (ev.STEP_SUCCEEDED, "created", {"summary": "made"}),
        (ev.STEP_STARTED, "approval", {}), (ev.STEP_WAITING, "approval", {"for": "approvals"}),
        (ev.APPROVAL_GRANTED, "approval", {}), (ev.STEP_SUCCEEDED, "approval", {}),
        (ev.RUN_PAUSED, None, {}), (ev.RUN_RESUMED, None, {}),
        (ev.STEP_STARTED, "canary", {}), (ev.STEP_CRITERIA, "canary", {"met": False, "summary": "x"}),
        (ev.STEP_INTERRUPTED, "canary", {}), (ev.ACTION_RETRY, "canary", {}),
        (ev.STEP_STARTED, "canary", {}), (ev.STEP_FAILED, "canary", {"error": "e"}),
        (ev.ACTION_MARK_FAILED, "canary", {}), (ev.ACTION_CONTINUE, "canary", {}),
        (ev.STEP_WARNED, "canary", {"summary": "warned"}), (ev.OVERRIDE_RECORDED, None, {}),
        (ev.EXPORT_RECORDED, None, {}), (ev.STEP_SKIPPED, "seal", {"summary": "no"}),
        (ev.ROLLBACK_REQUESTED, None, {"scope": "stage"}), (ev.ROLLBACK_FAILED, "canary", {}),
        (ev.ROLLBACK_REQUESTED, None, {"scope": "stage"}),
        (ev.ROLLBACK_COMPLETED, None, {"steps": ["canary"], "scope": "stage"}),
        (ev.APPROVAL_REJECTED, "approval", {}),
    ]:
        story.append(e(kind, step, **data))
    for kind in sorted(ev.EVENT_TYPES - {n.type for n in story} - {ev.RUN_CREATED, ev.RUN_CANCELLED}):
        story.append(e(kind))
    story.append(e(ev.RUN_CANCELLED))
    return story


def append(site: Site, promotion_id: str, new: list[ev.NewEvent]) -> None:
    with site.db.write() as session:
        _, head = run_store.head_of(session, promotion_id)
        run_store.append(session, promotion_id, head, new)
