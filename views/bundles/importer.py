"""Imports run one at a time, in the order they were asked for, each in a worker.

Order matters (a rotation before the bundles it signs, versions that must increase),
so a second drop while one import runs waits its turn. The actor is taken when the
import is asked for: whoever is selected in the toolbar then is the importer. After a
successful import every screen is told which kind of bundle arrived.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, Signal

from app.qt.changes import ChangeSet
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.qt.worker import Worker
from app.screens.import_jobs import IMPORTED, ImportOutcome, ImportRequest, run_import


class BundleImporter(QObject):
    started = Signal(object)  # ImportRequest
    progress = Signal(object)  # (bytes hashed, total bytes): may exceed a C int
    finished = Signal(object)  # ImportOutcome
    failed = Signal(object, object)  # ImportRequest, Failure
    idle = Signal()

    def __init__(self, ctx: GuiContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._queue: deque[tuple[ImportRequest, str | None]] = deque()
        self._worker: Worker | None = None
        self.current: ImportRequest | None = None

    @property
    def busy(self) -> bool:
        return self.current is not None

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def enqueue(self, request: ImportRequest) -> None:
        self._queue.append((request, self.ctx.actor))
        if not self.busy:
            self._next()

    def cancel(self) -> None:
        """Stop the running import (nothing of it is kept) and drop the waiting ones."""
        self._queue.clear()
        if self._worker is not None:
            self._worker.control.cancel()

    def _next(self) -> None:
        if not self._queue:
            self.current = None
            self._worker = None
            self.idle.emit()
            return
        request, actor = self._queue.popleft()
        self.current = request
        site = self.ctx.site
        self.started.emit(request)
        self._worker = (
            Operation(self, lambda control: run_import(site, request, actor, control),
                      tasks=self.ctx.tasks)
            .progress(self.progress.emit)
            .success(self._finished)
            .failure(lambda failure: self._failed(request, failure))
            .finally_(self._next)
            .run())

    def _finished(self, outcome: ImportOutcome) -> None:
        if outcome.status == IMPORTED and outcome.summary is not None:
            kind = outcome.summary.kind
            self.ctx.changes.broadcast(
                ChangeSet(bundles=frozenset({kind}), promotion_list=kind == "release"), self)
        self.finished.emit(outcome)

    def _failed(self, request: ImportRequest, failure: Failure) -> None:
        self.failed.emit(request, failure)
