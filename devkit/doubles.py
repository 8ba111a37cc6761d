"""Step doubles: stand-ins for the real step implementations, for tests only.

They do what the real steps report (outcomes, criteria, targets) without the real
work, so the executor, the fold and the GUI can be tested end to end.
"""

from __future__ import annotations

import time

from app.steps.base import (
    SKIPPED,
    SUCCEEDED,
    WAITING,
    RollbackOutcome,
    StepContext,
    StepOutcome,
    StepRegistry,
)
from app.steps.complete import CompleteStep
from app.steps.seal import SealEvidenceStep
from engine.run import events as ev
from engine.run.stages import deploy_percent


class InstantStep:
    """Succeeds after ``delay`` seconds; with ``evidence`` it records a real (signed,
    logged) evidence item carrying a plain test predicate, like the real step would."""

    def __init__(self, summary: str = "done", delay: float = 0.0, evidence: str | None = None) -> None:
        self.summary = summary
        self.delay = delay
        self.evidence = evidence

    def run(self, ctx: StepContext) -> StepOutcome:
        ctx.log(f"{ctx.step}: working (attempt {ctx.attempt})")
        deadline = time.monotonic() + self.delay
        while time.monotonic() < deadline:
            if ctx.should_stop():
                return StepOutcome("failed", error="stopped")
            time.sleep(min(0.02, self.delay))
        ctx.log(f"{ctx.step}: {self.summary}")
        if self.evidence:
            from app.services.evidence import record_evidence

            record_evidence(ctx.site, ctx.promotion_id, ctx.step, ctx.attempt, self.evidence,
                            f"urn:stellaops:test-double:{ctx.step}", {"summary": self.summary})
        return StepOutcome(SUCCEEDED, summary=self.summary)


class ApprovalStep:
    """Waits for approvals when the environment requires them, else skips."""

    def run(self, ctx: StepContext) -> StepOutcome:
        required = ctx.state.approvals_required
        if required <= 0:
            return StepOutcome(SKIPPED, summary="no approval required")
        return StepOutcome(WAITING, waiting_for="approval", summary=f"{required} approval(s) needed",
                           waiting_detail={"required": required})


class DeployStep:
    """Pretends to deploy ``percent``% of 10 targets; criteria met at once.

    ``auto_continue`` makes the stage succeed without an operator's continue."""

    def __init__(self, delay: float = 0.0, auto_continue: bool = True) -> None:
        self.delay = delay
        self.auto_continue = auto_continue

    def run(self, ctx: StepContext) -> StepOutcome:
        percent = deploy_percent(ctx.step)
        count = max(1, percent // 10)
        targets = [{"name": f"t{i:02d}", "from": "1.2.4", "to": ctx.state.release["version"],
                    "changed": True} for i in range(1, count + 1)]
        InstantStep(f"{count}/10 targets on the new release", self.delay).run(ctx)
        ctx.record(ev.STEP_CRITERIA, {"met": True, "summary": f"{count}/{count} healthy"})
        outputs = {"targets": targets}
        if self.auto_continue:
            return StepOutcome(SUCCEEDED, summary=f"{count}/10 targets healthy", outputs=outputs)
        return StepOutcome(WAITING, waiting_for="continue", summary="criteria met", outputs=outputs)


class RevertAll:
    def rollback(self, ctx: StepContext, scope: str, steps: list[str]) -> RollbackOutcome:
        ctx.log(f"rolling back {scope}: {', '.join(steps)}")
        return RollbackOutcome(True, summary=f"rolled back {len(steps)} step(s)")


def doubles_registry(delay: float = 0.0, auto_continue: bool = True) -> StepRegistry:
    return StepRegistry(
        {
            "inputs-materialized": InstantStep("0 missing", delay, "resolved-inputs"),
            "gate-eval": InstantStep("PASS", delay, "policy-decision"),
            "approval": ApprovalStep(),
            "deploy-start": InstantStep("workflow started", delay),
            "deploy": DeployStep(delay, auto_continue),
            "post-deploy-verify": InstantStep("verified", delay),
            "seal-evidence": SealEvidenceStep(),
            "complete": CompleteStep(),
        },
        rollback=RevertAll(),
    )
