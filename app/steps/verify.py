"""Post-Deploy Verify: every target of the environment healthy and running the new
release, and a runtime-reachability statement (``urn:stellaops:runtime-reachability:v1``)
listing the components observed loaded on each target, from what the target itself
reports (the demo fleet's ``/version``); targets whose driver cannot report are listed
as not observed rather than assumed. Which release a target runs is what its health
sample says or, failing that, what the driver observes (a command target's status
command), so a command fleet is confirmed on the release rather than assumed."""

from __future__ import annotations

from app.deploy.artifacts import release_ref
from app.deploy.canary import json_safe, sample_all
from app.deploy.drivers import DriverSet
from app.deploy.reconcile import observe_row
from app.deploy.targets import environment_targets
from app.errors import StellaError
from app.services import evidence
from app.steps.base import FAILED, SUCCEEDED, WARNED, StepContext, StepOutcome
from app.steps.deploy import DriversFor
from engine.deploy import verify
from engine.evidence import statements


class VerifyStep:
    def __init__(self, drivers: DriversFor = DriverSet) -> None:
        self.drivers = drivers

    def run(self, ctx: StepContext) -> StepOutcome:
        env = ctx.state.to_env
        try:
            release = release_ref(ctx.site, ctx.state.release["digest"])
            targets = environment_targets(ctx.site, env)
        except StellaError as err:
            return StepOutcome(FAILED, error=err.message)
        if not targets:
            return StepOutcome(FAILED, error=f"environment {env} has no deploy targets")
        drivers = self.drivers(ctx.site)
        samples = sample_all(drivers.health, targets)
        readings = []
        for target, sample in zip(targets, samples, strict=True):
            report = drivers.runtime_report(target)
            seen = None if report is not None or sample.digest else observe_row(drivers, target, "verify")
            told = report or {}
            loaded = tuple(dict(c) for c in told.get("components") or [] if isinstance(c, dict))
            reading = verify.Reading(
                target.name, target.driver, sample.healthy, sample.detail,
                sample.version or told.get("version") or (seen or {}).get("version"),
                sample.digest or told.get("digest") or (seen or {}).get("digest"),
                observed=report is not None, components=loaded)
            readings.append(reading)
            ctx.log(f"{target.name}: {'healthy' if sample.healthy else 'UNHEALTHY'}, "
                    f"running {reading.version or 'unknown'}"
                    + (f", components {', '.join(c.get('name', '?') for c in loaded)}" if loaded else ""))
        declared = {c.name: verify.Component(c.name, c.image, c.digest) for c in release.components}
        result = verify.verdict(readings, list(declared.values()), release.version, release.digest)
        rows, components = result.rows, result.components
        predicate = json_safe({
            "promotion": ctx.promotion_id, "environment": env, "observedAt": ctx.site.now(),
            "release": {"name": release.name, "version": release.version, "digest": release.digest},
            "source": "what each target reports about itself (demo fleet: GET /version)",
            "targets": rows, "components": components, "notObserved": result.not_observed,
        })
        subjects = [statements.digest_subject(f"{env}/{name}", release.digest)
                    for name in result.on_release]
        item = evidence.record_evidence(ctx.site, ctx.promotion_id, ctx.step, ctx.attempt,
                                        "runtime-reachability", statements.RUNTIME_REACHABILITY,
                                        predicate, extra_subjects=subjects)
        # not "targets": that key holds {name, from, to} rows of deploy stages (rollback preview)
        outputs = {"verified": [{k: r[k] for k in ("target", "healthy", "version", "onRelease")} for r in rows],
                   "components": components, "evidence": item.digest}
        if result.status == verify.FAILED:
            return StepOutcome(FAILED, outputs=outputs,
                               error="verification failed: " + "; ".join(result.problems))
        if result.status == verify.WARNED:
            return StepOutcome(WARNED, outputs=outputs, summary="; ".join(result.notes))
        return StepOutcome(SUCCEEDED, outputs=outputs,
                           summary=f"{len(rows)}/{len(rows)} target(s) healthy on {release.version}")
