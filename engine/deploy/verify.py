"""The post-deploy verdict: from what each target reported about itself, whether the
environment runs the release, healthy, with the components the release declares.

Pure: the Post-Deploy Verify step (``app.steps.verify``) gathers the readings through the
drivers, records the evidence and turns the verdict into its outcome. A target unhealthy
or on another release fails the verification; one whose release cannot be confirmed, or
a declared component not seen loaded on a target that reports its components, warns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SUCCEEDED = "succeeded"
WARNED = "warned"
FAILED = "failed"


@dataclass(frozen=True)
class Reading:
    """One target as verification saw it: health sample, runtime report, observation."""

    target: str
    driver: str
    healthy: bool
    detail: str | None
    version: str | None
    digest: str | None
    observed: bool  # the target reported its own runtime (components loaded)
    components: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Component:
    name: str
    image: str
    digest: str


@dataclass(frozen=True)
class Verdict:
    status: str  # SUCCEEDED, WARNED or FAILED
    rows: list[dict[str, Any]]  # per target, as the runtime-reachability statement lists them
    components: list[dict[str, Any]]  # per declared component, the targets it was seen on
    problems: list[str] = field(default_factory=list)  # why it failed
    notes: list[str] = field(default_factory=list)  # why it warned

    @property
    def on_release(self) -> list[str]:
        return [r["target"] for r in self.rows if r["onRelease"]]

    @property
    def not_observed(self) -> list[str]:
        return [r["target"] for r in self.rows if not r["observed"]]


def row_of(reading: Reading, release_digest: str) -> dict[str, Any]:
    on_release = None if reading.digest is None else reading.digest == release_digest
    return {"target": reading.target, "driver": reading.driver, "healthy": reading.healthy,
            "version": reading.version, "digest": reading.digest, "onRelease": on_release,
            "observed": reading.observed, "components": [dict(c) for c in reading.components],
            "detail": reading.detail}


def verdict(readings: Sequence[Reading], declared: Sequence[Component], release_version: str,
            release_digest: str) -> Verdict:
    rows = [row_of(r, release_digest) for r in readings]
    problems: list[str] = []
    unconfirmed: list[str] = []
    for row in rows:
        if not row["healthy"]:
            problems.append(f"{row['target']} unhealthy ({row['detail'] or 'no detail'})")
        if row["onRelease"] is False:
            problems.append(f"{row['target']} runs {row['version']}, not {release_version}")
        elif row["onRelease"] is None:
            unconfirmed.append(row["target"])
    components = [{"name": c.name, "image": c.image, "digest": c.digest,
                   "loadedOn": sorted(r["target"] for r in rows
                                      if any(x.get("name") == c.name and x.get("digest") == c.digest
                                             for x in r["components"]))}
                  for c in sorted(declared, key=lambda c: c.name)]
    missing = [f"{c['name']} on {r['target']}" for c in components for r in rows
               if r["observed"] and r["target"] not in c["loadedOn"]]
    notes = []
    if unconfirmed:
        notes.append(f"cannot confirm the release on {', '.join(unconfirmed)} "
                     "(the driver reports no version)")
    if missing:
        notes.append("components not observed loaded: " + ", ".join(missing))
    status = FAILED if problems else WARNED if notes else SUCCEEDED
    return Verdict(status, rows, components, problems, notes)
