"""What the Deploy Stage View (seed §14.5) and the Rollback / Re-run dialog (§14.6)
show, loaded in one background call and handed over as frozen values.

The stage's numbers are the ones its gate decided on: every ``step.criteria``
event of the stage's current attempt (their payload is documented in
:mod:`app.deploy.canary`), so the charts redraw the measurements behind the
decision rather than a second, independent scrape. The targets table covers the
whole environment: the stage's share with what each target reported, the rest as
they were last recorded by the site.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.context import Site
from app.deploy.config import DeployConfigError
from app.deploy.settings import deploy_config
from app.deploy.targets import environment_targets, known_releases, stage_count
from app.errors import StellaError
from app.services import actions, promotions
from engine.canary import HealthGate
from engine.canary.gate import percent as percent_text
from engine.canary.metrics import ERROR_RATE_NAMES, P95_NAMES, Condition, MetricsConfigError
from engine.run import events as ev
from engine.run import payloads as pl
from engine.run.moves import moved_targets
from engine.run.stages import deploy_percent, step_title
from engine.run.state import RunState

HEALTHY, UNHEALTHY, PENDING = "healthy", "unhealthy", "pending"
SLO_WORDS = {"passed": "OK", "breached": "BREACHED", "measuring": "MEASURING",
             "inconclusive": "INCONCLUSIVE", "deploying": "DEPLOYING"}
NOT_MEASURED = "NOT MEASURED"


@dataclass(frozen=True)
class ChartPoint:
    """One judged measurement: where in the window, and its values."""

    seconds: float
    error_rate: float | None
    p95_ms: float | None
    phase: str


@dataclass(frozen=True)
class StageTarget:
    name: str
    in_stage: bool
    version: str  # "1.3.0-rc1@5e1f2a3b" on this run's release, else "old (1.2.0)" or "old"
    version_detail: str
    on_release: bool
    health: str  # healthy | unhealthy | pending
    notes: str


@dataclass(frozen=True)
class DeployStage:
    promotion_id: str
    step: str
    title: str
    percent: int
    environment: str
    release: Mapping[str, Any]
    status: str
    attempt: int
    policy: str
    gate_text: str
    phase: str  # "" (not measured) | deploying | measuring | passed | breached | inconclusive
    healthy: int | None
    total: int | None
    environment_targets: int
    error_rate: float | None
    p95_ms: float | None
    progress: float
    observed_seconds: float
    window_seconds: float
    measurements: int
    required_measurements: int
    reason: str
    auto_rollback: bool
    trigger_reason: str
    points: tuple[ChartPoint, ...]
    max_error_rate: float | None
    max_p95_ms: float | None
    targets: tuple[StageTarget, ...]
    next_label: str
    event_count: int
    problems: tuple[str, ...] = ()
    provider: str = ""  # a metrics provider's line: who answered the last measurement, or its error
    # a metrics provider's conditions on the charted values, (success|failure, op, threshold):
    # what was evaluated, drawn instead of the gate's limits (None: not measured by a provider)
    error_conditions: tuple[tuple[str, str, float], ...] | None = None
    p95_conditions: tuple[tuple[str, str, float], ...] | None = None

    @property
    def slo(self) -> str:
        return SLO_WORDS.get(self.phase, NOT_MEASURED)

    @property
    def stage_targets(self) -> int:
        return sum(1 for t in self.targets if t.in_stage)


def load_deploy_stage(site: Site, promotion_id: str, step: str) -> DeployStage:
    """Runs in a worker: the stage's measurements, gate and targets as values."""
    pct = deploy_percent(step)
    if pct is None:
        raise ValueError(f"{step} is not a deploy stage")
    events, state = promotions.load_run(site, promotion_id)
    view = state.step(step)
    env = state.to_env
    problems: list[str] = []
    gate: HealthGate | None = None
    try:
        gate = deploy_config(site, env).gate_for(step)
    except (DeployConfigError, StellaError) as err:
        problems.append(f"the stage's gate settings cannot be read: {err.message}")
    try:
        everyone = environment_targets(site, env)
        known = known_releases(site, env)
    except StellaError as err:
        everyone, known = [], {}
        problems.append(f"the environment's targets cannot be read: {err.message}")
    since = _since_start(events, step)
    attempt = [e for e in since if e.step == step]
    criteria = [pl.read_as(pl.StepCriteria, e) for e in attempt if e.type == ev.STEP_CRITERIA]
    measured = [c for c in criteria if c.measured]
    progress_rows = _progress_rows(criteria, view.outputs)
    latest = pl.StepCriteria.read(view.criteria)  # all absent before the first measurement
    phase = latest.status if view.attempt else ""
    decision = latest.decision or pl.Decision()
    trigger = _trigger(attempt, latest)
    last_measurement = (measured[-1].measurement if measured else None) or pl.Measurement()
    names = sorted(t.name for t in everyone)
    in_stage = set(names[:stage_count(pct, len(names))]) | set(progress_rows)
    names = sorted({*names, *progress_rows})  # a target since removed still shows what it ran
    returned = _returned(since, step)
    stages = [(s.name, deploy_percent(s.name)) for s in state.steps if deploy_percent(s.name) is not None]
    by_provider = _provider_notes(measured[-1]) if measured else ""
    targets = tuple(_target_row(step, name, name in in_stage, state, last_measurement, progress_rows,
                                returned, known.get(name), names, stages, gate, by_provider)
                    for name in names)
    measured_names = {t.target for t in last_measurement.targets}
    # healthy means answering AND within the gate's limits: a target failing every
    # request is not "healthy" beside "error rate 100%, SLO BREACHED"
    healthy_now = sum(1 for t in targets if t.name in measured_names and t.health == HEALTHY)
    window = float(decision.window_seconds or (gate.window_seconds if gate else 0.0))
    return DeployStage(
        promotion_id=promotion_id, step=step, title=view.title, percent=pct, environment=env,
        release=dict(state.release), status=view.status, attempt=view.attempt,
        policy=latest.policy or (gate.summary if gate else ""),
        gate_text=gate.describe() if gate else "",
        phase=phase,
        healthy=healthy_now if latest.measured and latest.provider is None else None,
        total=_int(latest.total) if latest.measured else None,
        environment_targets=len(names),
        error_rate=_float(latest.error_rate), p95_ms=_float(latest.p95_ms),
        progress=float(latest.progress or 0.0) if latest.measured else 0.0,
        observed_seconds=float(decision.observed_seconds or 0.0),
        window_seconds=window,
        measurements=int(decision.measurements or 0),
        required_measurements=int(decision.required_measurements
                                  or (gate.required_measurements if gate else 0)),
        reason=latest.reason,
        provider=provider_text(latest),
        auto_rollback=trigger is not None, trigger_reason=trigger or "",
        points=tuple(point for point in map(_point, measured) if point is not None),
        max_error_rate=gate.max_error_rate if gate else None,
        max_p95_ms=gate.max_p95_ms if gate else None,
        targets=targets, next_label=continue_label(state, step),
        event_count=state.event_count, problems=tuple(problems),
        error_conditions=metric_conditions(latest, ERROR_RATE_NAMES, 1.0),
        p95_conditions=metric_conditions(latest, P95_NAMES, 1000.0))


