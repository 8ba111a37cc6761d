"""Evaluate a policy against gate inputs: one outcome per rule, one verdict.

Rules run in policy order (the built-in ``feeds-fresh`` first when the policy
has no rule of that id). For each rule:

1. With ``each_finding``: it is evaluated for every finding (bound to ``f``,
   with every top-level field of the input document also in scope; see
   :mod:`engine.policy.scope` for how that is kept cheap). If it
   errors for any finding the rule's outcome is ``error``, naming those
   findings. Otherwise the findings for which it is true form ``matched``.
2. ``condition`` is evaluated (with ``matched`` in scope when step 1 ran). It
   must give a boolean: ``true`` → ``triggered`` (the findings behind it are
   ``matched``), ``false`` → ``not-triggered``; anything else, or an
   evaluation error, → ``error``.

An ``error`` outcome blocks: a rule that cannot be evaluated never passes
silently. Evaluation is deterministic: the same inputs give the same verdict,
byte for byte, in any process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.policy.inputs import GateInputs, input_document, sealed_inputs
from engine.policy.model import CompiledRule, Policy
from engine.policy.scope import Scope
from engine.policy.verdict import RuleResult, Verdict


@dataclass(frozen=True)
class Evaluation:
    """A verdict with the input document it was computed from."""

    verdict: Verdict
    document: dict[str, Any]


def evaluate_policy(policy: Policy, inputs: GateInputs) -> Evaluation:
    document = input_document(inputs, policy.max_feed_age_hours)
    programs = [c.condition for c in policy.rules] + [
        c.each_finding for c in policy.rules if c.each_finding is not None]
    scope = Scope(document, programs)
    results = tuple(_run(compiled, scope) for compiled in policy.rules)
    verdict = Verdict.decide(
        rules=results,
        findings=document["findings"],
        inputs=sealed_inputs(inputs),
        policy={"name": policy.name, "version": policy.version, "digest": policy.digest},
    )
    return Evaluation(verdict=verdict, document=document)


def _result(compiled: CompiledRule, outcome: str, *, findings: tuple[str, ...] = (),
            details: tuple[str, ...] = (), error: str | None = None) -> RuleResult:
    rule = compiled.rule
    return RuleResult(id=rule.id, action=rule.action, outcome=outcome, message=rule.message,
                      description=rule.description, definition=rule.digest,
                      findings=findings, details=details, error=error, builtin=rule.builtin)


def _run(compiled: CompiledRule, scope: Scope) -> RuleResult:
    keys = [f["key"] for f in scope.findings]
    variables = scope.variables
    matched: list[str] = []
    if compiled.each_finding is not None:
        outcomes = scope.each_finding(compiled.each_finding)
        failed = [key for key, o in zip(keys, outcomes, strict=True) if not o.ok]
        if failed:
            first_error = next(o.error for o in outcomes if not o.ok)
            return _result(compiled, "error", findings=tuple(failed),
                           error=f"each_finding failed for {len(failed)} finding(s): "
                                 f"{first_error}")
        indexes = [i for i, o in enumerate(outcomes) if o.value]
        matched = [keys[i] for i in indexes]
        variables = scope.with_matched(indexes, compiled.condition)
    outcome = compiled.condition.evaluate_bool(variables)
    if not outcome.ok:
        return _result(compiled, "error", error=f"condition failed: {outcome.error}")
    if not outcome.value:
        return _result(compiled, "not-triggered")
    return _result(compiled, "triggered", findings=tuple(matched),
                   details=_details(compiled, scope.document))


def _details(compiled: CompiledRule, document: dict[str, Any]) -> tuple[str, ...]:
    """Extra explanation for the built-in feeds rule: which feeds are stale and why."""
    if not compiled.rule.builtin:
        return ()
    if not document["feeds"]:
        return ("no feed snapshot at all",)
    return tuple(
        f"{feed['source'] or 'no source'}/{feed['ecosystem']}: {feed['reason']}"
        for feed in document["feeds"] if feed["stale"]
    )
