"""Use cases run as operations: ``Operation(parent, fn).success(cb).run()``.

Like Anki's ``CollectionOp``: the function runs on a worker thread and must only
call services; the callbacks run on the GUI thread. Callbacks are tied to
``parent``: when the parent widget is gone, the result is dropped instead of
touching a deleted widget. A failure without a failure callback goes to the
central error hub, which shows its message (never a traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Slot

from app.qt.changes import ChangeBroadcaster, ChangeSet
from app.qt.errors import Failure, error_hub
from app.qt.worker import TaskManager, Worker, default_tasks

log = logging.getLogger(__name__)

T = TypeVar("T")

# Relays without a parent are kept here until their ``finished`` is delivered.
_ORPHANS: set[QObject] = set()


class _Relay(QObject):
    """Lives in the GUI thread as the parent's child; delivers the worker's signals."""

    def __init__(self, operation: Operation[Any], parent: QObject | None) -> None:
        super().__init__(parent)
        self._operation: Operation[Any] | None = operation
        if parent is None:
            _ORPHANS.add(self)

    @Slot(object)
    def on_result(self, value: object) -> None:
        if self._operation is not None:
            self._operation._deliver_result(value)

    @Slot(object)
    def on_error(self, failure: Failure) -> None:
        if self._operation is not None:
            self._operation._deliver_failure(failure)

    @Slot(object)
    def on_progress(self, value: object) -> None:
        if self._operation is not None and self._operation._on_progress:
            self._operation._on_progress(value)

    @Slot()
    def on_finished(self) -> None:
        operation, self._operation = self._operation, None
        try:
            if operation is not None and operation._on_finally:
                operation._on_finally()
        finally:
            _ORPHANS.discard(self)
            self.deleteLater()


class Operation(Generic[T]):
    def __init__(self, parent: QObject | None, fn: Callable[..., T], *,
                 tasks: TaskManager | None = None) -> None:
        self._parent = parent
        self._fn = fn
        self._tasks = tasks or default_tasks()
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[Failure], None] | None = None
        self._on_progress: Callable[[Any], None] | None = None
        self._on_finally: Callable[[], None] | None = None
        self._changes: tuple[ChangeBroadcaster, ChangeSet, object] | None = None
        self._pass_control = False
        self.worker: Worker | None = None

    def success(self, callback: Callable[[T], None]) -> Operation[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[Failure], None]) -> Operation[T]:
        self._on_failure = callback
        return self

    def progress(self, callback: Callable[[Any], None]) -> Operation[T]:
        """The function then receives a :class:`~app.qt.worker.TaskControl` argument."""
        self._on_progress = callback
        self._pass_control = True
        return self

    def controlled(self) -> Operation[T]:
        """The function receives a :class:`~app.qt.worker.TaskControl` to poll for cancel."""
        self._pass_control = True
        return self

    def finally_(self, callback: Callable[[], None]) -> Operation[T]:
        self._on_finally = callback
        return self

    def broadcasts(self, broadcaster: ChangeBroadcaster, changes: ChangeSet,
                   initiator: object = None) -> Operation[T]:
        """On success, tell every screen what changed (before the success callback)."""
        self._changes = (broadcaster, changes, initiator)
        return self

    def run(self) -> Worker:
        worker = Worker(self._fn, pass_control=self._pass_control)
        relay = _Relay(self, self._parent)
        worker.signals.result.connect(relay.on_result)
        worker.signals.error.connect(relay.on_error)
        worker.signals.progress.connect(relay.on_progress)
        worker.signals.finished.connect(relay.on_finished)
        self.worker = worker
        return self._tasks.start(worker)

    def _deliver_result(self, value: Any) -> None:
        if self._changes is not None:
            broadcaster, changes, initiator = self._changes
            broadcaster.broadcast(changes, initiator)
        if self._on_success:
            self._on_success(value)

    def _deliver_failure(self, failure: Failure) -> None:
        if self._on_failure:
            self._on_failure(failure)
        else:
            error_hub().report(failure)
