"""Everything the screens share: the site, the task pool, the change broadcaster,
the poller, the in-app executor, who the user is acting as and, once they signed in,
their session (:mod:`app.screens.session`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.context import Site
from app.qt.agent_watch import AgentWatch
from app.qt.chain_verifier import ChainVerifierRunner
from app.qt.changes import ChangeBroadcaster
from app.qt.errors import ErrorHub, error_hub
from app.qt.executor_runner import ExecutorRunner
from app.qt.gc_collector import GuiThreadCollector
from app.qt.poller import POLL_INTERVAL_MS, RunPoller
from app.qt.scheduler_runner import SchedulerRunner
from app.qt.worker import TaskManager

if TYPE_CHECKING:  # types only: the window paints and lists before these load
    from app.screens.session import SignedInUser
    from app.steps.base import StepRegistry


class GuiContext(QObject):
    actor_changed = Signal(str)
    session_changed = Signal(object)  # SignedInUser | None
    navigate_requested = Signal(str)  # a navigation key, for the main window

    def __init__(self, site: Site,
                 registry_factory: Callable[[], StepRegistry] | None = None,
                 poll_interval_ms: int = POLL_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.site = site
        self.collector = GuiThreadCollector(self)  # before any worker thread exists
        self.tasks = TaskManager(parent=self)
        self.changes = ChangeBroadcaster(self)
        self.errors: ErrorHub = error_hub()
        self.poller = RunPoller(site, self.changes, poll_interval_ms, self.tasks, self)
        self.chain_verifier = ChainVerifierRunner(site, self.changes, self.tasks, parent=self)
        registry_factory = registry_factory or _default_registry
        self.executors = ExecutorRunner(site, registry_factory, self.changes, parent=self)
        self.scheduler = SchedulerRunner(site, registry_factory, self.changes, parent=self)
        self.agent = AgentWatch(site.config, self.tasks, parent=self)  # the site's executor
        self._actor: str | None = None
        self._session: SignedInUser | None = None
        self._closed = False

    @property
    def actor(self) -> str | None:
        return self._actor

    @property
    def session(self) -> SignedInUser | None:
        return self._session

    def sign_in(self, user: SignedInUser | None) -> None:
        """Act as ``user`` from now on (None: signed out)."""
        self._session = user
        self.set_actor(user.name if user else None)
        self.session_changed.emit(user)

    def set_actor(self, name: str | None) -> None:
        if self._session is not None and self._session.name != name:
            self._session = None  # acting as someone else ends the session
            self.session_changed.emit(None)
        if name != self._actor:
            self._actor = name
            self.actor_changed.emit(name or "")

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop polling, ask executors to stop, and wait for background work to end."""
        if self._closed:
            return True
        self._closed = True
        self.poller.stop()
        self.chain_verifier.stop()
        self.agent.stop()
        self.tasks.close()
        scheduler_stopped = self.scheduler.shutdown(timeout_ms)
        stopped = self.executors.stop_all(timeout_ms) and scheduler_stopped
        finished = self.tasks.wait(timeout_ms) and stopped
        self.collector.stop()
        return finished


def _default_registry() -> StepRegistry:
    """The product's steps, imported when a run or tick first needs them: they bring the
    policy engine (~0.3 s), which the first window paint must not wait for."""
    from app.steps.defaults import default_registry

    return default_registry()
