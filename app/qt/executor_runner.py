"""The executor, in the app: advance a promotion on a background thread.

It runs the same :class:`app.executor.Executor` as ``stella run``, with the same
lease, so the app and a headless executor can never both advance one run. Every
append or log line it makes is broadcast at once; other processes' progress
reaches the screens through the poller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from app.context import Site
from app.qt.changes import EXECUTOR, ChangeBroadcaster, ChangeSet
from app.qt.errors import Failure, error_hub
from app.qt.operation import Operation
from app.qt.worker import TaskControl, TaskManager
from app.steps.base import StepRegistry

if TYPE_CHECKING:  # the executor (~0.3 s of imports) loads when a run first starts
    from app.executor import ExecutionResult

log = logging.getLogger(__name__)


class ExecutorRunner(QObject):
    started = Signal(str)
    finished = Signal(str, object)  # promotion id, ExecutionResult
    failed = Signal(str, object)  # promotion id, Failure
    running_changed = Signal()
    _advanced = Signal(str)  # emitted from the executor's thread

    def __init__(self, site: Site, registry_factory: Callable[[], StepRegistry],
                 broadcaster: ChangeBroadcaster, max_runs: int = 4,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._site = site
        self.registry_factory = registry_factory
        self._broadcaster = broadcaster
        self._tasks = TaskManager(max_runs, self)
        self._controls: dict[str, TaskControl] = {}
        self._advanced.connect(self._on_advanced)

    @property
    def pool(self) -> QThreadPool:
        return self._tasks.pool

    def running(self) -> frozenset[str]:
        return frozenset(self._controls)

    def is_running(self, promotion_id: str) -> bool:
        return promotion_id in self._controls

    def start(self, promotion_id: str,
              on_failure: Callable[[Failure], None] | None = None) -> bool:
        """Start advancing ``promotion_id``; False if this app already runs it."""
        if promotion_id in self._controls or self._tasks.closed:
            return False
        site, registry = self._site, self.registry_factory()

        def advance(control: TaskControl) -> ExecutionResult:
            from app.executor import Executor  # in the worker: the window opens without it

            executor = Executor(site, promotion_id, registry,
                                on_change=lambda: self._advanced.emit(promotion_id),
                                should_stop=control.cancelled)
            return executor.run()

        def failed(failure: Failure) -> None:
            self.failed.emit(promotion_id, failure)
            if on_failure is not None:
                on_failure(failure)
            else:
                error_hub().report(failure)

        operation = (Operation(self, advance, tasks=self._tasks)
                     .controlled()
                     .success(lambda result: self.finished.emit(promotion_id, result))
                     .failure(failed)
                     .finally_(lambda: self._ended(promotion_id)))
        worker = operation.run()
        self._controls[promotion_id] = worker.control
        self.started.emit(promotion_id)
        self.running_changed.emit()
        return True

    def stop(self, promotion_id: str) -> None:
        control = self._controls.get(promotion_id)
        if control is not None:
            control.cancel()

    def stop_all(self, timeout_ms: int = 10_000) -> bool:
        """Ask every executor to stop at its next check and wait for them."""
        self._tasks.close()
        for control in self._controls.values():
            control.cancel()
        return self._tasks.wait(timeout_ms)

    def _ended(self, promotion_id: str) -> None:
        self._controls.pop(promotion_id, None)
        self._broadcaster.broadcast(ChangeSet.run(promotion_id, logs=True), EXECUTOR)
        self.running_changed.emit()

    @Slot(str)
    def _on_advanced(self, promotion_id: str) -> None:
        self._broadcaster.broadcast(ChangeSet.run(promotion_id, logs=True), EXECUTOR)
