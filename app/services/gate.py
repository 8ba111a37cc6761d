"""The policy gate of a promotion: gather its inputs, evaluate, record the verdict.

:func:`prepare` gathers the inputs (:mod:`app.services.gate_inputs`),
:func:`evaluate` runs the engine's gate on them — nothing is written, so the
same call gives the same decision digest in any process, any number of times —
and :func:`record` keeps a verdict: the row (verdict id, promotion, decision
digest, the full verdict document, the replay material) and the
policy-decision evidence, an in-toto SVR v0.2 statement (DESIGN §6) carrying
the whole rule-by-rule explanation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.context import Site
from app.errors import NotFound, StellaError
from app.services import evidence
from app.services.gate_inputs import (
    GateMaterial,
    NoPolicy,
    build_index,
    entries_by_digest,
    environment_baseline,
    feed_values,
    package_ecosystems,
    read_sboms,
    read_vex,
    release_root,
    release_row,
    release_value,
    runtime_observations,
    sbom_paths,
    select_feeds,
    vex_paths,
)
from app.services.gate_override import StaleFeedsOverride, latest_override
from app.services.policies import newest_policy_row, parse_policy, policy_by_digest
from app.services.promotions import load_run_in
from engine.canonical import canonical_bytes
from engine.clock import parse_rfc3339
from engine.evidence import statements
from engine.policy import Baseline, GateResult, run_gate, svr_predicate
from engine.run.state import RUN_COMPLETED
from models import feeds as q
from models.tables import Environment, GateVerdict, Promotion
from models.tables import Release as ReleaseRow

VERIFIER_ID = "urn:stellaops:policy-gate:v1"
EVIDENCE_NAME = "policy-decision"


@dataclass(frozen=True)
class GateEvaluation:
    material: GateMaterial
    result: GateResult

    @property
    def document(self) -> dict[str, Any]:
        return self.result.verdict.to_json()


def _completed(session) -> Any:
    def check(promotion_id: str) -> bool:
        try:
            _, state = load_run_in(session, promotion_id)
        except Exception:  # a broken chain is not a baseline anyone can rely on
            return False
        return state.status == RUN_COMPLETED
    return check


def prepare(site: Site, promotion_id: str, at: datetime | None = None) -> GateMaterial:
    """Gather a promotion's gate inputs now (or at ``at``) — see gate_inputs."""
    evaluated_at = at or site.clock.now()
    with site.db.read() as session:
        events, state = load_run_in(session, promotion_id)
        row = release_row(session, state.release["digest"])
        release = release_value(row)
        label = f"{release.name} {release.version}"
        root = release_root(site, row.digest, row.bundle_digest)
        sboms, sbom_files = read_sboms(root, sbom_paths(release), label)
        vex, vex_files = read_vex(root, vex_paths(root), label)
        policy_row = newest_policy_row(session)
        if policy_row is None:
            raise NoPolicy("no gate policy has been imported: import a policy bundle "
                           "(stella import POLICY-BUNDLE) before the gate can decide")
        base_policy = parse_policy(bytes(policy_row.document))
        entries = select_feeds(q.newest_coverage(session), package_ecosystems(sboms))
        components = [c for s in sboms for c in s.components]
        index = build_index(session, entries, components)
        env = session.scalar(select(Environment).where(Environment.name == state.to_env))
        baseline_name = (env.baseline if env is not None and env.baseline else state.to_env)
        baseline = environment_baseline(session, state.to_env, baseline_name, _completed(session))
        observed = runtime_observations(session, row.digest)
    feeds = feed_values(entries)
    override = latest_override(events)
    if override is not None and not override.covers(f.digest for f in feeds):
        override = None
    policy = override.apply(base_policy) if override else base_policy
    return GateMaterial(release=release, environment=state.to_env, evaluated_at=evaluated_at,
                        sboms=sboms, sbom_files=sbom_files, vex=vex, vex_files=vex_files,
                        feeds=feeds, index=index, policy=policy, base_policy=base_policy,
                        override=override, baseline=baseline, observed=observed)


def evaluate(material: GateMaterial) -> GateEvaluation:
    result = run_gate(material.policy, material.index, release=material.release,
                      environment=material.environment, evaluated_at=material.evaluated_at,
                      sboms=material.sboms, feeds=material.feeds, vex=material.vex,
                      baseline=material.baseline, observed=material.observed)
    return GateEvaluation(material, result)


