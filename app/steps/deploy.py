"""Deploy <pct>%: put the release on the stage's share of the environment's targets,
then hold them to the stage's health gate (DESIGN §8, seed §14.5).

1. Targets: ``ceil(pct% × n)`` of the environment, cumulative across stages. Each
   one not yet on the release through this run is asked what it runs, the intent
   (``target.deploy.started``: target, desired digest, what it ran) is committed, and
   only then is it deployed by its driver, the driver's output streamed into the step
   log — so a crash mid-deployment never hides a move from a rollback. A target that
   cannot be asked, or a failed deployment, fails the stage (retry or roll back: an
   operator decides).
2. Health gate: :func:`app.deploy.canary.run_canary` samples the stage's targets
   every interval and records each measurement (``step.criteria``) for the stage view.
   ``passed`` → the stage waits for Continue (or succeeds with ``auto_continue``);
   ``breached`` → the stage fails and asks for an automatic full rollback;
   ``inconclusive`` → it waits for an operator with the reason; an operator's pause,
   rollback or cancel stops the measuring promptly.
3. Evidence: one ``urn:stellaops:deployment:v1`` item per stage attempt: targets with
   the versions they went from and to, the gate and every health measurement.

Outputs list every target of the stage as ``{name, from, to, changed, …}``; ``from``
is what the target ran before this run moved it, which a rollback returns it to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.deploy.artifacts import release_ref
from app.deploy.canary import CanaryResult, Wait, json_safe, real_wait, run_canary
from app.deploy.config import DeployConfigError
from app.deploy.drivers import COMMAND, DriverSet
from app.deploy.metrics_canary import run_metrics_canary
from app.deploy.reconcile import observe_row
from app.deploy.settings import deploy_config
from app.deploy.targets import (
    KnownRelease,
    environment_targets,
    known_releases,
    remember,
    stage_targets,
)
from app.drivers.base import DeployResult, DriverError, ReleaseRef, Target
from app.errors import StellaError
from app.secrets.redact import Redactor
from app.services import evidence
from app.services.promotions import load_run
from app.steps.base import FAILED, SUCCEEDED, WAITING, StepContext, StepOutcome
from app.steps.inputs import InputsChanged, ProvidersFor, default_providers, materialised_inputs
from engine.canary import CanaryError
from engine.evidence import statements
from engine.run import events as ev
from engine.run.moves import Moved, moved_targets
from engine.run.stages import deploy_percent, step_title
from engine.run.state import DONE_STATUSES

DriversFor = Callable[..., DriverSet]


def stop_cause(ctx: StepContext) -> str:
    """Why ``should_stop`` said stop, in words for the step's summary."""
    _, state = load_run(ctx.site, ctx.promotion_id)
    if state.pending_rollback is not None:
        return "a rollback was requested"
    if state.paused:
        return "the run was paused"
    if state.terminal:
        return f"the run was {state.status}"
    return "the executor was stopped"


def target_row(target: Target, release: ReleaseRef, *, from_version: str | None, from_digest: str | None,
               changed: bool, status: str, detail: str) -> dict[str, Any]:
    return {"name": target.name, "driver": target.driver, "release": release.name,
            "from": from_version, "from_digest": from_digest, "to": release.version,
            "to_digest": release.digest, "changed": changed, "status": status, "detail": detail}


def _previous(result: DeployResult | None, prior: Moved | None, known: KnownRelease | None,
              seen: Mapping[str, Any] | None = None) -> tuple[str | None, str | None]:
    """What the target ran before this run touched it."""
    if prior is not None:
        return prior.from_version, prior.from_digest
    if result is not None and (result.previous_version or result.previous_digest):
        return result.previous_version, result.previous_digest
    if seen is not None and seen.get("observed"):
        return seen.get("version"), seen.get("digest")
    if known is not None:
        return known.version, known.digest
    return None, None


def _changed(result: DeployResult) -> bool:
    """Whether the attempt may have changed the target (a rollback then covers it)."""
    if result.ok or result.status in ("timed-out", "cancelled"):
        return True
    # failed: a command that ran may have done part of its work; a demo target that
    # could not be reached before the switch (no previous version read) was not touched
    return result.exit_code is not None or result.previous_digest is not None


