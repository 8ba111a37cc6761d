"""Scheduled jobs run while the app is open: a scheduler tick every 30 s and on demand.

Each tick is :func:`app.services.scheduler_tick.tick` — the same as ``stella
scheduler tick`` — on a thread of its own (a scheduled run may take as long as a
canary), so it never holds up the screens' loads. At most one tick is in flight;
asking for one meanwhile runs exactly one more afterwards. A cron job ticking
the same site at the same moment is harmless: the slot claim lets only one run.
Runs the tick advances are broadcast as they move; when the tick ends, what it
touched is broadcast as a change of schedules.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.context import Site
from app.qt.changes import ChangeBroadcaster, ChangeSet
from app.qt.errors import Failure, error_hub
from app.qt.operation import Operation
from app.qt.worker import TaskControl, TaskManager
from app.steps.base import StepRegistry

if TYPE_CHECKING:  # the tick brings the feeds' vulnerability index (~0.25 s of imports)
    from app.services.scheduler_tick import TickReport

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"  # the initiator of the changes a tick makes
TICK_INTERVAL_MS = 30_000
FIRST_TICK_MS = 2_000


class SchedulerRunner(QObject):
    ticked = Signal(object)  # TickReport
    failed = Signal(object)  # Failure
    busy_changed = Signal(bool)
    _advanced = Signal(str)  # from the tick's thread: a run moved

    def __init__(self, site: Site, registry_factory: Callable[[], StepRegistry],
                 broadcaster: ChangeBroadcaster, interval_ms: int = TICK_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._site = site
        self._registry_factory = registry_factory
        self._broadcaster = broadcaster
        self._tasks = TaskManager(1, self)
        self._control: TaskControl | None = None
        self._again = False
        self._failing = False
        self.last_report: TickReport | None = None
        self.last_tick_monotonic: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick_now)
        self._advanced.connect(self._on_advanced)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @property
    def busy(self) -> bool:
        return self._control is not None

    @property
    def active(self) -> bool:
        """Whether ticks run on their own (the timer is on)."""
        return self._timer.isActive()

    def start(self, first_delay_ms: int = FIRST_TICK_MS) -> None:
        """Tick every interval from now on, the first time after ``first_delay_ms``."""
        self._timer.start()
        QTimer.singleShot(first_delay_ms, self, self.tick_now)

    def stop(self) -> None:
        self._timer.stop()

    def tick_now(self) -> bool:
        """Start a tick; when one is running, one more follows it. False once closed."""
        if self._tasks.closed:
            return False
        if self._control is not None:
            self._again = True
            return True
        site, registry = self._site, self._registry_factory()

        def run(control: TaskControl) -> TickReport:
            from app.services import scheduler_tick  # in the worker, on the first tick

            runner = scheduler_tick.executor_runner(registry, self._advanced.emit,
                                                    control.cancelled)
            return scheduler_tick.tick(site, runner, should_stop=control.cancelled)

        worker = (Operation(self, run, tasks=self._tasks)
                  .controlled()
                  .success(self._done)
                  .failure(self._failed)
                  .finally_(self._ended)
                  .run())
        self._control = worker.control
        self.busy_changed.emit(True)
        return True

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop ticking, ask a running tick to stop, and wait for it."""
        self._timer.stop()
        self._tasks.close()
        if self._control is not None:
            self._control.cancel()
        return self._tasks.wait(timeout_ms)

    def _done(self, report: TickReport) -> None:
        self._failing = False
        self.last_report = report
        self.last_tick_monotonic = time.monotonic()
        changes = ChangeSet(promotions=report.promotions, logs=report.promotions,
                            schedules=True)
        self._broadcaster.broadcast(changes, SCHEDULER)
        self.ticked.emit(report)

    def _failed(self, failure: Failure) -> None:
        self.failed.emit(failure)
        if not self._failing:  # say it once; keep ticking, say it again after a recovery
            self._failing = True
            error_hub().report(Failure(f"Scheduler tick failed: {failure.message}",
                                       "Scheduler", failure.error_type, failure.expected))
        log.info("scheduler tick failed: %s", failure.message)

    def _ended(self) -> None:
        self._control = None
        self.busy_changed.emit(False)
        if self._again:
            self._again = False
            self.tick_now()

    @Slot(str)
    def _on_advanced(self, promotion_id: str) -> None:
        self._broadcaster.broadcast(ChangeSet.run(promotion_id, logs=True), SCHEDULER)
