"""Wake the GUI's live refresh when another workstation commits, on PostgreSQL.

Every write transaction notifies ``CHANGE_CHANNEL`` on commit (models/db.py). A
thread of its own holds a connection LISTENing on it and, for each burst of
notifications, emits :attr:`DatabaseNotifications.committed` — delivered on the GUI
thread (a queued signal), where the poller asks for the run heads at once instead of
at its next tick. The thread only waits on the socket: no Qt object is touched there
but the signal, no query runs. SQLite has no cross-process notification; the poller's
timer stays its signal. A listener that loses its connection says so once and ends:
the timer still polls.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from app.context import Site

log = logging.getLogger(__name__)

WAIT_SECONDS = 0.5  # how long one wait on the socket lasts: the stop request's latency


class DatabaseNotifications(QObject):
    committed = Signal()
    failed = Signal(str)

    def __init__(self, site: Site, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._site = site
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def available(site: Site) -> bool:
        return site.db.is_postgresql

    def start(self) -> None:
        if self._thread is not None or not self.available(self._site):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._wait, name="database-notifications",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2 * WAIT_SECONDS) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _wait(self) -> None:
        from app.agent.change_signal import listen

        try:
            connection = listen(self._site)  # connecting is I/O: here, never on the GUI thread
        except Exception as error:
            log.info("database notifications unavailable: %s", error)
            self.failed.emit(str(error))
            return
        try:
            while not self._stop.is_set():
                if any(True for _ in connection.notifies(timeout=WAIT_SECONDS)):
                    self.committed.emit()
        except Exception as error:  # the server went away: the timer keeps polling
            log.info("database notifications stopped: %s", error)
            if not self._stop.is_set():
                self.failed.emit(str(error))
        finally:
            connection.close()
