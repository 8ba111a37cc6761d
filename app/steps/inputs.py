"""Inputs Materialized: resolve the release's declared ``inputs`` through the site's
secret providers (issue 6 item 5, DESIGN §4.4, §6).

Which resolved and which are missing (and why) is the step's outcome; a missing input
fails the step with the list. The evidence (``urn:stellaops:resolved-inputs:v1``)
and the outputs carry only keyed digests of the values (HMAC-SHA256 under the site's
input-digest key, :mod:`app.secrets.digest_key`), never the values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from app.context import Site
from app.secrets import InputResolver, ResolvedInputs, SecretProvider, digest_key, site_providers
from app.services import evidence
from app.steps.base import FAILED, SUCCEEDED, StepContext, StepOutcome
from engine.evidence import statements
from models import deploy_store

SECRETS_DIR = "secrets"
ProvidersFor = Callable[[Site], Sequence[SecretProvider]]


def default_providers(site: Site, environ: Mapping[str, str] | None = None) -> list[SecretProvider]:
    """The site secrets folder (``<home>/secrets``) and the environment variables."""
    return site_providers(site.paths.home / SECRETS_DIR, environ)


def declared_inputs(site: Site, release_digest: str) -> list[object]:
    with site.db.read() as session:
        manifest = deploy_store.release_manifest(session, release_digest)
    if manifest is None:
        return []
    inputs = json.loads(manifest).get("inputs") or []
    return list(inputs) if isinstance(inputs, list) else [inputs]


def resolve_inputs(site: Site, release_digest: str, providers: ProvidersFor = default_providers) -> ResolvedInputs:
    resolver = InputResolver(providers(site), digest=digest_key.digester(site.paths.keys))
    return resolver.resolve_all(declared_inputs(site, release_digest))


class InputsStep:
    def __init__(self, providers: ProvidersFor = default_providers) -> None:
        self.providers = providers

    def run(self, ctx: StepContext) -> StepOutcome:
        release = ctx.state.release
        resolved = resolve_inputs(ctx.site, release["digest"], self.providers)
        for item in resolved.items:
            if item.resolved:
                ctx.log(f"{item.ref}: resolved from {item.provider} ({str(item.digest)[:28]}…)")
            else:
                ctx.log(f"{item.ref}: MISSING — {item.reason}")
        record = resolved.record()
        predicate = {"promotion": ctx.promotion_id, "environment": ctx.state.to_env,
                     "resolvedAt": ctx.site.now(), "inputs": record,
                     "resolved": len(resolved.resolved), "missing": len(resolved.missing)}
        stored = evidence.record_evidence(ctx.site, ctx.promotion_id, ctx.step, ctx.attempt,
                                          "resolved-inputs", statements.RESOLVED_INPUTS, predicate)
        outputs = {"inputs": record, "resolved": len(resolved.resolved),
                   "missing": [r.ref for r in resolved.missing], "evidence": stored.digest}
        if resolved.missing:
            listing = "; ".join(f"{r.ref} ({r.reason})" for r in resolved.missing)
            return StepOutcome(FAILED, summary=f"{len(resolved.missing)} missing", outputs=outputs,
                               error=f"{len(resolved.missing)} of {len(resolved.items)} input(s) "
                                     f"missing: {listing}")
        if not resolved.items:
            return StepOutcome(SUCCEEDED, summary="the release declares no inputs", outputs=outputs)
        return StepOutcome(SUCCEEDED, summary=f"{len(resolved.items)} resolved, 0 missing", outputs=outputs)


class InputsChanged(Exception):
    """An input's value differs from the one materialised (its digest) earlier in the run."""


def materialised_inputs(ctx: StepContext, providers: ProvidersFor = default_providers) -> ResolvedInputs:
    """Resolve the inputs again for a deployment, refusing any whose value changed since
    Inputs Materialized recorded its digest (the run must deploy what it evidenced)."""
    resolved = resolve_inputs(ctx.site, ctx.state.release["digest"], providers)
    recorded = {r.get("ref"): r.get("digest") for r in ctx.state.step("inputs-materialized").outputs.get("inputs", [])}
    for item in resolved.items:
        if not item.resolved:
            raise InputsChanged(f"input {item.ref} can no longer be resolved: {item.reason}")
        before = recorded.get(item.ref)
        # a run materialised before digests were keyed recorded plain SHA-256
        now = item.value.digest if str(before).startswith("sha256:") and item.value else item.digest
        if before != now:
            raise InputsChanged(f"input {item.ref} changed since it was materialised "
                                f"(recorded {str(before)[:28]}…, now {str(now)[:28]}…); "
                                "retry Inputs Materialized to record the new value")
    return resolved
