"""The GUI is a client of the site agent: it watches whether one runs, and starts one.

Whether an agent holds the site's lock is read in a worker every ``WATCH_MS`` (a
file lock and a small note: cheap, but still I/O, so never on the GUI thread).
Starting the agent runs ``stella agent start`` in a worker too: it returns once the
agent holds its lock, in a session of its own, so quitting the app never stops it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.agent import lock
from app.agent.lock import AgentStatus
from app.qt.errors import Failure, error_hub
from app.qt.operation import Operation
from app.qt.worker import TaskManager
from app.site import SiteConfig

WATCH_MS = 2_000


class AgentWatch(QObject):
    changed = Signal(object)  # AgentStatus
    starting_changed = Signal(bool)

    def __init__(self, config: SiteConfig, tasks: TaskManager, interval_ms: int = WATCH_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._config = config
        self._tasks = tasks
        self.status: AgentStatus | None = None  # None until the first look
        self.starting = False
        self._looking = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()
        self.check()

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> None:
        if self._looking or self._tasks.closed:
            return
        self._looking = True
        config = self._config
        (Operation(self, lambda: lock.status(config), tasks=self._tasks)
         .success(self._seen)
         .finally_(self._looked)
         .run())

    def start_agent(self) -> bool:
        """Start the site's agent detached; False when one is being started already."""
        if self.starting or self._tasks.closed:
            return False
        from app.agent import process

        config = self._config
        self._set_starting(True)
        (Operation(self, lambda: process.start_detached(config), tasks=self._tasks)
         .success(self._seen)
         .failure(lambda failure: error_hub().report(Failure(
             f"Could not start the agent: {failure.message}", "Agent", failure.error_type,
             failure.expected)))
         .finally_(lambda: self._set_starting(False))
         .run())
        return True

    def _looked(self) -> None:
        self._looking = False

    def _set_starting(self, starting: bool) -> None:
        self.starting = starting
        self.starting_changed.emit(starting)

    def _seen(self, status: AgentStatus) -> None:
        if status != self.status:
            self.status = status
            self.changed.emit(status)
