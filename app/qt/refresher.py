"""Coalesced background reloads: many change notices, at most one reload in flight.

A run advancing quickly sends a notice per event and per log line; reloading once
per notice would queue work faster than it finishes and keep the GUI thread busy
applying results nobody can read that fast. A :class:`Refresher` starts one job,
remembers that more notices came in meanwhile, and runs exactly one more when the
first returns — no sooner than ``min_interval_ms`` after the previous one started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.worker import TaskManager

# Builds the job on the GUI thread (so it captures the current parameters) or
# returns None when there is nothing to load.
JobFactory = Callable[[], Callable[[], Any] | None]

LIVE_INTERVAL_MS = 150


class Refresher(QObject):
    def __init__(self, parent: QObject, make_job: JobFactory,
                 on_result: Callable[[Any], None],
                 on_failure: Callable[[Failure], None] | None = None,
                 tasks: TaskManager | None = None, min_interval_ms: int = 0) -> None:
        super().__init__(parent)
        self._make_job = make_job
        self._on_result = on_result
        self._on_failure = on_failure
        self._tasks = tasks
        self._min_interval = min_interval_ms / 1000
        self._busy = False
        self._again = False
        self._started_at = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)
        self.runs = 0

    @property
    def busy(self) -> bool:
        return self._busy or self._timer.isActive()

    def request(self) -> None:
        if self.busy:
            self._again = True
            return
        wait = self._min_interval - (time.monotonic() - self._started_at)
        if self.runs and wait > 0:
            self._timer.start(int(wait * 1000) + 1)
            return
        self._fire()

    def _fire(self) -> None:
        job = self._make_job()
        self._again = False
        if job is None:
            return
        self._busy = True
        self._started_at = time.monotonic()
        self.runs += 1
        operation = Operation(self, job, tasks=self._tasks).success(self._on_result)
        if self._on_failure is not None:
            operation.failure(self._on_failure)
        operation.finally_(self._done).run()

    def _done(self) -> None:
        self._busy = False
        if self._again:
            self._again = False
            self.request()
