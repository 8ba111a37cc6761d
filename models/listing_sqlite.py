"""The promotion listing read from a SQLite site with the standard library alone.

``stella promotions`` shows only the run summary projection (models/run_summary.py);
importing SQLAlchemy and the ORM tables costs several times the query itself, so a
SQLite site at the newest schema is read here through :mod:`sqlite3`, read-only, in one
transaction. Whenever this path cannot answer exactly as the ORM path would (an older
schema to migrate, a run whose summary is still being written, any SQLite error), it
returns None and the caller takes the ordinary path, which migrates, repairs or explains.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

# The listing's columns, in the order of app.services.promotions.list_promotions.
_LISTING = """
SELECT p.id, r.name, r.version, r.digest, p.from_env, p.to_env, p.requester,
       s.status, s.current_step, s.current_title, s.head, s.event_count, s.created_at
FROM promotions AS p
JOIN releases AS r ON p.release_id = r.id
LEFT OUTER JOIN run_summaries AS s ON s.promotion_id = p.id
ORDER BY p.created_at DESC, p.id DESC
"""
_SLOTS = "SELECT promotion_id, window_start FROM schedules WHERE status = 'scheduled'"
BUSY_TIMEOUT_S = 15.0  # as models.db's SQLITE_BUSY_TIMEOUT_MS: a writer's turn is short

ListingRow = tuple  # the columns of _LISTING


def read_listing(db_file: Path, revision: str) -> tuple[list[ListingRow], dict[str, str]] | None:
    """(rows, slots) of the site in ``db_file`` when its schema is ``revision`` and every
    promotion has its summary; None when the ordinary path must answer instead."""
    uri = f"file:{quote(str(db_file))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S,
                                     isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        connection.execute("BEGIN")  # the revision, the rows and the slots of one moment
        found = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        if [row[0] for row in found] != [revision]:
            return None
        if connection.execute("SELECT id FROM sites LIMIT 1").fetchone() is None:
            return None
        rows = connection.execute(_LISTING).fetchall()
        if any(row[10] is None for row in rows):  # a summary not written yet: fold it there
            return None
        slots = dict(connection.execute(_SLOTS).fetchall())
        return rows, slots
    except sqlite3.Error:
        return None
    finally:
        connection.close()
