"""The whole gate in one call: match the release's SBOMs, then evaluate the policy.

Storage-free: the caller loads the feed snapshot into an
:class:`~engine.vuln.index.AdvisoryIndex`, parses the SBOMs, VEX documents and
policy, and passes the evaluation time explicitly (for a replay, the recorded
``evaluated_at`` of the verdict being replayed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.policy.evaluate import evaluate_policy
from engine.policy.inputs import Baseline, FeedSnapshot, GateInputs, Release
from engine.policy.model import Policy
from engine.policy.verdict import Verdict
from engine.vuln.index import AdvisoryIndex
from engine.vuln.matching import MatchReport, match_components
from engine.vuln.sbom import Component, CycloneDxSbom
from engine.vuln.vex import VexDocument


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    document: dict[str, Any]  # the input document the rules read
    match: MatchReport


def run_gate(
    policy: Policy,
    index: AdvisoryIndex,
    *,
    release: Release,
    environment: str,
    evaluated_at: datetime,
    sboms: Sequence[CycloneDxSbom] = (),
    extra_components: Iterable[Component] = (),
    feeds: Sequence[FeedSnapshot] = (),
    vex: Sequence[VexDocument] = (),
    baseline: Baseline | None = None,
    observed: Iterable[str] | None = None,
) -> GateResult:
    """Evaluate ``policy`` for ``release`` going to ``environment`` at ``evaluated_at``.

    ``observed`` are runtime observations (purls or component names seen
    loaded); ``None`` means reachability is unknown.
    """
    components = tuple(c for sbom in sboms for c in sbom.components) + tuple(extra_components)
    observed_set = frozenset(observed) if observed is not None else None
    report = match_components(index, components, vex=vex, observed=observed_set)
    inputs = GateInputs(
        release=release,
        match=report,
        environment=environment,
        evaluated_at=evaluated_at,
        feeds=tuple(feeds),
        components=components,
        sbom_digests={(s.name or s.digest): s.digest for s in sboms},
        vex_digests=tuple(v.digest for v in vex),
        baseline=baseline,
        observed=observed_set,
    )
    evaluation = evaluate_policy(policy, inputs)
    return GateResult(verdict=evaluation.verdict, document=evaluation.document, match=report)
