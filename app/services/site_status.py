"""Facts about the site's database and transparency log that the Integrations screen
shows: the SQLite journal mode, the log's origin, size and newest signed checkpoint."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.context import Site
from models.tables import Site as SiteRow
from models.tlog_store import latest_checkpoint, log_size


def sqlite_journal_mode(site: Site) -> str | None:
    """The journal mode of a SQLite site (``wal`` when readers do not block the
    executor); None for a server database, which has no such mode."""
    if not site.db.is_sqlite:
        return None
    with site.db.read() as session:
        return str(session.connection().exec_driver_sql("PRAGMA journal_mode").scalar())


@dataclass(frozen=True)
class LogStatus:
    origin: str
    size: int  # entries in the log
    checkpoint_size: int | None  # entries under the newest signed checkpoint
    checkpoint_at: str | None


def log_status(site: Site) -> LogStatus:
    with site.db.read() as session:
        origin = session.scalar(select(SiteRow.log_origin).limit(1)) or ""
        size = log_size(session)
        checkpoint = latest_checkpoint(session)
        if checkpoint is None:
            return LogStatus(origin, size, None, None)
        return LogStatus(origin, size, checkpoint.size, checkpoint.created_at)
