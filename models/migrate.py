"""Schema migrations with Alembic, run programmatically (no alembic.ini needed).

Opening a site asks the database for its revision with one query and compares it with
the newest revision file here; Alembic (~0.2 s to import) is loaded only to migrate."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


MIGRATION_LOCK_KEY = 0x5354454C4C4D  # one schema upgrade at a time on a PostgreSQL site


def upgrade(url: str) -> None:
    """Bring the database to the newest revision. On PostgreSQL, two processes opening
    a site that is behind at once take turns on a session advisory lock: the first
    migrates, the second waits and then finds nothing left to do (Alembic reads the
    revision again once it holds the lock)."""
    from alembic import command

    if not url.startswith("postgresql"):
        command.upgrade(_config(url), "head")
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
            try:
                command.upgrade(_config(url), "head")
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": MIGRATION_LOCK_KEY})
                connection.commit()
    finally:
        engine.dispose()


def _assignments(path: Path) -> dict[str, object]:
    """The module-level ``revision`` and ``down_revision`` of a revision file, read
    without importing it (its imports are Alembic's)."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (isinstance(target, ast.Name) and target.id in ("revision", "down_revision")
                        and node.value is not None):
                    found[target.id] = ast.literal_eval(node.value)
    return found


@cache
def head_revision() -> str:
    """The one revision no other revision builds on (the chain is linear)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        values = _assignments(path)
        if "revision" not in values:
            continue
        revisions.add(str(values["revision"]))
        down = values.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must have exactly one head, not {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The database's revision (one query), or None when it holds no alembic_version."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import DBAPIError

    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            connection.rollback()
            if inspect(connection).has_table("alembic_version"):
                raise
            return None
