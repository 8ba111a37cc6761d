"""Approval: wait for N signed approvals when the environment or the gate asks for them.

N is the environment's required approvals (fixed in the run when it was created), or
at least one when the gate's outputs say ``approval_required`` (or its verdict is
``require-approval``). With N = 0 the step is skipped, saying why. Approving is done
by :mod:`app.services.approvals`, which signs with the approver's own key.

Whoever appends the approval step's success, the executor passes it only when
:func:`approval_refusal` finds nothing wrong: the approvals are checked by the one
rule of :mod:`engine.evidence.approval_rule`, not counted from the events.
"""

from __future__ import annotations

from app.context import Site
from app.services.authority import approval_check
from app.services.promotions import load_run_in
from app.steps.base import SKIPPED, WAITING, StepContext, StepOutcome
from engine.evidence.approval_rule import gate_requires_approval
from engine.run.stages import APPROVAL, GATE
from engine.run.state import DONE_STATUSES, RunState


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


def approval_refusal(site: Site, state: RunState, step: str) -> str | None:
    """Why the run may not go on to ``step`` past its approval step, or None.

    Only a step after a passed (or skipped) approval step is checked; the approvals
    must then satisfy the approval rule on the run as stored now."""
    names = [s.name for s in state.steps]
    if APPROVAL not in names or step not in names or names.index(step) <= names.index(APPROVAL):
        return None
    if state.step(APPROVAL).status not in DONE_STATUSES:
        return None
    with site.db.read() as session:
        events, _ = load_run_in(session, state.promotion_id)
        check = approval_check(session, state.promotion_id, events)
    return None if check.ok else check.why
