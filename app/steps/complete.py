"""The last step: the promotion is complete once everything before it has finished."""

from __future__ import annotations

from app.steps.base import FAILED, SUCCEEDED, StepContext, StepOutcome
from engine.run.state import DONE_STATUSES


class CompleteStep:
    def run(self, ctx: StepContext) -> StepOutcome:
        unfinished = [s.title for s in ctx.state.steps
                      if s.name != ctx.step and s.status not in DONE_STATUSES]
        if unfinished:
            return StepOutcome(FAILED, error="steps not finished: " + ", ".join(unfinished))
        release = ctx.state.release
        return StepOutcome(SUCCEEDED, summary=f"{release['name']} {release['version']} is live in "
                                              f"{ctx.state.to_env}")
