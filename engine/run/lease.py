"""One rule for whether a run lease's holder (or a scheduled attempt's process) is
still alive, used by every place that decides it: taking a lease, the scheduler's
orphan check and blocker, the Orchestrator screen and doctor.

A holder on this host whose process is gone is *gone*, whatever its heartbeat says
(the process check, injected, also counts a zombie as gone). Otherwise a heartbeat
older than the lease's time to live is *stale*: its process may still exist on
another host, but it stopped renewing. Anything else is *live*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

LIVE = "live"
STALE = "stale"
GONE = "gone"


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    heartbeat_at: datetime


def as_aware(moment: datetime, like: datetime) -> datetime:
    """A stored time without a zone (SQLite drops it) read in ``like``'s zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


def liveness(holder: Holder, now: datetime, ttl: timedelta, this_host: str,
             process_alive: Callable[[int], bool]) -> str:
    """``LIVE``, ``STALE`` or ``GONE`` (see the module's rule)."""
    if process_gone(holder.host, holder.pid, this_host, process_alive):
        return GONE
    if now - as_aware(holder.heartbeat_at, now) >= ttl:
        return STALE
    return LIVE


def process_gone(host: str, pid: int, this_host: str,
                 process_alive: Callable[[int], bool]) -> bool:
    """Known gone: on this host, and its process no longer runs. A process on another
    host cannot be asked; only its heartbeat speaks for it."""
    return host == this_host and not process_alive(pid)


def is_alive(holder: Holder, now: datetime, ttl: timedelta, this_host: str,
             process_alive: Callable[[int], bool]) -> bool:
    return liveness(holder, now, ttl, this_host, process_alive) == LIVE
