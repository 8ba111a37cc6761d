"""The step implementations this build ships. A step absent here cannot run: the
executor refuses it with a clear message instead of pretending it succeeded."""

from __future__ import annotations

from app.steps.approval import ApprovalStep
from app.steps.base import StepRegistry
from app.steps.complete import CompleteStep
from app.steps.deploy import DeployStep
from app.steps.deploy_start import DeployStartStep
from app.steps.gate import GateStep
from app.steps.inputs import InputsStep
from app.steps.rollback import DriverRollback
from app.steps.seal import SealEvidenceStep
from app.steps.verify import VerifyStep


def default_registry() -> StepRegistry:
    return StepRegistry({
        "inputs-materialized": InputsStep(),
        "gate-eval": GateStep(),
        "approval": ApprovalStep(),
        "deploy-start": DeployStartStep(),
        "deploy": DeployStep(),
        "post-deploy-verify": VerifyStep(),
        "seal-evidence": SealEvidenceStep(),
        "complete": CompleteStep(),
    }, rollback=DriverRollback())
