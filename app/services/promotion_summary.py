"""What a list shows of one promotion (no SQLAlchemy here: `stella promotions` reads a
SQLite site without it, see app/services/promotion_listing.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PromotionSummary:
    id: str
    release_name: str
    release_version: str
    release_digest: str
    from_env: str | None
    to_env: str
    requester: str
    status: str
    current_step: str | None
    current_title: str
    created_at: str
    event_count: int
    head: str
    scheduled_at: str | None = None  # its schedule's slot, while the schedule waits for it

    @property
    def shown_status(self) -> str:
        """SCHEDULED (with its slot) for a run that waits for its schedule, not PENDING."""
        if self.scheduled_at and self.status == "pending":
            return "scheduled"
        return self.status
