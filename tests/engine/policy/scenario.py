"""A gate scenario on real data: the juice-shop SBOM against the real OSV corpus.

Shared by the policy tests and run in a second process by the determinism test,
so it must build everything from the repository alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from engine.canonical import canonical_digest
from engine.policy import Baseline, FeedSnapshot, Policy, Release, run_gate
from engine.policy.gate import GateResult
from engine.vuln import AdvisoryIndex, Component, CycloneDxSbom, VexDocument
from tests.engine.vuln.data import full_index, sbom

AT = datetime(2026, 2, 18, 8, 31, tzinfo=UTC)
FEED_DIGEST = "sha256:" + "5" * 64
SHOP_SBOM = "npm-juice-shop-11.1.2.cdx.json"

RELEASE_MANIFEST = {
    "name": "juice-shop", "version": "11.1.2",
    "components": [{"name": "shop", "image": "registry.local/shop/web",
                    "digest": "sha256:" + "1" * 64, "sbom": "sbom/npm-juice-shop-11.1.2.cdx.json"}],
    "workflow": "canary-10-50-100",
}
RELEASE = Release.from_manifest(RELEASE_MANIFEST, canonical_digest(RELEASE_MANIFEST))

POLICY_DOC: dict[str, Any] = {
    "name": "prod-gate",
    "version": 7,
    "feeds": {"max_age_hours": 24},
    "rules": [
        {"id": "no-critical", "description": "No unsuppressed critical finding",
         "each_finding": "!f.suppressed && f.severity == 'CRITICAL'",
         "action": "block", "message": "Critical vulnerabilities must be fixed before prod"},
        {"id": "reachable-high", "description": "High findings seen loaded at runtime",
         "each_finding": "!f.suppressed && f.severity == 'HIGH' && f.reachable == true",
         "action": "require-approval", "message": "A reachable high finding needs approval"},
        {"id": "unfixed", "description": "Findings without any fix",
         "each_finding": "!f.suppressed && !f.fix_available",
         "action": "warn", "message": "Some findings have no fix yet"},
        {"id": "too-many-highs", "condition": "counts.high > 20",
         "action": "block", "message": "More than 20 high findings"},
    ],
}


def fresh_feeds(snapshot: str = "2026-02-18T05:30:00Z") -> tuple[FeedSnapshot, ...]:
    return FeedSnapshot.per_ecosystem("osv", ["npm", "Maven", "PyPI", "Go"], snapshot,
                                      FEED_DIGEST)


def policy(rules: Sequence[dict[str, Any]] | None = None, **extra: Any) -> Policy:
    doc = {**POLICY_DOC, **extra}
    if rules is not None:
        doc["rules"] = list(rules)
    return Policy.from_json(doc)


def gate(pol: Policy | None = None, *, sboms: Sequence[CycloneDxSbom] | None = None,
         extra: Sequence[Component] = (), feeds: Sequence[FeedSnapshot] | None = None,
         vex: Sequence[VexDocument] = (), baseline: Baseline | None = None,
         observed: set[str] | None = None, index: AdvisoryIndex | None = None,
         at: datetime = AT, environment: str = "eu-prod") -> GateResult:
    return run_gate(
        pol or policy(),
        index or full_index(),
        release=RELEASE,
        environment=environment,
        evaluated_at=at,
        sboms=[sbom(SHOP_SBOM)] if sboms is None else sboms,
        extra_components=extra,
        feeds=fresh_feeds() if feeds is None else feeds,
        vex=vex,
        baseline=baseline,
        observed=observed,
    )


if __name__ == "__main__":
    print(gate().verdict.decision_digest)
