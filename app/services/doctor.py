"""``stella doctor [--fix]``: is this site sound, and what is safe to clean?

Looks at, in order: the database file (``PRAGMA integrity_check`` on SQLite), every
run's event chain, staging left by killed imports and exports, file modes of the
home, keys and database, and the agent and run leases. Each finding is ok, a
problem, or a note. With ``fix`` it removes staging leftovers whose owner is gone,
tightens modes and releases leases of processes that no longer exist on this host;
it never touches events, keys' contents or a damaged database (the way out of
that is ``stella restore``).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from app.drivers.process import pid_alive
from app.errors import StellaError
from app.leftovers import find_leftovers, remove_leftovers
from app.site import SiteConfig
from engine.run import lease as run_lease
from engine.text import terminal_safe
from models.readonly import cannot_write, read_only_uri, sqlite_file

OK, PROBLEM, NOTE = "ok", "problem", "note"
PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600


@dataclass(frozen=True)
class Finding:
    area: str
    status: str  # ok | problem | note
    text: str
    fixed: bool = False

    def to_json(self) -> dict[str, object]:
        return {"area": self.area, "status": self.status, "text": self.text, "fixed": self.fixed}


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)

    def add(self, area: str, status: str, text: str, fixed: bool = False) -> None:
        self.findings.append(Finding(area, status, terminal_safe(text), fixed))

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status == PROBLEM and not f.fixed]

    @property
    def ok(self) -> bool:
        return not self.problems


def examine(config: SiteConfig, fix: bool = False) -> DoctorReport:
    report = DoctorReport()
    database_sound = _database(config, report)
    _staging(config, report, fix)
    _custody(config, report)
    _modes(config, report, fix)
    if database_sound:
        _chains_and_leases(config, report, fix)
    _agent(config, report)
    return report


def _database(config: SiteConfig, report: DoctorReport) -> bool:
    path = sqlite_file(config.db_url)
    if path is None:
        report.add("database", NOTE, "a database server: its integrity is the server's to check")
        return True
    if not path.is_file():
        report.add("database", PROBLEM, f"no database at {path}: run `stella init`, or "
                   "`stella restore BACKUP`")
        return False
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=15)
        try:
            found = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
        finally:
            connection.close()
    except sqlite3.OperationalError as exc:
        if "unable to open" in str(exc) or "locked" in str(exc):
            report.add("database", PROBLEM, f"{path} cannot be opened now ({exc}); check its "
                       "permissions, and that no backup or restore is running")
            return False
        found = [str(exc)]
    except sqlite3.DatabaseError as exc:
        found = [str(exc)]
    if found != ["ok"]:
        report.add("database", PROBLEM, f"{path} is damaged ({'; '.join(found[:3])}): restore "
                   "your latest backup with `stella restore BACKUP`")
        return False
    size = path.stat().st_size
    read_only = " (read-only here)" if cannot_write(config.db_url) else ""
    report.add("database", OK, f"{path}: integrity check ok, {size // 1024} KiB{read_only}")
    return True


def _chains_and_leases(config: SiteConfig, report: DoctorReport, fix: bool) -> None:
    from sqlalchemy import delete, select

    from app.context import Site
    from app.services.promotions import load_run
    from models.migrate import current_revision, head_revision
    from models.tables import Promotion, RunLease

    try:  # opened as it is: the clean-up of a normal start waits for --fix
        site = Site.open(config) if fix else Site(config, read_only=cannot_write(config.db_url))
        revision = current_revision(site.db.engine)
    except StellaError as exc:
        report.add("runs", PROBLEM, f"the site cannot be opened: {exc.message}")
        return
    if revision is None:
        report.add("runs", PROBLEM, "the database holds no site: run `stella init`")
        site.close()
        return
    if revision != head_revision():
        report.add("database", NOTE, f"schema {revision} is older than this stella's "
                   f"{head_revision()}; the next writing command upgrades it")
    try:
        with site.db.read() as session:
            ids = list(session.scalars(select(Promotion.id).order_by(Promotion.id)))
            leases = list(session.scalars(select(RunLease)))
        broken = []
        for promotion_id in ids:
            try:
                load_run(site, promotion_id)
            except StellaError as exc:
                broken.append(exc.message)
        for message in broken:
            report.add("runs", PROBLEM, message)
        if not broken:
            report.add("runs", OK, f"{len(ids)} run(s): every event chain verifies")
        from app.services import chain_verifier  # the summaries lists show, against the chains

        for promotion_id, problem in chain_verifier.audit(site):
            if not any(promotion_id in message for message in broken):
                report.add("runs", PROBLEM, f"{promotion_id}: {problem}")
        host = socket.gethostname()
        for lease in leases:
            gone = run_lease.process_gone(lease.host, lease.pid, host, pid_alive)
            if not gone:
                report.add("leases", NOTE, f"{lease.promotion_id} is held by {lease.owner} "
                           f"(pid {lease.pid} on {lease.host}), heartbeat {lease.heartbeat_at}")
                continue
            fixed = False
            if fix and not site.db.read_only:
                with site.db.write() as session:
                    session.execute(delete(RunLease).where(
                        RunLease.promotion_id == lease.promotion_id, RunLease.pid == lease.pid,
                        RunLease.host == lease.host))
                fixed = True
            report.add("leases", PROBLEM, f"{lease.promotion_id}: the lease of pid {lease.pid} "
                       f"outlived its process" + ("; released" if fixed else
                                                  " (doctor --fix releases it)"), fixed)
        if not leases:
            report.add("leases", OK, "no run is leased")
    finally:
        site.close()


def _staging(config: SiteConfig, report: DoctorReport, fix: bool) -> None:
    staging = config.paths.staging
    found = find_leftovers(staging)
    if not found:
        report.add("staging", OK, f"{staging}: nothing left by killed imports or exports")
        return
    removed = {leftover.path for leftover in remove_leftovers(staging)} if fix else set()
    for leftover in found:
        fixed = leftover.path in removed
        report.add("staging", PROBLEM, f"{leftover.path.name}: {leftover.why}, "
                   f"{leftover.size // (1 << 20)} MiB" + ("; removed" if fixed else
                                                          " (doctor --fix removes it)"), fixed)


def _custody(config: SiteConfig, report: DoctorReport) -> None:
    from app.services.export_intents import pending

    for intent in pending(config.paths.custody):
        report.add("custody", PROBLEM, f"an export of {intent.get('promotion')} to "
                   f"{intent.get('directory')} was interrupted before its custody was recorded; "
                   "the next command that opens the site verifies and records it, or removes it")


def _modes(config: SiteConfig, report: DoctorReport, fix: bool) -> None:
    paths = config.paths
    wanted: list[tuple[Path, int]] = [(folder, PRIVATE_FOLDER) for folder in paths.folders]
    database = sqlite_file(config.db_url)
    if database is not None:
        wanted += [(database.with_name(database.name + suffix), PRIVATE_FILE)
                   for suffix in ("", "-wal", "-shm")]
    if paths.keys.is_dir():
        wanted += [(key, PRIVATE_FILE) for key in sorted(paths.keys.rglob("*.key"))]
    loose = 0
    for path, mode in wanted:
        loose += _mode(path, mode, report, fix)
    if not loose:
        report.add("modes", OK, "home, keys and database are private to their owner")


def _mode(path: Path, mode: int, report: DoctorReport, fix: bool) -> int:
    try:
        info = path.lstat()
    except OSError:
        return 0
    if stat.S_ISLNK(info.st_mode) or not info.st_mode & 0o077:
        return 0
    fixed = False
    if fix and info.st_uid == os.getuid():
        try:
            os.chmod(path, mode)
            fixed = True
        except OSError:
            pass
    shown = f"{stat.S_IMODE(info.st_mode):04o}"
    report.add("modes", PROBLEM, f"{path} is mode {shown}, readable by others"
               + (f"; now {mode:04o}" if fixed else f" (doctor --fix sets {mode:04o})"), fixed)
    return 1


def _agent(config: SiteConfig, report: DoctorReport) -> None:
    try:
        from app.agent import lock

        status = lock.status(config)
    except (ImportError, OSError, StellaError) as exc:
        report.add("agent", NOTE, f"agent state unknown: {exc}")
        return
    report.add("agent", OK if status.running else NOTE, f"the agent is {status.text}")


