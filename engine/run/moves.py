"""Which targets a run has moved onto its release, read from the run's own events, and
what a rollback would do to them (:func:`rollback_preview`). Pure: the deploy and
rollback steps, the rollback action and the deploy stage's screen all fold the same
events with these functions.

A deploy stage lists its targets with ``changed`` (this run moved it) and ``from``
(what it ran before this run touched it), after each target and in its outputs. A completed rollback
lists the targets it returned. Folding those in order gives, per target still on
the new release because of this run, where a rollback must return it and which
stage moved it — whatever retries happened in between.

A deploy stage also records its intent (``target.deploy.started``) before each driver
call, so a target whose deployment was under way when the executor died counts as
possibly moved. A later observation (``target.observed``) that finds it still on
what it ran before clears it for a retry (the deployment had not landed), but not for
a rollback (``observations=False``): a command orphaned by a crash may land after that
observation, so a rollback asks every target the run ever set out to move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.run import actions as run_actions
from engine.run import events as ev
from engine.run.stages import deploy_percent
from engine.run.state import RunState

_OUTCOMES = frozenset({ev.STEP_SUCCEEDED, ev.STEP_WARNED, ev.STEP_FAILED, ev.STEP_WAITING})


@dataclass(frozen=True)
class Moved:
    target: str
    step: str
    from_version: str | None
    from_digest: str | None
    release_name: str | None


def stage_rows(event: ev.Event) -> list[Mapping[str, Any]]:
    """The target rows a deploy stage's event carries: its outcome's outputs, or the
    progress it records after each target (so a crash mid-stage loses no ``from``)."""
    if not event.step or deploy_percent(event.step) is None:
        return []
    if event.type == ev.STEP_CRITERIA:
        rows = event.data.get("targets")
    elif event.type in _OUTCOMES:
        outputs = event.data.get("outputs") or {}
        rows = outputs.get("targets") if isinstance(outputs, Mapping) else None
    else:
        return []
    return [r for r in rows or [] if isinstance(r, Mapping) and r.get("name")]


RETURNED = frozenset({"succeeded", "unchanged"})  # rollback rows: the target is back


def moved_targets(events: Iterable[ev.Event], *, observations: bool = True) -> dict[str, Moved]:
    moved: dict[str, Moved] = {}
    for event in events:
        if event.type == ev.ROLLBACK_COMPLETED:
            for row in event.data.get("targets") or []:
                if row.get("status") in RETURNED:
                    moved.pop(str(row.get("target")), None)
            continue
        if event.type == ev.TARGET_DEPLOY_STARTED and event.step:
            data = event.data
            name = str(data.get("target") or "")
            if name and name not in moved and data.get("from_digest") != data.get("digest"):
                moved[name] = Moved(name, event.step, data.get("from_version"), data.get("from_digest"),
                                    data.get("release"))
            continue
        if event.type == ev.TARGET_OBSERVED and observations:
            data = event.data
            known = moved.get(str(data.get("target")))
            if known is not None and data.get("observed") and data.get("digest") == known.from_digest:
                del moved[known.target]  # seen on what it ran before: nothing to return
            continue
        if event.type == ev.TARGET_OBSERVED:
            continue
        for row in stage_rows(event):
            name = str(row["name"])
            if row.get("changed") and name not in moved:
                moved[name] = Moved(name, str(event.step), row.get("from"), row.get("from_digest"),
                                    row.get("release"))
    return moved


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
