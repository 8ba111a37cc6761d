"""Verdicts: every rule's outcome and why, with a verdict id and a decision digest.

The decision digest is exactly DESIGN §5's: ``sha256:`` + hex SHA-256 of the
RFC 8785 canonical JSON of ::

    {"inputs": <sealed inputs (engine.policy.inputs.sealed_inputs)>,
     "policy": "<policy digest>",
     "verdict": {"outcome": …, "rules": [<rule results>], "findings": [<findings>]}}

and the verdict id is ``"verdict-"`` + the first 12 hex digits of that digest,
so the id, too, is the same whenever the decision is. The verdict document
(:meth:`Verdict.to_json`) carries all three parts, so anyone can recompute the
digest from it (:func:`decision_digest_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.canonical import canonical_digest
from engine.policy.errors import VerdictFormatError

VERDICT_SCHEMA = "stellaops.verdict/v1"
OUTCOMES = ("pass", "warn", "require-approval", "block")
RULE_OUTCOMES = ("triggered", "not-triggered", "error")
# Fields of a finding that a verdict records (the rest stay in the input document).
FINDING_FIELDS = ("key", "id", "aliases", "advisories", "ecosystem", "package", "version",
                  "severity", "score", "fixed_version", "reachable", "suppressed",
                  "vex_status", "justification", "new")


@dataclass(frozen=True)
class RuleResult:
    id: str
    action: str
    outcome: str  # one of RULE_OUTCOMES
    message: str
    description: str | None
    definition: str  # digest of the rule's definition
    findings: tuple[str, ...] = ()  # keys of the findings behind the outcome
    details: tuple[str, ...] = ()
    error: str | None = None
    builtin: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "action": self.action, "outcome": self.outcome,
            "message": self.message, "description": self.description,
            "definition": self.definition, "findings": list(self.findings),
            "details": list(self.details), "error": self.error, "builtin": self.builtin,
        }


def overall_outcome(results: tuple[RuleResult, ...]) -> str:
    """``block`` if any rule errored or a blocking rule triggered, else the strictest
    triggered action (require-approval over warn), else ``pass``."""
    rank = {"pass": 0, "warn": 1, "require-approval": 2, "block": 3}
    worst = "pass"
    for result in results:
        action = "block" if result.outcome == "error" else (
            result.action if result.outcome == "triggered" else "pass")
        if rank[action] > rank[worst]:
            worst = action
    return worst


@dataclass(frozen=True)
class Verdict:
    outcome: str
    rules: tuple[RuleResult, ...]
    findings: tuple[Mapping[str, Any], ...]
    inputs: Mapping[str, Any]
    policy: Mapping[str, Any]  # name, version, digest
    decision_digest: str
    verdict_id: str

    @classmethod
    def decide(cls, *, rules: tuple[RuleResult, ...], findings: list[Mapping[str, Any]],
               inputs: Mapping[str, Any], policy: Mapping[str, Any]) -> Verdict:
        outcome = overall_outcome(rules)
        compact = tuple({k: f[k] for k in FINDING_FIELDS} for f in findings)
        decision = _decision(inputs, policy["digest"], outcome,
                             [r.to_json() for r in rules], list(compact))
        digest = canonical_digest(decision)
        return cls(outcome=outcome, rules=rules, findings=compact, inputs=inputs,
                   policy=dict(policy), decision_digest=digest,
                   verdict_id=verdict_id_of(digest))

    @property
    def evaluated_at(self) -> str:
        return str(self.inputs["evaluated_at"])

    def rule(self, rule_id: str) -> RuleResult:
        for result in self.rules:
            if result.id == rule_id:
                return result
        raise KeyError(rule_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": VERDICT_SCHEMA,
            "verdict_id": self.verdict_id,
            "decision_digest": self.decision_digest,
            "evaluated_at": self.evaluated_at,
            "outcome": self.outcome,
            "policy": dict(self.policy),
            "inputs": dict(self.inputs),
            "rules": [r.to_json() for r in self.rules],
            "findings": [dict(f) for f in self.findings],
        }


def verdict_id_of(decision_digest: str) -> str:
    return "verdict-" + decision_digest.removeprefix("sha256:")[:12]


def _decision(inputs: Mapping[str, Any], policy_digest: str, outcome: str,
              rules: list[Any], findings: list[Any]) -> dict[str, Any]:
    return {"inputs": inputs, "policy": policy_digest,
            "verdict": {"outcome": outcome, "rules": rules, "findings": findings}}


def decision_digest_of(document: Mapping[str, Any]) -> str:
    """Recompute the decision digest of a verdict document (:meth:`Verdict.to_json`)."""
    try:
        decision = _decision(document["inputs"], document["policy"]["digest"],
                             document["outcome"], document["rules"], document["findings"])
    except (KeyError, TypeError) as exc:
        raise VerdictFormatError(f"not a verdict document: missing {exc}") from None
    return canonical_digest(decision)


def check_verdict_document(document: Mapping[str, Any]) -> None:
    """Raise :class:`VerdictFormatError` unless the document's digest and id hold."""
    if not isinstance(document, Mapping) or document.get("schema") != VERDICT_SCHEMA:
        raise VerdictFormatError(f"not a verdict document (schema must be {VERDICT_SCHEMA!r})")
    digest = decision_digest_of(document)
    if digest != document.get("decision_digest"):
        raise VerdictFormatError(
            f"decision digest does not match the content (recorded "
            f"{document.get('decision_digest')}, computed {digest})")
    if verdict_id_of(digest) != document.get("verdict_id"):
        raise VerdictFormatError("verdict id does not match the decision digest")
