"""Post-Deploy Verify: every target of the environment healthy and running the new
release, and a runtime-reachability statement (``urn:stellaops:runtime-reachability:v1``)
listing the components observed loaded on each target, from what the target itself
reports (the demo fleet's ``/version``); targets whose driver cannot report are listed
as not observed rather than assumed. Which release a target runs is what its health
sample says or, failing that, what the driver observes (a command target's status
command), so a command fleet is confirmed on the release rather than assumed."""

from __future__ import annotations

from typing import Any

from app.deploy.artifacts import release_ref
from app.deploy.canary import json_safe, sample_all
from app.deploy.drivers import DriverSet
from app.deploy.reconcile import observe_row
from app.deploy.targets import environment_targets
from app.errors import StellaError
from app.services import evidence
from app.steps.base import FAILED, SUCCEEDED, WARNED, StepContext, StepOutcome
from app.steps.deploy import DriversFor
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
        declared = {c.name: c for c in release.components}
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        unconfirmed: list[str] = []
        for target, sample in zip(targets, samples, strict=True):
            report = drivers.runtime_report(target)
            seen = None if report is not None or sample.digest else observe_row(drivers, target, "verify")
            digest = sample.digest or (report or {}).get("digest") or (seen or {}).get("digest")
            on_release = None if digest is None else digest == release.digest
            loaded = [dict(c) for c in (report or {}).get("components") or [] if isinstance(c, dict)]
            rows.append({"target": target.name, "driver": target.driver, "healthy": sample.healthy,
                         "version": sample.version or (report or {}).get("version") or (seen or {}).get("version"),
                         "digest": digest,
                         "onRelease": on_release, "observed": report is not None,
                         "components": loaded, "detail": sample.detail})
            if not sample.healthy:
                problems.append(f"{target.name} unhealthy ({sample.detail or 'no detail'})")
            if on_release is False:
                problems.append(f"{target.name} runs {rows[-1]['version']}, not {release.version}")
            elif on_release is None:
                unconfirmed.append(target.name)
            ctx.log(f"{target.name}: {'healthy' if sample.healthy else 'UNHEALTHY'}, "
                    f"running {rows[-1]['version'] or 'unknown'}"
                    + (f", components {', '.join(c.get('name', '?') for c in loaded)}" if loaded else ""))
        components = [{"name": name, "image": c.image, "digest": c.digest,
                       "loadedOn": sorted(r["target"] for r in rows
                                          if any(x.get("name") == name and x.get("digest") == c.digest
                                                 for x in r["components"]))}
                      for name, c in sorted(declared.items())]
        missing = [f"{c['name']} on {r['target']}" for c in components for r in rows
                   if r["observed"] and r["target"] not in c["loadedOn"]]
        predicate = json_safe({
            "promotion": ctx.promotion_id, "environment": env, "observedAt": ctx.site.now(),
            "release": {"name": release.name, "version": release.version, "digest": release.digest},
            "source": "what each target reports about itself (demo fleet: GET /version)",
            "targets": rows, "components": components,
            "notObserved": [r["target"] for r in rows if not r["observed"]],
        })
        subjects = [statements.digest_subject(f"{env}/{r['target']}", release.digest)
                    for r in rows if r["onRelease"]]
        item = evidence.record_evidence(ctx.site, ctx.promotion_id, ctx.step, ctx.attempt,
                                        "runtime-reachability", statements.RUNTIME_REACHABILITY,
                                        predicate, extra_subjects=subjects)
        # not "targets": that key holds {name, from, to} rows of deploy stages (rollback preview)
        outputs = {"verified": [{k: r[k] for k in ("target", "healthy", "version", "onRelease")} for r in rows],
                   "components": components, "evidence": item.digest}
        if problems:
            return StepOutcome(FAILED, outputs=outputs, error="verification failed: " + "; ".join(problems))
        notes = []
        if unconfirmed:
            notes.append(f"cannot confirm the release on {', '.join(unconfirmed)} (the driver reports no version)")
        if missing:
            notes.append("components not observed loaded: " + ", ".join(missing))
        if notes:
            return StepOutcome(WARNED, outputs=outputs, summary="; ".join(notes))
        return StepOutcome(SUCCEEDED, outputs=outputs,
                           summary=f"{len(rows)}/{len(rows)} target(s) healthy on {release.version}")
