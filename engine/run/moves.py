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
from engine.run import payloads as pl
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


def stage_rows(event: ev.Event) -> list[pl.TargetRow]:
    """The target rows a deploy stage's event carries: its outcome's outputs, or the
    progress it records after each target (so a crash mid-stage loses no ``from``)."""
    if not event.step or deploy_percent(event.step) is None:
        return []
    if event.type == ev.STEP_CRITERIA:
        return [r for r in pl.read_as(pl.StepCriteria, event).targets if r.name]
    if event.type not in _OUTCOMES:
        return []
    outcome = pl.payload_of(event)
    assert isinstance(outcome, pl.StepSucceeded | pl.StepFailed | pl.StepWaiting)
    rows = outcome.outputs.get("targets")  # a step's outputs are its own; a stage's hold rows
    return [pl.TargetRow.read(r, f"event #{event.seq} outputs.targets") for r in rows or []
            if isinstance(r, Mapping) and r.get("name")]


RETURNED = frozenset({"succeeded", "unchanged"})  # rollback rows: the target is back


def moved_targets(events: Iterable[ev.Event], *, observations: bool = True) -> dict[str, Moved]:
    moved: dict[str, Moved] = {}
    for event in events:
        if event.type == ev.ROLLBACK_COMPLETED:
            for returned in pl.read_as(pl.RollbackCompleted, event).targets:
                if returned.status in RETURNED:
                    moved.pop(returned.target, None)
            continue
        if event.type == ev.TARGET_DEPLOY_STARTED and event.step:
            intent = pl.read_as(pl.TargetDeployStarted, event)
            name = intent.target
            if name and name not in moved and intent.from_digest != intent.digest:
                moved[name] = Moved(name, event.step, intent.from_version, intent.from_digest,
                                    intent.release)
            continue
        if event.type == ev.TARGET_OBSERVED and observations:
            seen = pl.read_as(pl.TargetObserved, event)
            known = moved.get(seen.target)
            if known is not None and seen.observed and seen.digest == known.from_digest:
                del moved[known.target]  # seen on what it ran before: nothing to return
            continue
        if event.type == ev.TARGET_OBSERVED:
            continue
        for row in stage_rows(event):
            if row.changed and row.name not in moved:
                moved[row.name] = Moved(row.name, str(event.step), row.from_version, row.from_digest,
                                        row.release)
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