def continue_label(state: RunState, step: str) -> str:
    """``Continue to 50%`` — or to whatever step follows the last stage."""
    order = [s.name for s in state.steps]
    later = order[order.index(step) + 1:]
    if not later:
        return "Continue"
    following = deploy_percent(later[0])
    return f"Continue to {following}%" if following is not None else f"Continue to {step_title(later[0])}"


def _since_start(events: Sequence[ev.Event], step: str) -> list[ev.Event]:
    """The run's events since the stage's latest start (earlier attempts are history)."""
    start = 0
    for index, event in enumerate(events):
        if event.type == ev.STEP_STARTED and event.step == step:
            start = index
    return list(events[start:]) if start else []


def _progress_rows(criteria: Sequence[pl.StepCriteria],
                   outputs: Mapping[str, Any]) -> dict[str, pl.TargetRow]:
    rows: dict[str, pl.TargetRow] = {}
    for measured in criteria:
        if measured.status == "deploying":
            rows.update({r.name: r for r in measured.targets if r.name})
    for row in outputs.get("targets") or []:  # the stage's outputs, once it has finished
        if isinstance(row, Mapping) and row.get("name"):
            rows[str(row["name"])] = pl.TargetRow.read(row, "outputs.targets")
    return rows


def _returned(since: Sequence[ev.Event], step: str) -> dict[str, pl.ReturnedTarget]:
    """Targets a completed rollback (of any scope) returned after the stage's last
    measurement: what they reported then is no longer what they run."""
    rows: dict[str, pl.ReturnedTarget] = {}
    for event in since:
        if event.type == ev.STEP_CRITERIA and event.step == step:
            rows.clear()
        elif event.type == ev.ROLLBACK_COMPLETED:
            done = pl.read_as(pl.RollbackCompleted, event)
            rows.update({r.target: r for r in done.targets if r.status == "succeeded"})
    return rows


