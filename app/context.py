"""An opened site: configuration plus the database handle, shared by services."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import NotFound
from app.site import SiteConfig
from engine.clock import rfc3339
from models.db import Database
from models.migrate import current_revision, head_revision, upgrade
from models.tables import Site as SiteRow


class Site:
    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.db = Database(config.db_url)

    @property
    def paths(self):  # noqa: ANN201 (SitePaths)
        return self.config.paths

    @property
    def clock(self):  # noqa: ANN201 (Clock)
        return self.config.clock

    def now(self) -> str:
        return rfc3339(self.config.clock.now())

    @classmethod
    def open(cls, config: SiteConfig) -> Site:
        """Open an initialised site, applying pending schema migrations."""
        if config.db_url.startswith("sqlite") and not config.paths.db_file.exists() \
                and str(config.paths.db_file) in config.db_url:
            raise NotFound(f"no site at {config.paths.home}: run `stella init` first")
        config.paths.make_private()
        site = cls(config)
        revision = current_revision(site.db.engine)  # one query; Alembic only when behind
        if revision is None:
            raise NotFound(f"the database {config.db_url} holds no site: run `stella init` first")
        if revision != head_revision():
            upgrade(config.db_url)
        with site.db.read() as session:
            if session.scalar(select(SiteRow.id)) is None:
                raise NotFound(f"the database {config.db_url} holds no site: run `stella init` first")
        return site

    def row(self) -> SiteRow:
        with self.db.read() as session:
            return session.scalars(select(SiteRow)).one()

    def close(self) -> None:
        self.db.dispose()
