"""Notice runs advancing in another process (or thread) by polling event counts.

On PostgreSQL a commit on any workstation wakes the poller at once (LISTEN/NOTIFY,
app/qt/db_notifications.py); on SQLite, and as a safety net on both, every
``interval_ms`` a worker asks :func:`app.services.promotions.heads` for each
promotion's event count; promotions whose count changed (or appeared) are
broadcast. The first poll broadcasts every promotion, so a screen that loaded just
before it cannot miss a change made in between. A poll that fails is reported once;
polling goes on and reports again only after it has recovered.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from app.context import Site
from app.qt.changes import POLLER, ChangeBroadcaster, ChangeSet
from app.qt.db_notifications import DatabaseNotifications
from app.qt.errors import Failure, error_hub
from app.qt.refresher import Refresher
from app.qt.worker import TaskManager
from app.services.promotions import heads

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 500


class RunPoller(QObject):
    polled = Signal(object)  # dict promotion id -> event count, after each poll

    def __init__(self, site: Site, broadcaster: ChangeBroadcaster,
                 interval_ms: int = POLL_INTERVAL_MS, tasks: TaskManager | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._site = site
        self._broadcaster = broadcaster
        self._known: dict[str, int] | None = None
        self._failing = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll_now)
        self._refresher = Refresher(self, lambda: lambda: heads(self._site), self._on_heads,
                                    self._on_failure, tasks)
        self.notifications = DatabaseNotifications(site, self)
        self.notifications.committed.connect(self.poll_now)  # queued: from its thread

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        self._timer.start()
        self.notifications.start()
        self.poll_now()

    def stop(self) -> None:
        self._timer.stop()
        self.notifications.stop()

    def poll_now(self) -> None:
        self._refresher.request()

    def _on_heads(self, counts: dict[str, int]) -> None:
        self._failing = False
        previous = self._known
        self._known = dict(counts)
        if previous is None:
            changed = frozenset(counts)
        else:
            changed = frozenset(pid for pid, count in counts.items() if previous.get(pid) != count)
        if changed:
            new_ids = previous is None or bool(set(counts) - set(previous))
            self._broadcaster.broadcast(
                ChangeSet(promotions=changed, promotion_list=new_ids), POLLER)
        self.polled.emit(dict(counts))

    def _on_failure(self, failure: Failure) -> None:
        if not self._failing:
            self._failing = True
            error_hub().report(Failure(f"Live refresh failed: {failure.message}",
                                       "Live refresh", failure.error_type, failure.expected))
        log.info("poll failed: %s", failure.message)
