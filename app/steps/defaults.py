"""The step implementations this build ships. A step absent here cannot run: the
executor refuses it with a clear message instead of pretending it succeeded."""

from __future__ import annotations

from app.steps.base import StepRegistry
from app.steps.complete import CompleteStep
from app.steps.seal import SealEvidenceStep


def default_registry() -> StepRegistry:
    return StepRegistry({
        "seal-evidence": SealEvidenceStep(),
        "complete": CompleteStep(),
    })
