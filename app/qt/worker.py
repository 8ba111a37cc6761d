"""Background work: a ``QRunnable`` with a separate signals object.

The signals object lives in the GUI thread, so the worker's emissions arrive there
as queued calls. Only plain values cross: the function's return value, progress
values and a :class:`~app.errors.Failure` — never a widget, an ORM object or an
exception. Each task calls services, and each service call opens and closes its own
database session, so no session ever crosses a thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.qt.errors import Failure

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    started = Signal()
    progress = Signal(object)
    result = Signal(object)
    error = Signal(object)  # Failure
    finished = Signal()


class TaskControl:
    """Handed to tasks that report progress or can be cancelled; thread-safe."""

    def __init__(self, signals: WorkerSignals) -> None:
        self._signals = signals
        self._cancelled = threading.Event()

    def progress(self, value: Any) -> None:
        self._signals.progress.emit(value)

    def cancel(self) -> None:
        self._cancelled.set()

    def cancelled(self) -> bool:
        return self._cancelled.is_set()


class Worker(QRunnable):
    """Runs ``fn()`` (or ``fn(control)`` when ``pass_control``) on a pool thread."""

    def __init__(self, fn: Callable[..., Any], *, pass_control: bool = False) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the TaskManager owns it until ``finished`` arrives
        self.signals = WorkerSignals()
        self.control = TaskControl(self.signals)
        self._fn = fn
        self._pass_control = pass_control

    def run(self) -> None:
        self.signals.started.emit()
        try:
            value = self._fn(self.control) if self._pass_control else self._fn()
        except Exception as exc:  # every failure becomes a value for the GUI thread
            self.signals.error.emit(Failure.from_exception(exc))
        else:
            self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()


class TaskManager(QObject):
    """A thread pool that keeps each worker alive until its ``finished`` is delivered."""

    def __init__(self, max_threads: int = 3, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._active: set[Worker] = set()
        self._closed = False

    def start(self, worker: Worker) -> Worker:
        """Run ``worker``; after :meth:`close` new work is dropped (the app is ending)."""
        if self._closed:
            log.debug("task manager closed; dropping a task")
            return worker
        self._active.add(worker)
        worker.signals.finished.connect(lambda w=worker: self._done(w))
        self.pool.start(worker)
        return worker

    def run(self, fn: Callable[[], Any]) -> Worker:
        return self.start(Worker(fn))

    @Slot()
    def _done(self, worker: Worker) -> None:
        self._active.discard(worker)

    @property
    def active(self) -> int:
        return len(self._active)

    def cancel_all(self) -> None:
        for worker in list(self._active):
            worker.control.cancel()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self.cancel_all()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until every running task returned (shutdown and tests only)."""
        return self.pool.waitForDone(timeout_ms)


_default: TaskManager | None = None


def default_tasks() -> TaskManager:
    global _default
    if _default is None:
        _default = TaskManager()
    return _default