def _trigger(attempt: Sequence[ev.Event], latest: pl.StepCriteria) -> str | None:
    for event in attempt:
        if event.type == ev.ROLLBACK_REQUESTED and pl.read_as(pl.RollbackRequested, event).automatic:
            return event.reason or "health gate breached"
    if latest.auto_rollback == "triggered":
        return latest.reason or "health gate breached"
    return None


def _target_row(stage: str, name: str, in_stage: bool, state: RunState, measurement: pl.Measurement,
                progress: Mapping[str, pl.TargetRow], returned: Mapping[str, pl.ReturnedTarget],
                known: Any, names: Sequence[str], stages: Sequence[tuple[str, int | None]],
                gate: HealthGate | None = None, by_provider: str = "") -> StageTarget:
    release = state.release
    seen = next((t for t in measurement.targets if t.target == name), None)
    row = progress.get(name)
    version: str | None = None
    digest: str | None = None
    health, notes = PENDING, ""
    if name in returned:
        version, digest = returned[name].to_version, returned[name].to_digest
        notes = f"returned to {version or 'its previous release'} by a rollback"
    elif seen is not None:
        version, digest = seen.version, seen.digest
        breach = _target_breach(seen, gate)
        health = HEALTHY if seen.healthy and not breach else UNHEALTHY
        notes = breach or _measured_notes(seen)
    elif row is not None:
        status = row.status
        ok = status in ("succeeded", "unchanged")
        version = row.to_version if ok else row.from_version
        # a row without to_digest is on this run's release
        to_digest = release.get("digest") if "to_digest" in row.absent else row.to_digest
        digest = to_digest if ok else row.from_digest
        live = state.step(stage).status == "running"
        # a provider measures the stage as a whole, never per target: its measurement is
        # this row's, not "waiting" for a per-target sample that never comes
        waiting = "deployed; waiting for the first measurement" if live else "deployed; not measured"
        notes = ((f"deployed; {by_provider}" if by_provider else waiting) if ok
                 else f"deploy {status}: {row.detail or ''}".rstrip(": "))
    elif known is not None:
        version, digest = known.version, known.digest
    if not notes and in_stage:
        notes = "waiting to be deployed" if state.step(stage).attempt else "pending — the stage has not started"
    elif not notes:
        notes = _outside_notes(name, names, stages, state, on_release=bool(digest) and
                               digest == release.get("digest"))
    on_release = bool(digest) and digest == release.get("digest")
    if on_release:
        text = f"{release.get('version')}@{str(digest).partition(':')[2][:8]}"
    else:
        text = f"old ({version})" if version else "old"
    detail = " ".join(str(x) for x in (release.get("name"), version, digest) if x) if version else \
        "not recorded: the site has not deployed to this target"
    return StageTarget(name, in_stage, text, detail, on_release, health, notes)


def _target_breach(seen: pl.MeasuredTarget, gate: HealthGate | None) -> str:
    """Which of the gate's limits this target's own share of the measurement breaks
    (the same "not below" rule as the gate), or ``""``."""
    if gate is None or not seen.healthy:
        return ""
    rate, p95 = seen.error_rate, seen.p95_ms
    if gate.max_error_rate is not None and rate is not None and float(rate) >= gate.max_error_rate:
        return f"breaching: err {percent_text(float(rate))} not below {percent_text(gate.max_error_rate)}"
    if gate.max_p95_ms is not None and p95 is not None and float(p95) >= gate.max_p95_ms:
        return f"breaching: p95 {float(p95):.0f}ms not below {gate.max_p95_ms:g}ms"
    return ""


def _provider_notes(last: pl.StepCriteria) -> str:
    """``measured by prometheus with the stage: err 0.4% · p95 120ms`` for the stage's
    last provider measurement, or ``""`` when no provider measured it."""
    provider = last.provider
    if provider is None:
        return ""
    name = provider.name or "the metrics provider"
    if not provider.answered:
        return f"{name} did not answer the last measurement (see Metrics)"
    values = []
    if last.error_rate is not None:
        values.append(f"err {percent_text(float(last.error_rate))}")
    if last.p95_ms is not None:
        values.append(f"p95 {float(last.p95_ms):.0f}ms")
    said = f": {' · '.join(values)}" if values else " (see Metrics)"
    return f"measured by {name} with the stage{said}"