def evaluate_promotion(site: Site, promotion_id: str, at: datetime | None = None
                       ) -> GateEvaluation:
    return evaluate(prepare(site, promotion_id, at))


def material_from_replay(site: Site, replay: Mapping[str, Any], *,
                         newest: bool = False, at: datetime | None = None) -> GateMaterial:
    """Rebuild the inputs of a recorded verdict from its replay material.

    Sealed (``newest=False``): the release's stored files at the recorded paths,
    the feed snapshots and base policy by digest, the recorded baseline,
    observations, override and evaluation time. What-if (``newest=True``): the
    same release, baseline and observations against the newest feed snapshots
    and policy, evaluated at ``at`` (default now).
    """
    with site.db.read() as session:
        row = release_row(session, replay["release"])
        release = release_value(row)
        label = f"{release.name} {release.version}"
        root = release_root(site, row.digest, row.bundle_digest)
        sboms, sbom_files = read_sboms(root, [f["path"] for f in replay["sboms"]], label)
        vex, vex_files = read_vex(root, [f["path"] for f in replay["vex"]], label)
        if newest:
            entries = select_feeds(q.newest_coverage(session), package_ecosystems(sboms))
            policy_row = newest_policy_row(session)
            if policy_row is None:
                raise NoPolicy("no gate policy has been imported")
            base_policy = parse_policy(bytes(policy_row.document))
        else:
            entries = entries_by_digest(session, replay["feeds"])
            base_policy = policy_by_digest(session, replay["policy"])
        index = build_index(session, entries, [c for s in sboms for c in s.components])
    feeds = feed_values(entries)
    override = (StaleFeedsOverride.from_json(replay["override"]) if replay.get("override")
                else None)
    if override is not None and newest and not override.covers(f.digest for f in feeds):
        override = None
    baseline = (Baseline(replay["baseline"]["name"], frozenset(replay["baseline"]["known"]))
                if replay.get("baseline") else None)
    observed = frozenset(replay["observed"]) if replay.get("observed") is not None else None
    evaluated_at = (at or site.clock.now()) if newest else parse_rfc3339(replay["evaluated_at"])
    return GateMaterial(release=release, environment=replay["environment"],
                        evaluated_at=evaluated_at, sboms=sboms, sbom_files=sbom_files, vex=vex,
                        vex_files=vex_files, feeds=feeds, index=index,
                        policy=override.apply(base_policy) if override else base_policy,
                        base_policy=base_policy, override=override, baseline=baseline,
                        observed=observed)


# -- recording ------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedVerdict:
    row_id: int
    verdict_id: str
    promotion_id: str
    attempt: int
    decision_digest: str
    outcome: str
    evaluated_at: str
    policy_digest: str
    base_policy_digest: str
    evidence_digest: str | None
    created_at: str

    @classmethod
    def of(cls, row: GateVerdict) -> RecordedVerdict:
        return cls(row.id, row.verdict_id, row.promotion_id, row.attempt, row.decision_digest,
                   row.outcome, row.evaluated_at, row.policy_digest, row.base_policy_digest,
                   row.evidence_digest, row.created_at)

    def to_json(self) -> dict[str, Any]:
        return {"verdict_id": self.verdict_id, "promotion": self.promotion_id,
                "attempt": self.attempt, "decision_digest": self.decision_digest,
                "outcome": self.outcome, "evaluated_at": self.evaluated_at,
                "policy_digest": self.policy_digest,
                "base_policy_digest": self.base_policy_digest,
                "evidence": self.evidence_digest, "recorded_at": self.created_at}


def svr_for(evaluation: GateEvaluation) -> dict[str, Any]:
    material = evaluation.material
    policy = material.base_policy
    extra = [{"name": f"imported-policy:{policy.name}@{policy.version}",
              "digest": _digest_map(policy.digest)}]
    if material.override is not None:
        extra.append({"name": f"override:stale-feeds:{material.override.approver}",
                      "digest": {"sha256": material.override.event}})
    return svr_predicate(evaluation.document, verifier_id=VERIFIER_ID,
                         policy_uri=f"urn:stellaops:policy:{policy.name}:{policy.version}",
                         input_attestations=extra)


def _digest_map(digest: str) -> dict[str, str]:
    algorithm, _, value = digest.partition(":")
    return {algorithm: value}


