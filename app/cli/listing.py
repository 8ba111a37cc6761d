"""`stella promotions`: a SQLite site at the newest schema is listed without SQLAlchemy
(app/services/promotion_listing.py); anything else opens the site as every command does."""

from __future__ import annotations

import argparse

from app.cli.json_out import emit_json
from app.services.promotion_listing import quick_listing
from app.services.promotion_summary import PromotionSummary
from app.site import SiteConfig
from engine.text import terminal_safe


def promotions_list(args: argparse.Namespace) -> int:
    rows = quick_listing(SiteConfig.resolve(home=args.home, db_url=args.db))
    if rows is None:
        from app.cli.commands import _site
        from app.services import promotions

        rows = promotions.list_promotions(_site(args))
    if args.json:
        emit_json([_as_json(p) for p in rows])
        return 0
    for p in rows:
        waits = p.shown_status == "scheduled"  # for its schedule's slot, not PENDING
        status = "SCHEDULED" if waits else p.status.upper()
        step = f"slot {p.scheduled_at}" if waits else terminal_safe(p.current_title)
        print(f"{p.id}  {terminal_safe(p.release_name)} {terminal_safe(p.release_version):<12} "
              f"{terminal_safe(p.from_env or '—')} → {terminal_safe(p.to_env):<10} "
              f"{status:<12} {step}")
    return 0


def _as_json(p: PromotionSummary) -> dict:
    return {"id": p.id, "release": {"name": p.release_name, "version": p.release_version,
                                    "digest": p.release_digest},
            "from_env": p.from_env, "to_env": p.to_env, "requester": p.requester,
            "status": p.status, "current_step": p.current_step, "created_at": p.created_at,
            "scheduled_at": p.scheduled_at}
