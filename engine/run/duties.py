"""Separation of duties, the one rule: whoever requested a promotion never approves,
rejects or overrides it, and their approval never counts.

Asked by the run's action rules (``engine.run.actions``), the stale-feed override
(``app.services.gate_override``) and the approval evidence check
(``engine.evidence.approval_rule``), so the three cannot drift apart.
"""

from __future__ import annotations

SEPARATION_OF_DUTIES = "separation of duties"


def is_requester(requester: str, actor: str | None) -> bool:
    """True when ``actor`` is the person who requested the promotion."""
    return actor is not None and actor != "" and actor == requester


def refusal(requester: str, actor: str | None, deed: str) -> str | None:
    """Why ``actor`` may not ``deed`` (e.g. "approve or reject it") a promotion that
    ``requester`` asked for, or None when they may."""
    if is_requester(requester, actor):
        return f"{actor} requested this promotion and cannot {deed} ({SEPARATION_OF_DUTIES})"
    return None
