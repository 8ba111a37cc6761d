"""The rollback handler: return every target the rolled-back steps moved to the
release it ran before, through its driver, logging as it goes (seed §14.6).

Which targets and where to: :func:`engine.run.moves.moved_targets` over the run's
events (deploy stages record their intent and ``from`` per target). Before anything
is done each of those targets is asked what it runs (``target.observed``): one already
on its previous release is left alone, one that cannot be asked blocks the rollback
with the reason (never a false ROLLED-BACK), every other one is returned and asked
again to confirm. Every target is attempted even when one fails; a failure leaves the
rollback failed with the names, so an operator can fix the target and roll back again.
A ``urn:stellaops:deployment:v1`` item with ``action: rollback`` records what was done,
why (reason, ticket, who, and for an automatic rollback the measurements and the
decision that triggered it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.deploy.artifacts import release_ref_or_minimal
from app.deploy.drivers import COMMAND, DriverSet
from app.deploy.reconcile import describe, observe_all, observe_row
from app.deploy.targets import KnownRelease, environment_targets, remember, stage_targets
from app.drivers.base import DriverError, ReleaseRef, Target
from app.errors import StellaError
from app.secrets.redact import Redactor
from app.services import evidence
from app.services.promotions import load_run
from app.steps.base import RollbackOutcome, StepContext
from app.steps.deploy import DriversFor
from app.steps.inputs import ProvidersFor, default_providers, resolve_inputs
from engine.evidence import statements
from engine.run import events as ev
from engine.run.moves import RETURNED, moved_targets
from engine.run.stages import deploy_percent
from engine.run.state import RunState


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

    def observe_stage(self, site: Any, state: RunState, step: str) -> list[dict[str, Any]]:
        """What the targets of deploy stage ``step`` run now (recovery after a crash)."""
        percent = deploy_percent(step)
        if percent is None:
            return []
        try:
            targets = stage_targets(environment_targets(site, state.to_env), percent)
            extra_env, scrub = _inputs_env(site, state, self.providers, targets)
            drivers = self.drivers(site, extra_env=extra_env)
        except StellaError as err:
            return [{"target": "*", "observed": False, "purpose": "recovery", "error": err.message}]
        return [{**row, "error": scrub(row["error"])} for row in observe_all(drivers, targets, "recovery")]

    def _rollback(self, ctx: StepContext, scope: str, steps: list[str]) -> RollbackOutcome:
        events, state = load_run(ctx.site, ctx.promotion_id)
        release = state.release
        requested = next((e for e in reversed(events) if e.type == ev.ROLLBACK_REQUESTED), None)
        reason = (requested.reason if requested else None) or "rollback"
        candidates = sorted((m for m in moved_targets(events, observations=False).values() if m.step in steps),
                            key=lambda m: m.target)
        ctx.log(f"rollback ({scope}) of {', '.join(steps) or 'no step'}: {reason}")
        if not candidates:
            ctx.log("no target had been moved by these steps; nothing to return")
            self._evidence(ctx, state.to_env, release, scope, steps, requested, [])
            return RollbackOutcome(True, summary="no target had been changed; nothing to return")
        by_name = {t.name: t for t in environment_targets(ctx.site, state.to_env)}
        scrub = Redactor()
        extra_env: dict[str, str] = {}
        if any(by_name.get(m.target) and by_name[m.target].driver == COMMAND for m in candidates):
            resolved = resolve_inputs(ctx.site, release["digest"], self.providers)
            extra_env = resolved.environment()
            scrub = Redactor(resolved.secret_values())  # out of the log, details and errors
            for item in resolved.missing:
                ctx.log(f"input {item.ref} is missing for the rollback commands: {item.reason}")
        log = scrub.sink(ctx.log)
        drivers = self.drivers(ctx.site, extra_env=extra_env)
        rows: list[dict[str, Any]] = []
        seen: dict[str, dict[str, Any]] = {}
        for moved in candidates:  # ask first, record what was seen, then decide
            target = by_name.get(moved.target)
            if target is not None:
                seen[moved.target] = observe_row(drivers, target, "before-rollback")
                seen[moved.target]["error"] = scrub(seen[moved.target]["error"])
                ctx.record(ev.TARGET_OBSERVED, seen[moved.target])
                log(describe(seen[moved.target]))
        for moved in candidates:
            row = {"target": moved.target, "from": release["version"], "to": moved.from_version,
                   "to_digest": moved.from_digest, "step": moved.step}
            target = by_name.get(moved.target)
            if target is None:
                rows.append({**row, "status": "failed", "detail": "the target is no longer in the environment"})
                continue
            now = seen[moved.target]
            row["observed"] = {k: now.get(k) for k in ("version", "digest")}
            if not now["observed"]:
                rows.append({**row, "status": "blocked", "detail": (
                    f"cannot tell what it runs now ({now['error']}); it is not reported returned "
                    "until it can be asked")})
                continue
            if now["digest"] == moved.from_digest:
                rows.append({**row, "status": "unchanged",
                             "detail": f"already runs {moved.from_version or 'its previous release'}"})
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
            status, detail = result.status, scrub(result.detail)
            if result.ok:
                after = observe_row(drivers, target, "after-rollback")
                ctx.record(ev.TARGET_OBSERVED, {**after, "error": scrub(after["error"])})
                if not after["observed"] or after["digest"] != to.digest:
                    status = "failed"
                    detail = f"{detail}; but afterwards {scrub(describe(after))}"
                else:
                    remember(ctx.site, target.env, target.name, _known(to), ctx.promotion_id, None)
            rows.append({**row, "status": status, "detail": detail})
        self._evidence(ctx, state.to_env, release, scope, steps, requested, rows)
        failed = [r for r in rows if r["status"] not in RETURNED]
        returned = len(rows) - len(failed)
        if failed:
            listing = "; ".join(f"{r['target']}: {r['detail']}" for r in failed)
            return RollbackOutcome(False, targets=tuple(rows), error=(
                f"{len(failed)} of {len(rows)} target(s) could not be returned ({listing}); "
                f"{returned} returned. Fix them and roll back again"))
        moved_back = sum(1 for r in rows if r["status"] == "succeeded")
        return RollbackOutcome(True, targets=tuple(rows), summary=(
            f"{moved_back} target(s) returned to their previous release"
            + (f", {returned - moved_back} already there" if returned > moved_back else "")))

    def _evidence(self, ctx: StepContext, env: str, release: Mapping[str, Any], scope: str,
                  steps: list[str], requested: ev.Event | None, rows: list[dict[str, Any]]) -> None:
        request = dict(requested.data) if requested else {}
        predicate = {"promotion": ctx.promotion_id, "environment": env, "action": "rollback",
                     "scope": scope, "steps": steps,
                     "reason": (requested.reason if requested else None) or "rollback",
                     "ticket": request.get("ticket"),
                     "requestedBy": requested.actor if requested else None,
                     "requestedAt": requested.at if requested else None,
                     "automatic": bool(request.get("automatic")),
                     "trigger": {k: request[k] for k in ("stage", "measurements", "decision")
                                 if k in request} or None,
                     "release": dict(release), "targets": rows, "recordedAt": ctx.site.now()}
        subjects = [statements.digest_subject(f"{env}/{r['target']}", r["to_digest"])
                    for r in rows if r["status"] == "succeeded" and r.get("to_digest")]
        attempt = max(1, ctx.attempt, ctx.state.step(ctx.step).attempt)  # the attempt it undoes
        item = evidence.record_evidence(ctx.site, ctx.promotion_id, ctx.step, attempt, "rollback",
                                        statements.DEPLOYMENT, predicate, extra_subjects=subjects)
        ctx.log(f"rollback evidence recorded at log index {item.log_index}")


def _inputs_env(site: Any, state: RunState, providers: ProvidersFor,
                targets: list[Target]) -> tuple[dict[str, str], Redactor]:
    """Command targets' status commands see the same inputs as their deploy commands."""
    if not any(t.driver == COMMAND for t in targets):
        return {}, Redactor()
    resolved = resolve_inputs(site, state.release["digest"], providers)
    return resolved.environment(), Redactor(resolved.secret_values())


def _known(ref: ReleaseRef) -> KnownRelease:
    return KnownRelease(ref.name, ref.version, ref.digest)
