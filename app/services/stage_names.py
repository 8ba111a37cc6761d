"""Stage names given by a person (``run --until``, ``logs --step``, a schedule's
``--until``) are checked against the run's own stages before anything happens: a typo
must never mean "no limit" (it once ran a canary to 100 %)."""

from __future__ import annotations

from app.errors import UsageError
from engine.run.state import RunState


def require_stage(state: RunState, name: str, option: str) -> str:
    """``name`` if it is one of the run's stages; else a usage error listing them."""
    names = [step.name for step in state.steps]
    if name in names:
        return name
    close = [n for n in names if n.startswith(name[:4])] if len(name) >= 4 else []
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise UsageError(f"{option} {name!r}: {state.promotion_id} has no such stage{hint}; "
                     f"its stages are {', '.join(names)}")
