"""`stella promotions` on a SQLite site without SQLAlchemy (models/listing_sqlite.py):
the same summaries as :func:`app.services.promotions.list_promotions`, or None when the
ordinary path must open the site (to migrate it, finish an interrupted export, clear
leftovers of a killed import, fold a run whose summary is being written, or reach a
database that is not the home's SQLite file)."""

from __future__ import annotations

from pathlib import Path

from app.services.promotion_summary import PromotionSummary
from app.site import SiteConfig
from models.listing_sqlite import read_listing
from models.migrate import head_revision


def quick_listing(config: SiteConfig) -> list[PromotionSummary] | None:
    paths = config.paths
    if config.db_url != f"sqlite:///{paths.db_file}" or not paths.db_file.is_file():
        return None
    if _has_entries(paths.staging) or any(paths.custody.glob("*.json")):
        return None  # Site.open has work to do first
    found = read_listing(paths.db_file, head_revision())
    if found is None:
        return None
    rows, slots = found
    paths.make_private()  # as Site.open does for every command
    return [PromotionSummary(
        id=pid, release_name=name, release_version=version, release_digest=digest,
        from_env=from_env, to_env=to_env, requester=requester, status=status,
        current_step=step, current_title=title, created_at=created_at, event_count=count,
        head=head, scheduled_at=slots.get(pid),
    ) for (pid, name, version, digest, from_env, to_env, requester, status, step, title,
           head, count, created_at) in rows]


def _has_entries(folder: Path) -> bool:
    try:
        return any(folder.iterdir())
    except FileNotFoundError:
        return False
