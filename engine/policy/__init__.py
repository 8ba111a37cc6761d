"""The policy gate (DESIGN §5): CEL rules over a documented input, explained verdicts.

Typical use::

    policy = Policy.from_bytes(policy_json)
    result = run_gate(policy, index, release=Release(...), environment="prod",
                      evaluated_at=clock.now(), sboms=[...], feeds=[...], vex=[...])
    result.verdict.outcome, result.verdict.decision_digest, result.verdict.verdict_id
    predicate = svr_predicate(result.verdict.to_json(), verifier_id=..., policy_uri=...)
    diff = diff_verdicts(recorded_document, replayed.verdict.to_json())
"""

from engine.policy.errors import (
    GateInputError,
    PolicyError,
    PolicyFormatError,
    RuleCompileError,
    VerdictFormatError,
)
from engine.policy.evaluate import Evaluation, evaluate_policy
from engine.policy.gate import GateResult, run_gate
from engine.policy.inputs import (
    Baseline,
    FeedSnapshot,
    GateInputs,
    Release,
    ReleaseComponent,
    input_document,
    sealed_inputs,
)
from engine.policy.model import BUILTIN_FEEDS_FRESH, Policy, Rule
from engine.policy.replay import VerdictDiff, diff_verdicts
from engine.policy.svr import SVR_PREDICATE_TYPE, svr_predicate
from engine.policy.verdict import (
    RuleResult,
    Verdict,
    check_verdict_document,
    decision_digest_of,
)

__all__ = [
    "BUILTIN_FEEDS_FRESH", "Baseline", "Evaluation", "FeedSnapshot", "GateInputError",
    "GateInputs", "GateResult", "Policy", "PolicyError", "PolicyFormatError", "Release",
    "ReleaseComponent", "Rule", "RuleCompileError", "RuleResult", "SVR_PREDICATE_TYPE",
    "Verdict", "VerdictDiff", "VerdictFormatError", "check_verdict_document",
    "decision_digest_of", "diff_verdicts", "evaluate_policy", "input_document", "run_gate",
    "sealed_inputs", "svr_predicate",
]
