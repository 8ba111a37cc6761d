"""The stages of a promotion run (seed §14.2) and the workflows that shape them.

A run's step list is fixed when the promotion is created and recorded in its first
event, so the fold never depends on configuration that could change later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_WORKFLOW = "canary-10-50-100"

CREATED = "promotion-created"
INPUTS = "inputs-materialized"
GATE = "gate-eval"
APPROVAL = "approval"
DEPLOY_START = "deploy-start"
VERIFY = "post-deploy-verify"
SEAL = "seal-evidence"
COMPLETE = "complete"

_TITLES = {
    CREATED: "Promotion Created",
    INPUTS: "Inputs Materialized",
    GATE: "Gate Eval (Policy)",
    APPROVAL: "Approval",
    DEPLOY_START: "Deploy Workflow Start",
    VERIFY: "Post-Deploy Verify",
    SEAL: "Seal Evidence",
    COMPLETE: "Promotion Complete",
}

_WORKFLOW_RE = re.compile(r"^canary(?:-(\d{1,3}))+$")


class WorkflowError(ValueError):
    """A workflow name that does not describe increasing canary percentages."""


@dataclass(frozen=True)
class Workflow:
    name: str
    percents: tuple[int, ...]

    @classmethod
    def parse(cls, name: str) -> Workflow:
        """``canary-10-50-100`` → percents (10, 50, 100); must rise strictly and end at 100."""
        if not _WORKFLOW_RE.match(name or ""):
            raise WorkflowError(
                f"workflow {name!r} is not of the form canary-<pct>-…-100 (e.g. {DEFAULT_WORKFLOW})"
            )
        percents = tuple(int(p) for p in name.split("-")[1:])
        if any(p < 1 or p > 100 for p in percents):
            raise WorkflowError(f"workflow {name!r}: percentages must be between 1 and 100")
        if any(b <= a for a, b in zip(percents, percents[1:], strict=False)):
            raise WorkflowError(f"workflow {name!r}: percentages must rise strictly")
        if percents[-1] != 100:
            raise WorkflowError(f"workflow {name!r}: the last stage must be 100")
        return cls(name=name, percents=percents)

    @property
    def title(self) -> str:
        return "Canary " + "→".join(str(p) for p in self.percents)

    def steps(self) -> tuple[str, ...]:
        deploys = tuple(deploy_step(p) for p in self.percents)
        return (CREATED, INPUTS, GATE, APPROVAL, DEPLOY_START, *deploys, VERIFY, SEAL, COMPLETE)


def deploy_step(percent: int) -> str:
    return f"deploy-{percent}"


def deploy_percent(step: str) -> int | None:
    """The canary percentage of a ``deploy-<n>`` step, ``None`` for every other step."""
    if step.startswith("deploy-") and step[7:].isdigit():
        return int(step[7:])
    return None


def is_deploy_phase(step: str) -> bool:
    return step == DEPLOY_START or deploy_percent(step) is not None or step == VERIFY


def step_title(step: str) -> str:
    percent = deploy_percent(step)
    if percent is not None:
        return "Deploy 100%" if percent == 100 else f"Deploy Canary {percent}%"
    return _TITLES.get(step, step)