def record(site: Site, promotion_id: str, attempt: int, evaluation: GateEvaluation
           ) -> RecordedVerdict:
    """Log the policy-decision evidence, then keep the verdict row naming it."""
    document = evaluation.document
    item = evidence.record_evidence(site, promotion_id, "gate-eval", attempt, EVIDENCE_NAME,
                                    statements.POLICY_DECISION, svr_for(evaluation))
    verdict = evaluation.result.verdict
    with site.db.write() as session:
        row = GateVerdict(
            verdict_id=verdict.verdict_id, promotion_id=promotion_id, attempt=attempt,
            decision_digest=verdict.decision_digest, outcome=verdict.outcome,
            evaluated_at=verdict.evaluated_at, policy_digest=str(verdict.policy["digest"]),
            base_policy_digest=evaluation.material.base_policy.digest,
            document=canonical_bytes(document),
            replay=canonical_bytes(evaluation.material.replay_json()),
            evidence_digest=item.digest, created_at=site.now())
        session.add(row)
        session.flush()
        return RecordedVerdict.of(row)


# -- reading --------------------------------------------------------------------------
def verdicts(site: Site, promotion_id: str | None = None) -> list[RecordedVerdict]:
    with site.db.read() as session:
        query = select(GateVerdict).order_by(GateVerdict.id)
        if promotion_id is not None:
            if session.get(Promotion, promotion_id) is None:
                raise NotFound(f"no promotion {promotion_id}")
            query = query.where(GateVerdict.promotion_id == promotion_id)
        return [RecordedVerdict.of(r) for r in session.scalars(query)]


@dataclass(frozen=True)
class StoredVerdict:
    record: RecordedVerdict
    document: dict[str, Any]
    replay: dict[str, Any]


def stored_verdict(site: Site, verdict_id: str) -> StoredVerdict:
    """The latest recorded verdict with this id."""
    with site.db.read() as session:
        row = session.scalar(select(GateVerdict).where(GateVerdict.verdict_id == verdict_id)
                             .order_by(GateVerdict.id.desc()).limit(1))
        if row is None:
            raise NotFound(f"no verdict {verdict_id} has been recorded")
        return stored_of(row)


def latest_verdict(site: Site, promotion_id: str) -> StoredVerdict | None:
    with site.db.read() as session:
        row = session.scalar(select(GateVerdict).where(GateVerdict.promotion_id == promotion_id)
                             .order_by(GateVerdict.id.desc()).limit(1))
        return stored_of(row) if row is not None else None


def stored_of(row: GateVerdict) -> StoredVerdict:
    """A verdict row with its decision document and replay inputs parsed."""
    return StoredVerdict(RecordedVerdict.of(row), json.loads(row.document), json.loads(row.replay))


@dataclass(frozen=True)
class ListedVerdict:
    """A recorded verdict with the release it judged (the Replay/Verify screen's list)."""

    stored: StoredVerdict
    release_name: str
    release_version: str
    bundle_digest: str | None


def all_verdicts(site: Site) -> list[ListedVerdict]:
    """Every recorded verdict, newest first, with its release."""
    with site.db.read() as session:
        rows = session.execute(
            select(GateVerdict, ReleaseRow.name, ReleaseRow.version, ReleaseRow.bundle_digest)
            .join(Promotion, Promotion.id == GateVerdict.promotion_id)
            .join(ReleaseRow, ReleaseRow.id == Promotion.release_id)
            .order_by(GateVerdict.id.desc())).all()
        return [ListedVerdict(stored_of(row), name, version, bundle)
                for row, name, version, bundle in rows]


@dataclass(frozen=True)
class VerdictContext:
    """What a verdict's detail shows beside it: the judged release's bundle and the feed
    age its policy allowed (None when the policy is no longer stored)."""

    bundle_digest: str | None
    max_feed_age_hours: float | None


def verdict_context(site: Site, stored: StoredVerdict) -> VerdictContext:
    with site.db.read() as session:
        bundle = session.scalar(select(ReleaseRow.bundle_digest)
                                .where(ReleaseRow.digest == stored.replay["release"]))
        try:
            max_age = policy_by_digest(session, stored.replay["policy"]).max_feed_age_hours
        except StellaError:
            max_age = None
    return VerdictContext(bundle, max_age)
