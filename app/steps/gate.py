"""Gate Eval (Policy): evaluate the newest policy against the release on the newest feed
data, record the verdict and its policy-decision evidence, and decide the step.

Outcome → step: ``pass`` succeeds; ``warn`` is ``warned``; ``require-approval``
succeeds with ``approval_required`` in the outputs (the Approval step then waits
for a signed approval); ``block`` fails with the messages of the rules that
blocked. Stale feeds block through the ``feeds-fresh`` rule unless an approver
recorded an override (:mod:`app.services.gate_override`). Inputs that cannot be
read (no policy, a missing SBOM) fail the step with the reason: the gate never
passes on data it did not see.
"""

from __future__ import annotations

from typing import Any

from app.errors import StellaError
from app.services import gate
from app.steps.base import FAILED, SUCCEEDED, WARNED, StepContext, StepOutcome
from engine.clock import parse_rfc3339


def feed_rows(document: dict[str, Any], inputs_feeds: list[dict[str, Any]]) -> list[dict]:
    """Feed ages as of the evaluation, for the outputs."""
    at = parse_rfc3339(document["evaluated_at"])
    rows = []
    for feed in inputs_feeds:
        age = round((at - parse_rfc3339(feed["snapshot"])).total_seconds() / 3600.0, 2)
        rows.append({"source": feed["source"], "ecosystem": feed["ecosystem"],
                     "snapshot": feed["snapshot"], "age_hours": age})
    return rows


class GateStep:
    def run(self, ctx: StepContext) -> StepOutcome:
        try:
            material = gate.prepare(ctx.site, ctx.promotion_id)
        except StellaError as exc:
            ctx.log(f"cannot evaluate the gate: {exc.message}")
            return StepOutcome(FAILED, error=exc.message)
        policy = material.base_policy
        ctx.log(f"policy {policy.name} v{policy.version} ({policy.digest[:19]}…), "
                f"{len(policy.rules)} rule(s)")
        ctx.log(f"release {material.release.name} {material.release.version}: "
                f"{len(material.sboms)} SBOM(s), {len(material.vex)} VEX document(s)")
        for feed in material.feeds:
            ctx.log(f"feed {feed.source}/{feed.ecosystem}: snapshot {feed.snapshot} "
                    f"({feed.digest[:19]}…)")
        if not material.feeds:
            ctx.log("no feed snapshot has been imported")
        ctx.log(f"{len(material.index)} candidate advisories for the release's packages; "
                f"baseline {material.baseline.name if material.baseline else '—'} "
                f"({len(material.baseline.known) if material.baseline else 0} known); runtime "
                f"observations: {'none' if material.observed is None else len(material.observed)}")
        if material.override is not None:
            ctx.log(f"stale-feeds override by {material.override.approver} applies: "
                    f"{material.override.reason}")
        evaluation = gate.evaluate(material)
        recorded = gate.record(ctx.site, ctx.promotion_id, ctx.attempt, evaluation)
        verdict = evaluation.result.verdict
        document = evaluation.document
        for rule in verdict.rules:
            ctx.log(f"rule {rule.id} ({rule.action}): {rule.outcome}"
                    + (f" — {len(rule.findings)} finding(s)" if rule.findings else "")
                    + (f" — {rule.error}" if rule.error else ""))
        ctx.log(f"verdict {verdict.verdict_id}: {verdict.outcome.upper()} "
                f"(decision digest {verdict.decision_digest})")
        triggered = [r for r in verdict.rules if r.outcome != "not-triggered"]
        counts = evaluation.result.document["counts"]
        outputs: dict[str, Any] = {
            "verdict_id": verdict.verdict_id,
            "decision_digest": verdict.decision_digest,
            "outcome": verdict.outcome,
            "policy": {"name": policy.name, "version": str(policy.version),
                       "digest": policy.digest},
            "feeds": feed_rows(document, document["inputs"]["feeds"]),
            "findings": counts["findings"],
            "suppressed": counts["suppressed"],
            "triggered": [f"{r.id} ({r.action})" for r in triggered],
            "evidence": recorded.evidence_digest,
            "approval_required": verdict.outcome == "require-approval",
        }
        if material.override is not None:
            outputs["override"] = {"approver": material.override.approver,
                                   "reason": material.override.reason,
                                   "at": material.override.at}
        summary = _summary(verdict.outcome, triggered, counts["findings"], counts["suppressed"])
        if verdict.outcome == "block":
            blocking = [r for r in triggered if r.action == "block" or r.outcome == "error"]
            error = "; ".join(f"{r.id}: {r.error or r.message}" for r in blocking)
            return StepOutcome(FAILED, summary=summary, outputs=outputs,
                               error=f"BLOCK — {error}")
        if verdict.outcome == "warn":
            return StepOutcome(WARNED, summary=summary, outputs=outputs)
        return StepOutcome(SUCCEEDED, summary=summary, outputs=outputs)


def findings_text(open_count: int, suppressed: int) -> str:
    """``5 findings, 1 suppressed by VEX``: every finding counted, and why fewer count
    against the release — the same words in the timeline and in the Gate tab."""
    total = open_count + suppressed
    text = f"{total} finding{'' if total == 1 else 's'}"
    return text + (f", {suppressed} suppressed by VEX" if suppressed else "")


def _summary(outcome: str, triggered: list, findings: int, suppressed: int = 0) -> str:
    label = outcome.upper()
    warns = sum(1 for r in triggered if r.action == "warn")
    if warns and outcome != "warn":
        label += f" ({warns} WARN)"
    elif warns:
        label += f" ({warns} rule{'s' if warns > 1 else ''})"
    return f"{label} — {findings_text(findings, suppressed)}"
