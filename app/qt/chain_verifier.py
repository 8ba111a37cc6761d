"""The background chain verifier in the app: every ``interval_ms`` (and sooner while
runs are still waiting for their first check) a worker verifies a batch of the runs
whose head moved (:func:`app.services.chain_verifier.verify_pending`). A run newly found
broken is broadcast, so lists and the run view show it at once."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from app.context import Site
from app.qt.changes import POLLER, ChangeBroadcaster, ChangeSet
from app.qt.errors import Failure
from app.qt.refresher import Refresher
from app.qt.worker import TaskManager
from app.services import chain_verifier

log = logging.getLogger(__name__)

VERIFY_INTERVAL_MS = 15_000
CATCH_UP_MS = 1_000  # between batches while a large site is verified the first time


class ChainVerifierRunner(QObject):
    checked = Signal(object)  # ChainStatus, after each pass

    def __init__(self, site: Site, broadcaster: ChangeBroadcaster, tasks: TaskManager | None = None,
                 interval_ms: int = VERIFY_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._site = site
        self._broadcaster = broadcaster
        self._broken: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._interval = interval_ms
        self._timer.timeout.connect(self.check_now)
        self._refresher = Refresher(self, lambda: lambda: chain_verifier.verify_pending(self._site),
                                    self._on_checked, self._on_failure, tasks)
        self._running = False

    def start(self, first_after_ms: int = 3_000) -> None:
        """First pass a little after start-up, so it never competes with the first paint."""
        self._running = True
        self._timer.start(first_after_ms)

    def stop(self) -> None:
        self._running = False
        self._timer.stop()

    def check_now(self) -> None:
        self._refresher.request()

    def _on_checked(self, status: chain_verifier.ChainStatus) -> None:
        broken = {promotion for promotion, _ in status.broken}
        new = broken - self._broken
        self._broken = broken
        if new:
            self._broadcaster.broadcast(ChangeSet(promotions=frozenset(new), promotion_list=True),
                                        POLLER)
        self.checked.emit(status)
        if self._running:
            self._timer.start(CATCH_UP_MS if status.pending else self._interval)

    def _on_failure(self, failure: Failure) -> None:
        log.info("chain verification failed: %s", failure.message)
        if self._running:
            self._timer.start(self._interval)
