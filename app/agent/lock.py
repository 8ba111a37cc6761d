"""One agent per site and database: an exclusive lock file in the site home.

The agent holds ``run/agent.lock`` (``agent-<db digest>.lock`` for a database other
than the home's own SQLite file) with ``flock`` for as long as it runs; the kernel
drops the lock when the process ends, however it ends, so a killed agent never
blocks the next one. Beside it, ``agent.json`` says who holds it (pid, host, since)
for ``stella agent status`` and the GUI's status bar.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import NotNow
from app.site import SiteConfig
from engine.crypto.atomic import atomic_write_bytes

ACQUIRE_TRIES = 20  # a status check holds the lock for an instant: try for ~1 s
ACQUIRE_PAUSE = 0.05


def _stem(config: SiteConfig) -> str:
    if config.db_url == f"sqlite:///{config.paths.db_file}":
        return "agent"
    return "agent-" + hashlib.sha256(config.db_url.encode()).hexdigest()[:12]


def lock_path(config: SiteConfig) -> Path:
    return config.paths.run_dir / f"{_stem(config)}.lock"


def info_path(config: SiteConfig) -> Path:
    return config.paths.run_dir / f"{_stem(config)}.json"


def log_path(config: SiteConfig) -> Path:
    return config.paths.run_dir / f"{_stem(config)}.log"


@dataclass(frozen=True)
class AgentStatus:
    running: bool
    pid: int | None = None
    host: str = ""
    since: str | None = None  # RFC 3339, when it started
    log_file: str = ""

    @property
    def text(self) -> str:
        if not self.running:
            return "not running"
        return f"running since {self.since} on {self.host} (pid {self.pid})"

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class AgentLock:
    """The lock of one running agent; :meth:`acquire` refuses while another holds it."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self._fd: int | None = None

    def acquire(self, started_at: str) -> None:
        self.config.paths.run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(self.config), os.O_RDWR | os.O_CREAT, 0o600)
        for _ in range(ACQUIRE_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(ACQUIRE_PAUSE)
        else:
            os.close(fd)
            holder = status(self.config)
            who = holder.text if holder.running else "another process"
            raise NotNow(f"an agent already runs for this site and database: {who}; "
                         "stop it first (stella agent stop)")
        self._fd = fd
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": started_at,
                "db": _safe_db(self.config.db_url)}
        atomic_write_bytes(info_path(self.config), json.dumps(info, sort_keys=True).encode(),
                           mode=0o600)

    def release(self) -> None:
        if self._fd is None:
            return
        info_path(self.config).unlink(missing_ok=True)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def status(config: SiteConfig) -> AgentStatus:
    """Whether an agent holds the lock now, and who it is."""
    path = lock_path(config)
    log_file = str(log_path(config))
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return AgentStatus(False, log_file=log_file)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        held = True
    else:
        held = False
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    if not held:
        return AgentStatus(False, log_file=log_file)
    try:
        info = json.loads(info_path(config).read_text())
    except (OSError, ValueError):
        info = {}  # starting: the lock is taken, the note not yet written
    return AgentStatus(True, info.get("pid"), str(info.get("host", "")), info.get("since"),
                       log_file)


def _safe_db(url: str) -> str:
    """The database URL without its password (the note is readable by the site's user)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
