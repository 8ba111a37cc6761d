"""What a killed import or export leaves in the site's staging folder, and removing it.

Every staging folder is named after its owner, ``<kind>-<pid>-<host>-<random>``
(:func:`staging_prefix`), so anyone can tell whether the process that made it is
still running: on this host, a pid that no longer exists (or now belongs to a
process that started after the folder) owns nothing. Folders of a live owner, or of
another host (a home on shared storage), are never touched. Folders named before
owners were recorded (``import-<hex>``, ``export-<random>``) are removed once they
are older than a day, when no import or export could still be running.

Start-up (opening a writable site) and ``stella doctor --fix`` call
:func:`remove_leftovers`.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

KINDS = ("import", "export")
UNOWNED_AGE_SECONDS = 24 * 3600
_OWNED = re.compile(r"^(import|export)-(\d{1,10})-([A-Za-z0-9.]{1,64})-[A-Za-z0-9_]+$")
_UNOWNED = re.compile(r"^(import|export)-[A-Za-z0-9_]+$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:64] or "host"


def staging_prefix(kind: str) -> str:
    """The start of a staging folder's name for ``kind`` made by this process."""
    if kind not in KINDS:
        raise ValueError(f"unknown staging kind {kind!r}")
    return f"{kind}-{os.getpid()}-{_host()}-"


@dataclass(frozen=True)
class Leftover:
    path: Path
    kind: str
    why: str
    size: int


def _alive(pid: int, since: float) -> bool:
    """Whether ``pid`` is a process that may have made a folder at ``since``."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    started = _start_time(pid)  # a recycled pid: the process started after the folder
    return started is None or started <= since + 2


def _start_time(pid: int) -> float | None:
    """When ``pid`` started (Linux: /proc), or None when it cannot be told."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def find_leftovers(staging: Path, now: float | None = None) -> list[Leftover]:
    """Staging folders whose owner is gone (see the module docstring)."""
    now = time.time() if now is None else now
    found: list[Leftover] = []
    try:
        entries = sorted(staging.iterdir())
    except OSError:
        return found
    host = _host()
    for entry in entries:
        try:
            made = entry.lstat().st_mtime
        except OSError:
            continue
        owned = _OWNED.match(entry.name)
        if owned:
            kind, pid, owner_host = owned.group(1), int(owned.group(2)), owned.group(3)
            if owner_host != host or _alive(pid, made):
                continue
            why = f"its {kind} process {pid} has ended"
        elif _UNOWNED.match(entry.name) and now - made > UNOWNED_AGE_SECONDS:
            kind = entry.name.split("-", 1)[0]
            why = f"an {kind} staging folder untouched for {int((now - made) // 3600)} h"
        else:
            continue
        found.append(Leftover(entry, kind, why, _size(entry) if entry.is_dir() else 0))
    return found


def remove_leftovers(staging: Path) -> list[Leftover]:
    """Remove what :func:`find_leftovers` finds; returns what was removed."""
    removed = []
    for leftover in find_leftovers(staging):
        try:
            if leftover.path.is_dir() and not leftover.path.is_symlink():
                shutil.rmtree(leftover.path)
            else:
                leftover.path.unlink()
        except OSError as exc:
            log.warning("could not remove the leftover %s: %s", leftover.path, exc)
            continue
        log.info("removed %s (%s, %d bytes)", leftover.path, leftover.why, leftover.size)
        removed.append(leftover)
    return removed
