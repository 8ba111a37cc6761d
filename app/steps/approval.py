"""Approval: wait for N signed approvals when the environment or the gate asks for them.

N is the environment's required approvals (fixed in the run when it was created), or
at least one when the gate's outputs say ``approval_required`` (or its verdict is
``require-approval``). With N = 0 the step is skipped, saying why. Approving is done
by :mod:`app.services.approvals`, which signs with the approver's own key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.steps.base import SKIPPED, WAITING, StepContext, StepOutcome
from engine.run.stages import GATE


def gate_requires_approval(outputs: Mapping[str, Any]) -> bool:
    if outputs.get("approval_required"):
        return True
    return any(outputs.get(key) == "require-approval" for key in ("outcome", "verdict", "decision"))


class ApprovalStep:
    def run(self, ctx: StepContext) -> StepOutcome:
        state = ctx.state
        env_required = max(0, int(state.approvals_required))
        gate_outputs = state.step(GATE).outputs if GATE in [s.name for s in state.steps] else {}
        by_gate = gate_requires_approval(gate_outputs)
        required = max(env_required, 1 if by_gate else 0)
        if required == 0:
            ctx.log(f"{state.to_env} requires no approval and the gate did not ask for one")
            return StepOutcome(SKIPPED, summary="no approval required")
        why = []
        if env_required:
            why.append(f"{state.to_env} requires {env_required}")
        if by_gate:
            why.append("the policy gate requires approval")
        ctx.log(f"waiting for {required} approval(s): {'; '.join(why)}; the requester "
                f"{state.requester} cannot approve")
        return StepOutcome(WAITING, waiting_for="approval",
                           summary=f"{required} approval(s) needed",
                           waiting_detail={"required": required, "why": why,
                                           "requester": state.requester})