def _measured_notes(seen: pl.MeasuredTarget) -> str:
    if not seen.healthy:
        return seen.detail or "unhealthy"
    parts = ["ok"]
    if seen.error_rate is not None:
        parts.append(f"err {percent_text(float(seen.error_rate))}")
    if seen.p95_ms is not None:
        parts.append(f"p95 {float(seen.p95_ms):.0f}ms")
    return " · ".join(parts)


def _outside_notes(name: str, names: Sequence[str], stages: Sequence[tuple[str, int | None]],
                   state: RunState, on_release: bool) -> str:
    """A target outside this stage: which stage of the run puts it on the release
    (stages are cumulative), and whether that has happened."""
    position = names.index(name)
    joins = next((step for step, pct in stages
                  if pct is not None and position < stage_count(pct, len(names))), None)
    if joins is None:
        return "not in any stage of this run"
    title = step_title(joins)
    if on_release:
        return f"not in this stage; on the release since {title}"
    if state.terminal:
        return f"not deployed: the run ended ({state.status}) before {title}"
    return f"pending — joins at {title}"


def _point(data: pl.StepCriteria) -> ChartPoint | None:
    measurement = data.measurement or pl.Measurement()
    if measurement.phase == "baseline":
        return None
    decision = data.decision or pl.Decision()
    return ChartPoint(float(decision.observed_seconds or 0.0), _float(data.error_rate),
                      _float(data.p95_ms), measurement.phase)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def rollback_impact(site: Site, promotion_id: str, scope: str) -> dict[str, Any]:
    """:func:`app.services.actions.preview` plus what a person needs to judge it: the
    digests targets return to, and the environment's targets the rollback leaves alone."""
    result = actions.preview(site, promotion_id, scope)
    events, state = promotions.load_run(site, promotion_id)
    steps = set(result.get("steps") or [])
    # what the rollback handler returns: every target these steps moved, including a
    # running stage's (recorded after each target, before the stage has outputs)
    moved = {name: m for name, m in moved_targets(events).items() if m.step in steps}
    rows = []
    for change in result.get("targets") or []:
        prior = moved.pop(change["target"], None)
        reverts = prior is not None or change.get("from") != change.get("to")
        rows.append({**change, "reverts": reverts,
                     "to": prior.from_version if prior is not None else change.get("to"),
                     "to_digest": prior.from_digest if prior is not None else None})
    rows.extend({"target": m.target, "from": state.release.get("version"), "to": m.from_version,
                 "reverts": True, "to_digest": m.from_digest} for m in moved.values())
    rows.sort(key=lambda row: row["target"])
    try:
        names = [t.name for t in environment_targets(site, state.to_env)]
    except StellaError:
        names = []
    touched = {row["target"] for row in rows}
    previous = sorted({(r.get("to") or "", r.get("to_digest") or "") for r in rows if r["reverts"]})
    result.update(targets=rows, untouched=[n for n in names if n not in touched],
                  release=dict(state.release), environment=state.to_env,
                  previous=[{"version": v, "digest": d} for v, d in previous])
    return result


def metric_conditions(latest: pl.StepCriteria, names: Sequence[str],
                      scale: float) -> tuple[tuple[str, str, float], ...] | None:
    """The success/failure conditions a metrics provider's query named ``names`` was judged
    by, thresholds times ``scale`` (seconds to ms); None when no provider measured."""
    if latest.provider is None:
        return None
    conditions = latest.conditions or {}  # by query name
    found = next((conditions[n] for n in names if isinstance(conditions.get(n), Mapping)), None)
    if found is None:
        return ()
    lines = []
    for kind in ("success", "failure"):
        if found.get(kind) is None:
            continue
        try:
            condition = Condition.parse(found[kind], field=kind)
        except MetricsConfigError:
            continue  # an unreadable record draws nothing rather than a wrong line
        lines.append((kind, condition.op, condition.threshold * scale))
    return tuple(lines)


def provider_text(latest: pl.StepCriteria) -> str:
    """``prometheus at http://…: answered`` or ``…: ERROR (2 in a row, 3rd ends the analysis) — why``."""
    provider = latest.provider
    if provider is None:
        return ""
    where = f"{provider.name} at {provider.address}"
    if provider.answered:
        return f"{where}: answered"
    decision = latest.decision or pl.Decision()
    notes = (latest.measurement or pl.Measurement()).notes
    streak, limit = decision.consecutive_errors, decision.consecutive_error_limit
    count = f" ({streak} in a row, {limit} tolerated)" if streak is not None and limit is not None else ""
    return f"{where}: ERROR{count} — {'; '.join(str(n) for n in notes)}"
