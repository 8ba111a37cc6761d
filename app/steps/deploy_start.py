"""Deploy Workflow Start: before anything is deployed, check that the environment has
targets, that every target's driver can be built and reached, and that the release
can be deployed by them; then record the plan (targets per stage, gate per stage)."""

from __future__ import annotations

from typing import Any

from app.deploy.artifacts import artifacts_dir, release_ref
from app.deploy.canary import sample_all
from app.deploy.config import DeployConfig, DeployConfigError
from app.deploy.drivers import COMMAND, DriverSet
from app.deploy.settings import deploy_config
from app.deploy.targets import environment_targets, plan
from app.drivers.base import DriverError, Target
from app.drivers.demo_fleet import DRIVER_NAME as DEMO_FLEET
from app.errors import StellaError
from app.services import evidence
from app.steps.base import FAILED, SUCCEEDED, WARNED, StepContext, StepOutcome
from app.steps.deploy import DriversFor
from engine.evidence import statements
from engine.run.stages import Workflow, deploy_step


def provenance(ctx: StepContext, release: Any, stages: dict[str, list[str]],
               gates: dict[str, str], fleet: list[dict[str, Any]]) -> dict[str, Any]:
    """What is about to be deployed where, by digest, and what each target runs before
    (seed §14.2: provenance at Deploy Workflow Start)."""
    return {
        "promotion": ctx.promotion_id,
        "environment": ctx.state.to_env,
        "workflow": ctx.state.workflow,
        "release": {"name": release.name, "version": release.version, "digest": release.digest},
        "components": [{"name": c.name, "image": c.image, "digest": c.digest}
                       for c in release.components],
        "plan": stages,
        "gates": gates,
        "before": [{"target": r["name"], "driver": r["driver"], "version": r["version"],
                    "digest": r["digest"], "healthy": r["healthy"]} for r in fleet],
        "startedAt": ctx.site.now(),
    }


class DeployStartStep:
    def __init__(self, drivers: DriversFor = DriverSet) -> None:
        self.drivers = drivers

    def run(self, ctx: StepContext) -> StepOutcome:
        state = ctx.state
        env = state.to_env
        try:
            config = deploy_config(ctx.site, env)
            workflow = Workflow.parse(state.workflow)
            gates = {deploy_step(p): config.gate_for(deploy_step(p)).summary for p in workflow.percents}
            release = release_ref(ctx.site, state.release["digest"])
            targets = environment_targets(ctx.site, env)
        except (DeployConfigError, StellaError) as err:
            return StepOutcome(FAILED, error=err.message)
        if not targets:
            return StepOutcome(FAILED, error=f"environment {env} has no deploy targets; add them "
                                             f"with `stella target add {env} NAME --driver …`")
        stages = plan(targets, workflow.percents)
        for step, names in stages.items():
            ctx.log(f"{step}: {', '.join(names)}  (gate: {gates[step]})")
        outputs: dict[str, Any] = {"plan": stages, "gates": gates, "auto_continue": config.auto_continue}
        if any(t.driver == DEMO_FLEET for t in targets) and release.artifacts_dir is None:
            return StepOutcome(FAILED, outputs=outputs, error=(
                f"{release.label} has no artifacts folder ({artifacts_dir(ctx.site, release.digest)}), "
                "which demo-fleet targets need (artifacts/<component>/app.json)"))
        unmeasurable = _unmeasurable(config, targets, workflow)
        if unmeasurable:
            return StepOutcome(FAILED, outputs=outputs, error=unmeasurable)
        drivers = self.drivers(ctx.site)
        problems = []
        for target in targets:
            try:
                drivers.driver(target)
            except DriverError as err:
                problems.append(f"{target.name}: {err.message}")
        if problems:
            return StepOutcome(FAILED, outputs=outputs, error="drivers cannot be used: " + "; ".join(problems))
        samples = sample_all(drivers.health, targets)
        fleet = [{"name": s.target, "driver": t.driver, "healthy": s.healthy, "version": s.version,
                  "digest": s.digest, "detail": s.detail} for t, s in zip(targets, samples, strict=True)]
        outputs["fleet"] = fleet
        for row in fleet:
            state_text = "healthy" if row["healthy"] else f"UNHEALTHY ({row['detail']})"
            ctx.log(f"{row['name']} ({row['driver']}): {state_text}, running {row['version'] or 'unknown'}")
        unhealthy = [s.target for s in samples if not s.healthy]
        if len(unhealthy) == len(fleet):
            return StepOutcome(FAILED, outputs=outputs,
                               error=f"no target of {env} is healthy: " + "; ".join(
                                   f"{r['name']}: {r['detail']}" for r in fleet))
        item = evidence.record_evidence(
            ctx.site, ctx.promotion_id, ctx.step, ctx.attempt, "deploy-provenance",
            statements.DEPLOY_PROVENANCE, provenance(ctx, release, stages, gates, fleet))
        outputs["evidence"] = item.digest
        if unhealthy:
            return StepOutcome(WARNED, outputs=outputs,
                               summary=f"{len(unhealthy)} of {len(fleet)} target(s) unhealthy: "
                                       + ", ".join(unhealthy))
        return StepOutcome(SUCCEEDED, outputs=outputs,
                           summary=f"{len(targets)} target(s) healthy; {workflow.title}")


def _unmeasurable(config: DeployConfig, targets: list[Target], workflow: Workflow) -> str:
    """A gate that could never be judged: its error-rate or latency limit on command
    targets whose health command reports only an exit status (no metrics)."""
    if config.commands is None or config.commands.health_output != "exit-status":
        return ""
    if not any(t.driver == COMMAND for t in targets):
        return ""
    for percent in workflow.percents:
        gate = config.gate_for(deploy_step(percent))
        limits = [name for name, value in (("max_error_rate", gate.max_error_rate),
                                           ("max_p95_ms", gate.max_p95_ms)) if value is not None]
        if limits:
            return (f"the health gate of {deploy_step(percent)} limits {' and '.join(limits)}, but the "
                    "health command reports only its exit status, so those can never be measured: "
                    "set them to null in the gates, or give a health command with "
                    "health_output 'prometheus'")
    return ""