class DeployStep:
    def __init__(self, drivers: DriversFor = DriverSet, wait: Wait = real_wait,
                 providers: ProvidersFor = default_providers) -> None:
        self.drivers = drivers
        self.wait = wait
        self.providers = providers

    def run(self, ctx: StepContext) -> StepOutcome:
        try:
            return self._run(ctx)
        except (StellaError, InputsChanged, CanaryError) as err:
            return StepOutcome(FAILED, error=str(getattr(err, "message", err)))

    def _run(self, ctx: StepContext) -> StepOutcome:
        state = ctx.state
        percent = deploy_percent(ctx.step) or 100
        env = state.to_env
        title = step_title(ctx.step)
        try:
            config = deploy_config(ctx.site, env)
            gate = config.gate_for(ctx.step)
        except DeployConfigError as err:
            return StepOutcome(FAILED, error=f"{env}: {err.message}")
        release = release_ref(ctx.site, state.release["digest"])
        everyone = environment_targets(ctx.site, env)
        if not everyone:
            return StepOutcome(FAILED, error=f"environment {env} has no deploy targets")
        stage = stage_targets(everyone, percent)
        events, _ = load_run(ctx.site, ctx.promotion_id)
        moved = moved_targets(events)
        done = {s.name for s in state.steps if s.status in DONE_STATUSES}
        extra_env: dict[str, str] = {}
        scrub = Redactor()
        if any(t.driver == COMMAND for t in stage):
            resolved = materialised_inputs(ctx, self.providers)
            extra_env = resolved.environment()
            scrub = Redactor(resolved.secret_values())  # out of the log, details and errors
        drivers = self.drivers(ctx.site, extra_env=extra_env)
        known = known_releases(ctx.site, env)
        ctx.log(f"{title}: {len(stage)} of {len(everyone)} target(s) — {', '.join(t.name for t in stage)}")
        ctx.log(f"health gate: {gate.describe()}")

        rows, failure, stopped = self._deploy(ctx, stage, release, drivers, moved, done, known, scrub)
        if failure or stopped:
            outcome = "deploy-failed" if failure else "stopped"
            reason = failure or f"deployment stopped: {stop_cause(ctx)}"
            self._evidence(ctx, release, rows, outcome, reason, None)
            outputs = {"targets": rows, "policy": gate.summary}
            if failure:
                return StepOutcome(FAILED, summary=f"deploy failed on {failure.split(':')[0]}",
                                   outputs=outputs,
                                   error=f"{failure}; retry the stage or roll back")
            return StepOutcome(WAITING, waiting_for="operator", summary=reason, outputs=outputs,
                               waiting_detail={"reason": reason + "; retry the stage to continue"})

        ctx.log(f"measuring {len(stage)} target(s) every {gate.interval_seconds:g}s "
                f"for {gate.window_seconds:g}s")
        if config.metrics is not None:
            ctx.log(f"metrics provider: {config.metrics.describe()}")
            result = run_metrics_canary(gate=gate, settings=config.metrics, targets=stage, release=release,
                                        stage=ctx.step, environment=env, clock=ctx.clock,
                                        record=lambda data: ctx.record(ev.STEP_CRITERIA, data),
                                        should_stop=ctx.should_stop, wait=self.wait, env_total=len(everyone))
        else:
            result = run_canary(gate=gate, targets=stage, sampler=drivers.health, clock=ctx.clock,
                                record=lambda data: ctx.record(ev.STEP_CRITERIA, data),
                                should_stop=ctx.should_stop, wait=self.wait, env_total=len(everyone))
        return self._decide(ctx, config.auto_continue, release, rows, result, moved)

    def _deploy(self, ctx: StepContext, stage: Sequence[Target], release: ReleaseRef, drivers: DriverSet,
                moved: Mapping[str, Moved], done: set[str], known: Mapping[str, KnownRelease],
                scrub: Redactor) -> tuple[list[dict[str, Any]], str, bool]:
        log = scrub.sink(ctx.log)
        rows: list[dict[str, Any]] = []
        for target in stage:
            prior = moved.get(target.name)
            if prior is not None and prior.step != ctx.step and prior.step in done:
                rows.append(target_row(target, release, from_version=release.version,
                                       from_digest=release.digest, changed=False, status="unchanged",
                                       detail=f"on {release.version} since {step_title(prior.step)}"))
                continue
            if ctx.should_stop():
                return rows, "", True
            seen = observe_row(drivers, target, "before-deploy")
            if not seen["observed"]:
                before = _previous(None, prior, known.get(target.name))
                why = f"cannot tell what it runs now, so nothing was deployed to it ({scrub(seen['error'])})"
                rows.append(target_row(target, release, from_version=before[0], from_digest=before[1],
                                       changed=prior is not None, status="failed", detail=why))
                log(f"[{target.name}] {why}")
                return rows, f"{target.name}: {why}", False
            before = _previous(None, prior, known.get(target.name), seen)
            intent = {"target": target.name, "driver": target.driver, "release": release.name,
                      "version": release.version, "digest": release.digest,
                      "from_version": before[0], "from_digest": before[1],
                      "observed": {k: seen[k] for k in ("release", "version", "digest")}}
            if ctx.record(ev.TARGET_DEPLOY_STARTED, intent) is False:
                return rows, "", True  # the run changed meanwhile: deploy nothing unrecorded
            try:
                result = drivers.driver(target).deploy(target, release, log=log, should_stop=ctx.should_stop)
            except DriverError as err:
                rows.append(target_row(target, release, from_version=before[0], from_digest=before[1],
                                       changed=prior is not None, status="failed", detail=scrub(err.message)))
                log(f"[{target.name}] deploy could not be attempted: {err.message}")
                return rows, f"{target.name}: {scrub(err.message)}", False
            before = _previous(result, prior, known.get(target.name), seen)
            rows.append(target_row(target, release, from_version=before[0], from_digest=before[1],
                                   changed=_changed(result) or prior is not None, status=result.status,
                                   detail=scrub(result.detail)))
            done_count = sum(1 for r in rows if r["status"] in ("succeeded", "unchanged"))
            ctx.record(ev.STEP_CRITERIA, {  # progress for the stage view; history if we crash
                "met": False, "status": "deploying", "targets": list(rows),
                "summary": f"deploying: {done_count}/{len(stage)} target(s) on {release.version}"})
            if result.ok:
                remember(ctx.site, target.env, target.name,
                         KnownRelease(release.name, release.version, release.digest), ctx.promotion_id, ctx.step)
            elif result.status == "cancelled":
                return rows, "", True
            else:
                return rows, f"{target.name}: deploy {result.status} ({scrub(result.detail)})", False
        return rows, "", False

    def _decide(self, ctx: StepContext, auto_continue: bool, release: ReleaseRef, rows: list[dict[str, Any]],
                result: CanaryResult, moved: Mapping[str, Moved]) -> StepOutcome:
        decision = result.decision
        gate = result.analysis.gate
        outputs = {"targets": rows, "policy": gate.summary, "decision": json_safe(decision.to_json())}
        if result.status == "passed":
            self._evidence(ctx, release, rows, "passed", decision.reason, result)
            ctx.log(f"health gate passed: {decision.reason}")
            summary = f"{len(rows)} target(s) on {release.version}; {gate.summary}: held"
            if auto_continue:
                return StepOutcome(SUCCEEDED, summary=summary, outputs=outputs)
            return StepOutcome(WAITING, waiting_for="continue", summary=summary + "; press Continue",
                               outputs=outputs, waiting_detail={"reason": decision.reason})
        if result.status == "breached":
            reason = f"{result.breach_reason} (policy: {gate.summary})"
            self._evidence(ctx, release, rows, "breached", decision.reason, result)
            ctx.log(f"health gate BREACHED: {decision.reason}; requesting an automatic rollback")
            last = decision.last
            preview = self._preview(ctx, release, rows, moved)
            return StepOutcome(
                FAILED, summary=f"health gate breached: {result.breach_reason}", outputs=outputs,
                error=f"health gate breached: {decision.reason}",
                auto_rollback={"reason": reason, "stage": ctx.step,
                               "measurements": json_safe(last.to_json()) if last else {},
                               "decision": json_safe(decision.to_json()), "preview": preview})
        if result.status == "inconclusive":
            self._evidence(ctx, release, rows, "inconclusive", decision.reason, result)
            ctx.log(f"health gate inconclusive: {decision.reason}")
            return StepOutcome(WAITING, waiting_for="operator", summary="health gate inconclusive",
                               outputs=outputs, waiting_detail={"reason": decision.reason})
        reason = f"measurement stopped: {stop_cause(ctx)}"
        self._evidence(ctx, release, rows, "stopped", reason, result)
        ctx.log(reason)
        return StepOutcome(WAITING, waiting_for="operator", summary=reason, outputs=outputs,
                           waiting_detail={"reason": reason + "; retry the stage to measure again"})

    def _preview(self, ctx: StepContext, release: ReleaseRef, rows: Sequence[Mapping[str, Any]],
                 moved: Mapping[str, Moved]) -> dict[str, Any]:
        """Which targets the automatic (full) rollback returns, and to what."""
        returns = {name: m.from_version for name, m in moved.items()}
        for row in rows:
            if row["changed"] and row["name"] not in returns:
                returns[row["name"]] = row["from"]
        return {"scope": "full", "targets": [{"target": name, "from": release.version, "to": to}
                                             for name, to in sorted(returns.items())]}

    def _evidence(self, ctx: StepContext, release: ReleaseRef, rows: Sequence[Mapping[str, Any]],
                  outcome: str, reason: str, result: CanaryResult | None) -> None:
        predicate = {
            "promotion": ctx.promotion_id, "environment": ctx.state.to_env, "stage": ctx.step,
            "percent": deploy_percent(ctx.step), "attempt": ctx.attempt, "action": "deploy",
            "release": {"name": release.name, "version": release.version, "digest": release.digest},
            "targets": list(rows), "outcome": outcome, "reason": reason,
            "analysis": json_safe(result.analysis.to_json()) if result else None,
            "recordedAt": ctx.site.now(),
        }
        subjects = [statements.digest_subject(f"{ctx.state.to_env}/{row['name']}", release.digest)
                    for row in rows if row["status"] in ("succeeded", "unchanged")]
        item = evidence.record_evidence(ctx.site, ctx.promotion_id, ctx.step, ctx.attempt,
                                        f"deployment-{ctx.step}", statements.DEPLOYMENT, predicate,
                                        extra_subjects=subjects)
        ctx.log(f"deployment evidence recorded at log index {item.log_index} ({item.digest[:19]}…)")
