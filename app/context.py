"""An opened site: configuration plus the database handle, shared by services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.boundary import device_full
from app.errors import NotFound, NotNow
from app.leftovers import remove_leftovers
from app.reads_only import only_reading
from app.site import SiteConfig
from engine.clock import rfc3339
from models.db import Database
from models.migrate import current_revision, head_revision, upgrade
from models.readonly import cannot_write, sqlite_file
from models.tables import Site as SiteRow
from models.tlog_store import LOG_WRITER, LazyLogWriter, LogWriter

if TYPE_CHECKING:
    from app.services.export_intents import Recovery


class Site:
    def __init__(self, config: SiteConfig, *, read_only: bool = False,
                 no_shm: bool = False) -> None:
        self.config = config
        self.db = Database(config.db_url, read_only=read_only, no_shm=no_shm)
        self.db.write_info[LOG_WRITER] = LazyLogWriter(self._log_writer)
        self.export_recovery: list[Recovery] = []  # exports finished or undone at opening

    @property
    def paths(self):
        return self.config.paths

    @property
    def clock(self):
        return self.config.clock

    def now(self) -> str:
        return rfc3339(self.config.clock.now())

    @classmethod
    def open(cls, config: SiteConfig) -> Site:
        """Open an initialised site, applying pending schema migrations."""
        if config.db_url.startswith("sqlite") and not config.paths.db_file.exists() \
                and str(config.paths.db_file) in config.db_url:
            raise NotFound(f"no site at {config.paths.home}: run `stella init` first")
        read_only = cannot_write(config.db_url)  # reads still work; nothing is migrated
        if not read_only:
            config.paths.make_private()
        site = cls(config, read_only=read_only)
        try:
            revision = current_revision(site.db.engine)  # one query; Alembic only when behind
        except OperationalError:
            db_file = sqlite_file(config.db_url)
            if read_only or not only_reading() or db_file is None or not device_full(db_file):
                raise
            # A full disk: SQLite cannot size its -shm file, so a read command opens the
            # database read-only (immutable when its -wal holds nothing) and reads.
            site.close()
            read_only = True
            site = cls(config, read_only=True, no_shm=True)
            revision = current_revision(site.db.engine)
        if revision is None:
            raise NotFound(f"the database {config.db_url} holds no site: run `stella init` first")
        if revision != head_revision():
            if read_only:
                raise NotNow(f"the site's database {config.db_url} is read-only and was made by "
                             "an older stella: open it once where it can be written (it is "
                             "upgraded then), or use the stella that made it")
            upgrade(config.db_url)
        if not read_only:
            remove_leftovers(config.paths.staging)  # of imports and exports killed earlier
        with site.db.read() as session:
            if session.scalar(select(SiteRow.id)) is None:
                raise NotFound(f"the database {config.db_url} holds no site: run `stella init` first")
        site.export_recovery = []
        if not read_only and any(config.paths.custody.glob("*.json")):  # an export was interrupted
            from app.services import export_intents  # (services import this module)

            site.export_recovery = export_intents.recover_at_start(site)
        return site

    def _log_writer(self, session) -> LogWriter:
        from app.site_keys import log_signer

        origin = session.scalar(select(SiteRow.log_origin))
        return LogWriter(origin, log_signer(self.paths.keys, origin), self.now)

    def row(self) -> SiteRow:
        with self.db.read() as session:
            return session.scalars(select(SiteRow)).one()

    def close(self) -> None:
        self.db.dispose()
