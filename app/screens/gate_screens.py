"""What the gate screens show, loaded in one call and handed over as frozen values.

Screens never read verdict documents themselves: :func:`gate_detail` (Step
Detail of Gate Eval, seed §14.4) and :func:`replay_screen` (Replay/Verify,
seed §14.8) turn the stored verdicts, replay requests and metrics into rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.context import Site
from app.services import feeds, gate, health, policies, replay
from engine.clock import parse_rfc3339, rfc3339
from engine.vuln.severity import RATING_ORDER

SEVERITY_RANK = RATING_ORDER


@dataclass(frozen=True)
class RuleRow:
    id: str
    action: str
    outcome: str
    findings: tuple[str, ...]
    explanation: str
    builtin: bool


@dataclass(frozen=True)
class FindingRow:
    key: str
    id: str
    aliases: tuple[str, ...]
    severity: str
    score: float | None
    ecosystem: str
    package: str
    version: str
    fixed_version: str | None
    reachable: bool | None
    suppressed: bool
    vex_status: str | None
    justification: str | None
    new: bool
    rules: tuple[str, ...]  # the triggered rules that name it

    @property
    def severity_rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, -1)

    def text(self) -> str:
        """Everything a filter can match."""
        return " ".join([self.key, *self.aliases, self.severity, *self.rules,
                         self.vex_status or ""]).lower()


@dataclass(frozen=True)
class FeedInput:
    source: str
    ecosystem: str
    snapshot: str
    digest: str
    age_hours: float
    stale: bool


@dataclass(frozen=True)
class GateDetail:
    row_id: int
    verdict_id: str
    decision_digest: str
    outcome: str
    evaluated_at: str
    attempt: int
    evidence_digest: str | None
    release: Mapping[str, str]
    bundle_digest: str | None
    policy: Mapping[str, Any]
    base_policy_digest: str
    override: Mapping[str, Any] | None
    baseline: Mapping[str, Any] | None  # name, digest, known (count)
    observed: int | None
    feeds: tuple[FeedInput, ...]
    sboms: tuple[tuple[str, str], ...]
    vex: tuple[tuple[str, str], ...]
    rules: tuple[RuleRow, ...]
    findings: tuple[FindingRow, ...]
    last_replay: replay.ReplayRecord | None

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.rules if r.outcome == "triggered" and r.action == "warn")

    @property
    def result_text(self) -> str:
        text = self.outcome.upper()
        if self.warnings and self.outcome != "warn":
            text += f" ({self.warnings} WARN)"
        return text


def _explanation(rule: Mapping[str, Any]) -> str:
    parts = []
    if rule["outcome"] == "error":
        parts.append(f"ERROR: {rule['error']}")
    elif rule["outcome"] == "triggered":
        parts.append(rule["message"])
    else:
        parts.append(f"Not triggered: {rule.get('description') or rule['message']}")
    parts += list(rule.get("details") or [])
    if rule["findings"] and rule["outcome"] != "error":
        parts.append(f"{len(rule['findings'])} finding(s)")
    return " — ".join(parts)


def _stale_feeds(rules: list[Mapping[str, Any]]) -> set[str]:
    """``source/ecosystem`` of the feeds the built-in feeds-fresh rule named stale."""
    for rule in rules:
        if rule["id"] == "feeds-fresh" and rule["outcome"] == "triggered":
            return {d.split(":", 1)[0] for d in rule.get("details") or []}
    return set()


def detail_of(stored: gate.StoredVerdict, bundle_digest: str | None,
              last_replay: replay.ReplayRecord | None,
              max_feed_age_hours: float | None = None) -> GateDetail:
    """``max_feed_age_hours``: the policy's limit, to mark stale feeds even when the
    verdict's feeds rule was overridden (and so lists no details)."""
    doc, material = stored.document, stored.replay
    inputs = doc["inputs"]
    at = parse_rfc3339(doc["evaluated_at"])
    named = _stale_feeds(doc["rules"])
    feeds = []
    for f in inputs["feeds"]:
        age = (at - parse_rfc3339(f["snapshot"])).total_seconds() / 3600
        stale = f"{f['source']}/{f['ecosystem']}" in named or age < 0 or (
            max_feed_age_hours is not None and age > max_feed_age_hours)
        feeds.append(FeedInput(f["source"], f["ecosystem"], f["snapshot"], f["digest"],
                               round(age, 1), stale))
    behind: dict[str, list[str]] = {}
    for rule in doc["rules"]:
        if rule["outcome"] != "not-triggered":
            for key in rule["findings"]:
                behind.setdefault(key, []).append(rule["id"])
    findings = tuple(FindingRow(
        key=f["key"], id=f["id"], aliases=tuple(f["aliases"]), severity=f["severity"],
        score=f["score"], ecosystem=f["ecosystem"], package=f["package"], version=f["version"],
        fixed_version=f["fixed_version"], reachable=f["reachable"], suppressed=f["suppressed"],
        vex_status=f["vex_status"], justification=f["justification"], new=f["new"],
        rules=tuple(behind.get(f["key"], ()))) for f in doc["findings"])
    rules = tuple(RuleRow(r["id"], r["action"], r["outcome"], tuple(r["findings"]),
                          _explanation(r), bool(r["builtin"])) for r in doc["rules"])
    baseline = None
    if inputs.get("baseline"):
        known = len((material.get("baseline") or {}).get("known") or [])
        baseline = {**inputs["baseline"], "known": known}
    observed = material.get("observed")
    return GateDetail(
        row_id=stored.record.row_id, verdict_id=doc["verdict_id"],
        decision_digest=doc["decision_digest"], outcome=doc["outcome"],
        evaluated_at=doc["evaluated_at"], attempt=stored.record.attempt,
        evidence_digest=stored.record.evidence_digest, release=dict(inputs["release"]),
        bundle_digest=bundle_digest, policy=dict(doc["policy"]),
        base_policy_digest=stored.record.base_policy_digest, override=material.get("override"),
        baseline=baseline, observed=len(observed) if observed is not None else None,
        feeds=tuple(feeds), sboms=tuple(sorted(inputs["sboms"].items())),
        vex=tuple((f["path"], f["digest"]) for f in material.get("vex", [])),
        rules=rules, findings=findings, last_replay=last_replay)


