"""The scheduling screens, as the main window asks for them: Operations → Orchestrator /
Scheduler Runs / Dead Letter (built on demand and linked to each other and back to
the run's timeline), and the Schedule Promotion dialog the run view opens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from app.qt.context import GuiContext
from views.schedule.dialog import ScheduleDialog

ORCHESTRATOR = "orchestrator"
SCHEDULER_RUNS = "scheduler-runs"
DEAD_LETTER = "dead-letter"
KEYS = frozenset({ORCHESTRATOR, SCHEDULER_RUNS, DEAD_LETTER})


class SchedulerScreens(QObject):
    def __init__(self, ctx: GuiContext, navigate: Callable[[str], object],
                 show_run: Callable[[str], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._navigate = navigate
        self._show_run = show_run
        self.pages: dict[str, QWidget] = {}
        self.dialog: ScheduleDialog | None = None

    def page(self, key: str) -> QWidget | None:
        """The page for navigation ``key``, or None when it is not a scheduling page."""
        if key not in KEYS:
            return None
        if key not in self.pages:
            self.pages[key] = self._build(key)
        return self.pages[key]

    def _build(self, key: str) -> QWidget:
        from views.scheduler_runs.dead_letter_page import DeadLetterPage
        from views.scheduler_runs.orchestrator_page import OrchestratorPage
        from views.scheduler_runs.runs_page import SchedulerRunsPage

        runner = self.ctx.scheduler
        page: QWidget
        if key == SCHEDULER_RUNS:
            page = SchedulerRunsPage(self.ctx, runner)
        elif key == DEAD_LETTER:
            page = DeadLetterPage(self.ctx)
            page.schedule_requested.connect(self.show_schedule)
        else:
            page = OrchestratorPage(self.ctx, runner)
            page.schedule_requested.connect(self.show_schedule)
        page.timeline_requested.connect(self._show_run)
        return page

    def show_schedule(self, schedule_id: str) -> None:
        self._navigate(SCHEDULER_RUNS)
        if schedule_id:
            self.page(SCHEDULER_RUNS).select(schedule_id)  # type: ignore[union-attr]

    def open_schedule_dialog(self, promotion_id: str, parent: QWidget | None = None
                             ) -> ScheduleDialog | None:
        """Schedule Promotion for ``promotion_id`` (one dialog at a time)."""
        if not promotion_id:
            return None
        if self.dialog is not None:
            self.dialog.close()
        dialog = ScheduleDialog(self.ctx, promotion_id, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_runs_requested.connect(self._runs_from_dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        self.dialog = dialog
        dialog.show()
        return dialog

    def _runs_from_dialog(self, schedule_id: str) -> None:
        if self.dialog is not None:
            self.dialog.accept()
        self.show_schedule(schedule_id)

    def _forget(self, dialog: ScheduleDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
