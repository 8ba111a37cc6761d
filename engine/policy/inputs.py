"""Gate inputs as plain values, and the two documents made from them.

:func:`input_document` is what CEL rules read (every field described in
docs/policy-input.md). :func:`sealed_inputs` is the ``inputs`` part of the
decision digest: what a replay must reproduce to get the same verdict —
digests of the release, SBOMs, feed snapshots, matched advisories, VEX
documents, baseline and runtime observations, the package versions, the
environment name, and the evaluation time. The evaluation time is sealed
because feed ages (and so staleness) are computed against it: a replay uses
the recorded ``evaluated_at``, never the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from engine.canonical import canonical_digest
from engine.clock import parse_rfc3339, rfc3339
from engine.policy.errors import GateInputError
from engine.vuln.matching import MatchReport, package_label
from engine.vuln.sbom import Component
from engine.vuln.severity import RATINGS

INPUT_SCHEMA = "stellaops.gate-input/v1"


@dataclass(frozen=True)
class ReleaseComponent:
    """One deployable of ``release.json`` (DESIGN §4.4)."""

    name: str
    image: str | None = None
    digest: str | None = None
    sbom: str | None = None


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    digest: str
    components: tuple[ReleaseComponent, ...] = ()

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], digest: str) -> Release:
        """From a parsed ``release.json`` and its release digest."""
        for name in ("name", "version"):
            if not isinstance(manifest.get(name), str) or not manifest[name]:
                raise GateInputError("must be a non-empty string", field=f"release.{name}")
        comps = tuple(
            ReleaseComponent(name=str(c.get("name")), image=c.get("image"),
                             digest=c.get("digest"), sbom=c.get("sbom"))
            for c in manifest.get("components") or [] if isinstance(c, Mapping)
        )
        return cls(name=manifest["name"], version=manifest["version"], digest=digest,
                   components=comps)


@dataclass(frozen=True)
class FeedSnapshot:
    """One source's snapshot for one ecosystem (a feed bundle covers several)."""

    source: str
    ecosystem: str
    snapshot: str  # RFC 3339 UTC, the time the data was taken
    digest: str  # the feed-snapshot bundle digest

    @classmethod
    def per_ecosystem(cls, source: str, ecosystems: Iterable[str], snapshot: str,
                      digest: str) -> tuple[FeedSnapshot, ...]:
        return tuple(cls(source, e, snapshot, digest) for e in sorted(set(ecosystems)))


@dataclass(frozen=True)
class Baseline:
    """What the target environment already runs: findings known there.

    ``known`` holds finding keys (``"<id> <ecosystem>/<package>@<version>"``) or
    bare vulnerability ids; a finding is *new* when neither its key, its id
    nor any of its aliases is known.
    """

    name: str
    known: frozenset[str] = frozenset()

    @property
    def digest(self) -> str:
        return canonical_digest({"name": self.name, "known": sorted(self.known)})

    def is_known(self, key: str, ids: Iterable[str]) -> bool:
        return key in self.known or any(i in self.known for i in ids)


@dataclass(frozen=True)
class GateInputs:
    release: Release
    match: MatchReport
    environment: str
    evaluated_at: datetime
    feeds: tuple[FeedSnapshot, ...] = ()
    components: tuple[Component, ...] = ()  # every SBOM component, matchable or not
    sbom_digests: Mapping[str, str] = field(default_factory=dict)
    vex_digests: tuple[str, ...] = ()
    baseline: Baseline | None = None
    observed: frozenset[str] | None = None  # runtime observations, when known


def _at(inputs: GateInputs) -> datetime:
    if inputs.evaluated_at.tzinfo is None:
        raise GateInputError("must be timezone-aware", field="evaluated_at")
    return inputs.evaluated_at


def _ages(inputs: GateInputs, max_age_hours: float) -> list[dict[str, Any]]:
    at = _at(inputs)
    rows = []
    for feed in sorted(inputs.feeds, key=lambda f: (f.source, f.ecosystem, f.snapshot)):
        try:
            taken = parse_rfc3339(feed.snapshot)
        except ValueError as exc:
            raise GateInputError(str(exc), field=f"feeds {feed.source}/{feed.ecosystem}") from None
        age = round((at - taken).total_seconds() / 3600.0, 3)
        reason = None
        if age < 0:
            reason = "snapshot time is after the evaluation time"
        elif age > max_age_hours:
            reason = f"{age:g}h old, more than {max_age_hours:g}h"
        rows.append({"source": feed.source, "ecosystem": feed.ecosystem,
                     "snapshot": rfc3339(taken), "digest": feed.digest, "age_hours": age,
                     "stale": reason is not None, "missing": False, "reason": reason})
    covered = {feed.ecosystem for feed in inputs.feeds}
    needed = {c.ecosystem for c in inputs.match.packages if c.ecosystem}
    for ecosystem in sorted(needed - covered):
        rows.append({"source": None, "ecosystem": ecosystem, "snapshot": None, "digest": None,
                     "age_hours": None, "stale": True, "missing": True,
                     "reason": "no feed snapshot covers this ecosystem"})
    return rows