def gate_detail(site: Site, promotion_id: str) -> GateDetail | None:
    """The latest verdict of a promotion as the Gate Eval step detail shows it."""
    stored = gate.latest_verdict(site, promotion_id)
    if stored is None:
        return None
    context = gate.verdict_context(site, stored)
    last = next((r for r in replay.requests(site, promotion_id)
                 if r.verdict_id == stored.record.verdict_id), None)
    return detail_of(stored, context.bundle_digest, last, context.max_feed_age_hours)


# -- Replay/Verify ---------------------------------------------------------------------
@dataclass(frozen=True)
class VerdictChoice:
    verdict_id: str
    promotion_id: str
    attempt: int
    outcome: str
    evaluated_at: str
    release_label: str
    release_digest: str
    bundle_digest: str | None
    baseline: str
    baseline_digest: str | None

    @property
    def label(self) -> str:
        return (f"{self.verdict_id} — {self.promotion_id} attempt {self.attempt}, "
                f"{self.outcome.upper()}, {self.evaluated_at}")


@dataclass(frozen=True)
class ReplayScreen:
    promotion_id: str | None
    promotions: tuple[str, ...]  # promotions that have verdicts
    verdicts: tuple[VerdictChoice, ...]  # newest first
    requests: tuple[replay.ReplayRecord, ...]
    metrics: replay.Determinism  # for the promotion (or overall)
    overall: replay.Determinism


def replay_screen(site: Site, promotion_id: str | None) -> ReplayScreen:
    listed = gate.all_verdicts(site)
    promotions = tuple(sorted({v.stored.record.promotion_id for v in listed}))
    choices = []
    for verdict in listed:
        row = verdict.stored.record
        if promotion_id is not None and row.promotion_id != promotion_id:
            continue
        inputs = verdict.stored.document["inputs"]
        baseline = inputs.get("baseline") or {}
        choices.append(VerdictChoice(
            row.verdict_id, row.promotion_id, row.attempt, row.outcome, row.evaluated_at,
            f"{verdict.release_name} {verdict.release_version}", inputs["release"]["digest"],
            verdict.bundle_digest, baseline.get("name") or "—", baseline.get("digest")))
    return ReplayScreen(promotion_id, promotions, tuple(choices),
                        tuple(replay.requests(site, promotion_id)),
                        replay.determinism(site, promotion_id), replay.determinism(site))


# -- Feeds + AirGap Ops ----------------------------------------------------------------
@dataclass(frozen=True)
class FeedsScreen:
    checked_at: str
    thresholds: health.Thresholds
    freshness: tuple[health.FeedFreshness, ...]
    snapshots: tuple[feeds.FeedSummary, ...]
    policies: tuple[policies.PolicySummary, ...]  # newest (in force) first


def feeds_screen(site: Site) -> FeedsScreen:
    now = site.clock.now()
    limits = health.thresholds(site)
    return FeedsScreen(rfc3339(now), limits,
                       tuple(health.feed_freshness(site, now, limits)),
                       tuple(feeds.list_snapshots(site)), tuple(policies.list_policies(site)))
