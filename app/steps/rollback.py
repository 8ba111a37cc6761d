"""The rollback handler: return every target the rolled-back steps moved to the
release it ran before, through its driver, logging as it goes (seed §14.6).

Which targets and where to: :func:`app.deploy.history.moved_targets` over the run's
events (deploy stages record ``from`` per target). Every target is attempted even
when one fails; a failure leaves the rollback failed with the names, so an operator
can fix the target and roll back again (targets already returned are no-ops then).
A ``urn:stellaops:deployment:v1`` item with ``action: rollback`` records what was done.
"""

from __future__ import annotations

from typing import Any

from app.deploy.artifacts import release_ref_or_minimal
from app.deploy.drivers import COMMAND, DriverSet
from app.deploy.history import moved_targets
from app.deploy.targets import KnownRelease, environment_targets, remember
from app.drivers.base import DriverError, ReleaseRef
from app.errors import StellaError
from app.secrets.redact import Redactor
from app.services import evidence
from app.services.promotions import load_run
from app.steps.base import RollbackOutcome, StepContext
from app.steps.deploy import DriversFor
from app.steps.inputs import ProvidersFor, default_providers, resolve_inputs
from engine.evidence import statements
from engine.run import events as ev


class DriverRollback:
    def __init__(self, drivers: DriversFor = DriverSet, providers: ProvidersFor = default_providers) -> None:
        self.drivers = drivers
        self.providers = providers

    def rollback(self, ctx: StepContext, scope: str, steps: list[str]) -> RollbackOutcome:
        try:
            return self._rollback(ctx, scope, steps)
        except StellaError as err:  # e.g. the environment or its settings are gone
            ctx.log(f"rollback failed: {err.message}")
            return RollbackOutcome(False, error=err.message)

    def _rollback(self, ctx: StepContext, scope: str, steps: list[str]) -> RollbackOutcome:
        events, state = load_run(ctx.site, ctx.promotion_id)
        release = state.release
        requested = next((e for e in reversed(events) if e.type == ev.ROLLBACK_REQUESTED), None)
        reason = (requested.reason if requested else None) or "rollback"
        chosen = sorted((m for m in moved_targets(events).values() if m.step in steps), key=lambda m: m.target)
        ctx.log(f"rollback ({scope}) of {', '.join(steps) or 'no step'}: {reason}")
        if not chosen:
            ctx.log("no target had been moved by these steps; nothing to return")
            return RollbackOutcome(True, summary="no target had been changed; nothing to return")
        by_name = {t.name: t for t in environment_targets(ctx.site, state.to_env)}
        scrub = Redactor()
        extra_env: dict[str, str] = {}
        if any(by_name.get(m.target) and by_name[m.target].driver == COMMAND for m in chosen):
            resolved = resolve_inputs(ctx.site, release["digest"], self.providers)
            extra_env = resolved.environment()
            scrub = Redactor(resolved.secret_values())  # out of the log, details and errors
            for item in resolved.missing:
                ctx.log(f"input {item.ref} is missing for the rollback commands: {item.reason}")
        log = scrub.sink(ctx.log)
        drivers = self.drivers(ctx.site, extra_env=extra_env)
        rows: list[dict[str, Any]] = []
        for moved in chosen:
            row = {"target": moved.target, "from": release["version"], "to": moved.from_version,
                   "to_digest": moved.from_digest, "step": moved.step}
            target = by_name.get(moved.target)
            if target is None:
                rows.append({**row, "status": "failed", "detail": "the target is no longer in the environment"})
                continue
            if not moved.from_digest or not moved.from_version:
                rows.append({**row, "status": "failed", "detail": (
                    "what this target ran before is unknown (its driver did not say and the site "
                    "never deployed to it); return it by hand")})
                log(f"[{target.name}] cannot roll back: previous release unknown")
                continue
            try:
                to = release_ref_or_minimal(ctx.site, moved.release_name or release["name"],
                                            moved.from_version, moved.from_digest)
                result = drivers.driver(target).rollback(target, to, log=log, should_stop=ctx.should_stop)
            except DriverError as err:
                rows.append({**row, "status": "failed", "detail": scrub(err.message)})
                log(f"[{target.name}] rollback could not be attempted: {err.message}")
                continue
            rows.append({**row, "status": result.status, "detail": scrub(result.detail)})
            if result.ok:
                remember(ctx.site, target.env, target.name, _known(to), ctx.promotion_id, None)
        self._evidence(ctx, state.to_env, release, scope, steps, reason, rows)
        failed = [r for r in rows if r["status"] != "succeeded"]
        returned = len(rows) - len(failed)
        if failed:
            listing = "; ".join(f"{r['target']}: {r['detail']}" for r in failed)
            return RollbackOutcome(False, targets=tuple(rows), error=(
                f"{len(failed)} of {len(rows)} target(s) could not be returned ({listing}); "
                f"{returned} returned. Fix them and roll back again"))
        return RollbackOutcome(True, targets=tuple(rows),
                               summary=f"{returned} target(s) returned to their previous release")

    def _evidence(self, ctx: StepContext, env: str, release: dict[str, Any], scope: str,
                  steps: list[str], reason: str, rows: list[dict[str, Any]]) -> None:
        predicate = {"promotion": ctx.promotion_id, "environment": env, "action": "rollback",
                     "scope": scope, "steps": steps, "reason": reason,
                     "release": dict(release), "targets": rows, "recordedAt": ctx.site.now()}
        subjects = [statements.digest_subject(f"{env}/{r['target']}", r["to_digest"])
                    for r in rows if r["status"] == "succeeded" and r.get("to_digest")]
        item = evidence.record_evidence(ctx.site, ctx.promotion_id, ctx.step, ctx.attempt, "rollback",
                                        statements.DEPLOYMENT, predicate, extra_subjects=subjects)
        ctx.log(f"rollback evidence recorded at log index {item.log_index}")


def _known(ref: ReleaseRef) -> KnownRelease:
    return KnownRelease(ref.name, ref.version, ref.digest)
