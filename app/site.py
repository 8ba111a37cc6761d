"""The site home: where the database, keys, store and logs of one site live."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from engine.clock import Clock, SystemClock

HOME_ENV = "STELLA_HOME"
DB_ENV = "STELLA_DB"
DB_FILE = "stella.db"
DB_URL_FILE = "database.url"
"""In a site home whose database is elsewhere (PostgreSQL): that database's URL."""
PRIVATE_FOLDER = 0o700


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("stella-ops", appauthor=False))


def resolve_home(home: str | os.PathLike | None) -> Path:
    chosen = home or os.environ.get(HOME_ENV) or default_home()
    return Path(chosen).expanduser().resolve()


@dataclass
class SitePaths:
    home: Path

    @property
    def db_file(self) -> Path:
        return self.home / DB_FILE

    @property
    def db_url_file(self) -> Path:
        return self.home / DB_URL_FILE

    @property
    def keys(self) -> Path:
        return self.home / "keys"

    @property
    def store(self) -> Path:
        return self.home / "store"

    @property
    def staging(self) -> Path:
        return self.home / "staging"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def custody(self) -> Path:
        """Intents of exports in progress (app.services.export_intents)."""
        return self.home / "custody"

    @property
    def folders(self) -> tuple[Path, ...]:
        return (self.home, self.keys, self.store, self.staging, self.run_dir, self.custody)

    def ensure(self) -> None:
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
        self.make_private()

    def make_private(self) -> None:
        """Owner-only folders (0700) whatever the umask: the home holds the database,
        keys, logs and staged bundles, and nothing in it is for other local users.
        A folder owned by someone else is left as it is."""
        for folder in self.folders:
            with contextlib.suppress(OSError):
                if folder.stat().st_mode & 0o077:
                    os.chmod(folder, PRIVATE_FOLDER)


@dataclass
class SiteConfig:
    """Where a site is and how to reach its database; the clock is injected."""

    paths: SitePaths
    db_url: str
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None, db_url: str | None = None,
                clock: Clock | None = None) -> SiteConfig:
        paths = SitePaths(resolve_home(home))
        url = (db_url or os.environ.get(DB_ENV) or _remembered_url(paths)
               or f"sqlite:///{paths.db_file}")
        return cls(paths=paths, db_url=url, clock=clock or SystemClock())

    def remember_database(self) -> None:
        """A home whose database is not its own SQLite file records the URL (owner-only:
        it may hold a password), so every later command on this home finds it."""
        if self.db_url == f"sqlite:///{self.paths.db_file}":
            return
        from engine.crypto.atomic import atomic_write_bytes

        atomic_write_bytes(self.paths.db_url_file, (self.db_url + "\n").encode(), 0o600)


def _remembered_url(paths: SitePaths) -> str | None:
    try:
        return paths.db_url_file.read_text(encoding="utf-8").strip() or None
    except (FileNotFoundError, NotADirectoryError):
        return None