def _findings(inputs: GateInputs) -> list[dict[str, Any]]:
    rows = []
    for finding in inputs.match.findings:
        row = finding.to_json()
        ids = (finding.id, *finding.advisories, *finding.aliases)
        row["new"] = not (inputs.baseline and inputs.baseline.is_known(finding.key, ids))
        rows.append(row)
    return rows


def _counts(findings: list[dict[str, Any]], feeds: list[dict[str, Any]],
            inputs: GateInputs) -> dict[str, Any]:
    active = [f for f in findings if not f["suppressed"]]
    by_severity = {r: sum(1 for f in active if f["severity"] == r) for r in RATINGS}
    notes = inputs.match.notes
    return {
        "findings": len(active),
        "suppressed": len(findings) - len(active),
        "by_severity": by_severity,
        **{r.lower(): n for r, n in by_severity.items()},
        "reachable": sum(1 for f in active if f["reachable"] is True),
        "fixable": sum(1 for f in active if f["fix_available"]),
        "new": sum(1 for f in active if f["new"]),
        "withdrawn": len(inputs.match.withdrawn),
        "unevaluated": sum(1 for n in notes if n.kind == "unevaluated"),
        "unmatchable_components": sum(1 for n in notes if n.kind == "unmatchable-component"),
        "components": len(inputs.components),
        "packages": len(inputs.match.packages),
        "stale_feeds": sum(1 for f in feeds if f["stale"]),
    }


def input_document(inputs: GateInputs, max_feed_age_hours: float) -> dict[str, Any]:
    """The document CEL rules evaluate (docs/policy-input.md)."""
    feeds = _ages(inputs, max_feed_age_hours)
    findings = _findings(inputs)
    baseline = inputs.baseline
    return {
        "schema": INPUT_SCHEMA,
        "evaluated_at": rfc3339(_at(inputs)),
        "release": {
            "name": inputs.release.name,
            "version": inputs.release.version,
            "digest": inputs.release.digest,
            "components": [asdict(c) for c in inputs.release.components],
        },
        "packages": [
            {"ecosystem": c.ecosystem, "package": c.package, "version": c.version,
             "release": c.release, "purl": c.purl}
            for c in inputs.match.packages
        ],
        "findings": findings,
        "withdrawn": [w.to_json() for w in inputs.match.withdrawn],
        "notes": [n.to_json() for n in inputs.match.notes],
        "environment": {
            "name": inputs.environment,
            "baseline": ({"name": baseline.name, "digest": baseline.digest,
                          "known": sorted(baseline.known)} if baseline else None),
        },
        "feeds": feeds,
        "feeds_max_age_hours": max_feed_age_hours,
        "counts": _counts(findings, feeds, inputs),
    }


def _package_versions(inputs: GateInputs) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for c in inputs.match.packages:
        key = package_label(c.ecosystem or "", c.release, c.package or "")
        out.setdefault(key, set()).add(c.version or "")
    return {k: sorted(v) for k, v in sorted(out.items())}


def sealed_inputs(inputs: GateInputs) -> dict[str, Any]:
    """The ``inputs`` member of the decision (module docstring; docs/policy-input.md)."""
    observed = inputs.observed
    baseline = inputs.baseline
    return {
        "evaluated_at": rfc3339(_at(inputs)),
        "release": {"name": inputs.release.name, "version": inputs.release.version,
                    "digest": inputs.release.digest},
        "environment": inputs.environment,
        "sboms": dict(sorted(inputs.sbom_digests.items())),
        "packages": _package_versions(inputs),
        "feeds": [
            {"source": f.source, "ecosystem": f.ecosystem, "snapshot": f.snapshot,
             "digest": f.digest}
            for f in sorted(inputs.feeds, key=lambda f: (f.source, f.ecosystem, f.snapshot))
        ],
        "advisories": dict(inputs.match.advisories),
        "vex": sorted(inputs.vex_digests),
        "baseline": ({"name": baseline.name, "digest": baseline.digest} if baseline else None),
        "reachability": canonical_digest(sorted(observed)) if observed is not None else None,
    }
