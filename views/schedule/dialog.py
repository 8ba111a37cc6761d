"""Schedule Promotion (seed §14.9): choose a time and a window, the preconditions (each
blocking or warn-only), where the run stops, and create the scheduler job — then
follow it on Operations → Scheduler Runs.

The promotion's facts load in a worker; [Create Schedule] calls
:func:`app.services.scheduler.create_schedule` in a worker too, and the service's
message is shown in the dialog when it refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

from PySide6.QtCore import QDateTime, QTimer, QTimeZone, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.qt.changes import ChangeSet
from app.qt.context import GuiContext
from app.qt.errors import Failure
from app.qt.operation import Operation
from app.screens import session
from app.screens.scheduler_screens import ScheduleForm, failing_now, schedule_form
from app.services import scheduler
from app.services.scheduler import ScheduleInfo
from engine.schedule import preconditions as pre
from engine.schedule.window import duration_text
from views.common.geometry import fit_window

WINDOWS = ("30m", "1h", "2h", "4h", "8h", "1d")
FEED_AGES = ("30m", "1h", "2h", "6h", "12h", "24h")
BLOCKING, WARN_ONLY = "Blocking", "Warn only"
WHOLE_RUN = "Whole run"
# (kind, label, checked, blocking) as the seed's mock draws them
ROWS = ((pre.FEEDS_FRESH, "NVD/OSV feeds fresh", True, True),
        (pre.SBOM_RESCANS, "SBOM rescans complete", True, True),
        (pre.INTEGRATIONS, "Integrations healthy", False, False))
HELP = {
    pre.FEEDS_FRESH: "The newest snapshot of every feed source and ecosystem was taken less "
                     "than this long before the job starts.",
    pre.SBOM_RESCANS: "The release's findings are current: its gate verdict (if it has one) "
                      "used the newest feed snapshots and policy, and no replay of it is "
                      "running. Without a verdict yet, the run's own gate scans the SBOMs.",
    pre.INTEGRATIONS: "Every deploy target of the target environment answers healthy and the "
                      "secret providers are usable.",
}


def default_start(now: datetime) -> datetime:
    """The next full hour at least ten minutes away."""
    start = (now + timedelta(minutes=10)).replace(minute=0, second=0, microsecond=0)
    return start + timedelta(hours=1)


class ScheduleDialog(QDialog):
    loaded = Signal(object)  # ScheduleForm
    created = Signal(object)  # ScheduleInfo
    open_runs_requested = Signal(str)  # schedule id
    checked = Signal(tuple)  # the blocking preconditions failing now

    def __init__(self, ctx: GuiContext, promotion_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleDialog")
        self.setWindowTitle("Schedule Promotion")
        self.setMinimumWidth(680)
        fit_window(self, "schedule")
        self.ctx = ctx
        self.promotion_id = promotion_id
        self.form: ScheduleForm | None = None
        self.schedule: ScheduleInfo | None = None
        self.failing_now: tuple[str, ...] = ()
        layout = QVBoxLayout(self)
        title = QLabel("Schedule Promotion")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.promotion_label = QLabel(f"Promotion: <b>{escape(promotion_id)}</b> — loading…")
        self.promotion_label.setObjectName("schedulePromotion")
        self.promotion_label.setWordWrap(True)
        layout.addWidget(self.promotion_label)

        when = QGridLayout()
        self.start_edit = QDateTimeEdit()
        self.start_edit.setObjectName("scheduleStart")
        self.start_edit.setAccessibleName("Start time")
        self.start_edit.setTimeZone(QTimeZone.utc())
        self.start_edit.setDisplayFormat("MMM d yyyy, HH:mm 'UTC'")
        self.start_edit.setCalendarPopup(True)
        self.start_edit.setDateTime(_qt(default_start(ctx.site.clock.now())))
        self.window_combo = QComboBox()
        self.window_combo.setObjectName("scheduleWindow")
        self.window_combo.setEditable(True)
        self.window_combo.addItems(WINDOWS)
        self.window_combo.setCurrentText("2h")
        self.window_combo.setToolTip("How long after the start the job may still begin "
                                     "(e.g. 90m, 2h, 1d); after that it is missed")
        self.until_combo = QComboBox()
        self.until_combo.setObjectName("scheduleUntil")
        self.until_combo.addItem(WHOLE_RUN, None)
        self.until_combo.setToolTip("Run the whole promotion, or stop after a stage")
        when.addWidget(QLabel("Schedule:"), 0, 0)
        when.addWidget(self.start_edit, 0, 1)
        when.addWidget(QLabel("Window:"), 0, 2)
        when.addWidget(self.window_combo, 0, 3)
        when.addWidget(QLabel("Run:"), 1, 0)
        when.addWidget(self.until_combo, 1, 1, 1, 3)
        when.setColumnStretch(1, 1)
        layout.addLayout(when)

        box = QGroupBox("Preconditions")
        self.preconditions = box
        grid = QGridLayout(box)
        self.checks: dict[str, QCheckBox] = {}
        self.modes: dict[str, QComboBox] = {}
        self.feed_age = QComboBox()
        self.feed_age.setObjectName("feedAge")
        self.feed_age.setEditable(True)
        self.feed_age.addItems(FEED_AGES)
        self.feed_age.setCurrentText("1h")
        for row, (kind, label, checked, blocking) in enumerate(ROWS):
            check = QCheckBox(label + (" (<" if kind == pre.FEEDS_FRESH else ""))
            check.setObjectName(f"check-{kind}")
            check.setChecked(checked)
            check.setToolTip(HELP[kind])
            mode = QComboBox()
            mode.setObjectName(f"mode-{kind}")
            mode.addItems([BLOCKING, WARN_ONLY])
            mode.setCurrentText(BLOCKING if blocking else WARN_ONLY)
            mode.setToolTip("Blocking: the job waits until it holds. Warn only: the job runs "
                            "and the attempt records the warning.")
            check.toggled.connect(mode.setEnabled)
            mode.setEnabled(checked)
            self.checks[kind], self.modes[kind] = check, mode
            grid.addWidget(check, row, 0)
            if kind == pre.FEEDS_FRESH:
                age = QHBoxLayout()
                age.addWidget(self.feed_age)
                age.addWidget(QLabel(")"))
                age.addStretch(1)
                grid.addLayout(age, row, 1)
                check.toggled.connect(self.feed_age.setEnabled)
            grid.addWidget(mode, row, 2)
        grid.setColumnStretch(1, 1)
        layout.addWidget(box)
        self.precheck = QLabel()
        self.precheck.setObjectName("preconditionsFailingNow")
        self.precheck.setWordWrap(True)
        self.precheck.setStyleSheet("color: #8a4b00; background: #fff8e1; border: 1px solid "
                                    "#ffcc80; border-radius: 4px; padding: 6px;")
        self.precheck.hide()
        layout.addWidget(self.precheck)
        self._precheck_timer = QTimer(self)
        self._precheck_timer.setSingleShot(True)
        self._precheck_timer.setInterval(300)
        self._precheck_timer.timeout.connect(self.check_preconditions)
        for check in self.checks.values():
            check.toggled.connect(lambda _on: self._precheck_timer.start())
        for mode in self.modes.values():
            mode.currentTextChanged.connect(lambda _text: self._precheck_timer.start())
        self.feed_age.currentTextChanged.connect(lambda _text: self._precheck_timer.start())
        hint = QLabel("Times are UTC. The job starts once the window opens and every blocking "
                      "precondition holds; if they do not hold before the window closes, the "
                      "job goes to the dead-letter list with why.")
        hint.setObjectName("scheduleHint")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #546e7a;")
        layout.addWidget(hint)

        self.result_label = QLabel()  # not `result`: QDialog.result() is a method
        self.result_label.setObjectName("scheduleResult")
        self.result_label.setWordWrap(True)
        self.result_label.hide()
        layout.addWidget(self.result_label)
        buttons = QHBoxLayout()
        self.create_button = QPushButton("Create Schedule")
        self.create_button.setObjectName("createSchedule")
        self.create_button.setDefault(True)
        self.create_button.setEnabled(False)
        self.create_button.clicked.connect(self.create_schedule)
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        self.runs_link = QLabel("Link: <a href='runs'>Open Scheduler Runs</a>")
        self.runs_link.setObjectName("openSchedulerRuns")
        self.runs_link.linkActivated.connect(lambda _href: self._open_runs())
        buttons.addWidget(self.runs_link)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        # a bound slot, not a lambda: Qt drops the connection when the dialog is deleted
        ctx.actor_changed.connect(self._actor_changed)
        self._load()

    # -- the promotion ---------------------------------------------------------------
    def _load(self) -> None:
        site, pid = self.ctx.site, self.promotion_id
        Operation(self, lambda: schedule_form(site, pid), tasks=self.ctx.tasks) \
            .success(self._loaded).failure(self._show_failure).run()

    def _loaded(self, form: ScheduleForm) -> None:
        self.form = form
        now = f"{escape(form.current_title)} — " if form.current_title else ""
        self.promotion_label.setText(f"Promotion: <b>{escape(form.label)}</b> · "
                                     f"{escape(form.promotion_id)}<br>"
                                     f"<span style='color:#546e7a'>Now: {now}"
                                     f"{escape(form.status.upper())}</span>")
        for stage in form.stages:
            self.until_combo.addItem(f"Until {stage.title}", stage.name)
        if form.ended:
            self._say(f"{form.promotion_id} has ended; there is nothing to schedule.", False)
        elif form.schedule is not None:
            self._show_existing(form.schedule)
        elif form.active_schedule:
            self._say(f"{form.promotion_id} already has schedule {form.active_schedule}; cancel "
                      "it on Scheduler Runs first.", False)
        self._update_create()
        if not form.ended and form.schedule is None and not form.active_schedule:
            self.check_preconditions()
        self.loaded.emit(form)

    def _show_existing(self, info: ScheduleInfo) -> None:
        """The promotion's schedule as it was created, frozen (one job per promotion),
        rather than a fresh form that would contradict it."""
        self.start_edit.setDateTime(_qt(info.window.opens_at))
        self.window_combo.setCurrentText(duration_text(info.window.length))
        if info.until_step is not None and self.until_combo.findData(info.until_step) < 0:
            self.until_combo.addItem(f"Until {info.until_step}", info.until_step)
        self.until_combo.setCurrentIndex(max(0, self.until_combo.findData(info.until_step)))
        for kind, check in self.checks.items():
            held = next((p for p in info.preconditions if p.kind == kind), None)
            check.setChecked(held is not None)
            if held is not None:
                self.modes[kind].setCurrentText(BLOCKING if held.blocking else WARN_ONLY)
                if held.max_age is not None:
                    self.feed_age.setCurrentText(duration_text(held.max_age))
        for widget in (self.start_edit, self.window_combo, self.until_combo, self.preconditions):
            widget.setEnabled(False)
        self._say(f"{escape(info.promotion_id)} already has schedule <b>{escape(info.id)}</b>, "
                  f"shown here: {escape(info.state_text)}. To change it, cancel it on Scheduler "
                  "Runs and schedule again.", True)

    @Slot(str)
    def _actor_changed(self, _name: str) -> None:
        self._update_create()

    def _update_create(self) -> None:
        form = self.form
        ready = form is not None and not form.ended and not form.active_schedule \
            and self.schedule is None
        self.create_button.setEnabled(bool(ready and self.ctx.actor))
        self.create_button.setToolTip("" if self.ctx.actor else
                                      "Choose who you are acting as (toolbar: Acting as)")

    # -- preconditions that already fail -----------------------------------------------
    def check_preconditions(self) -> None:
        """Warn now when a blocking precondition already fails (e.g. feeds 7 h old
        against "< 1 h"): the job would only wait at its slot, or be dead-lettered."""
        site, pid, request = self.ctx.site, self.promotion_id, self.request()
        (Operation(self, lambda: failing_now(site, pid, request["requires"], request["warns"]),
                   tasks=self.ctx.tasks)
         .success(self._show_failing)
         .run())

    def _show_failing(self, lines: tuple[str, ...]) -> None:
        self.failing_now = lines
        if not lines:
            self.precheck.hide()
            return
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        self.precheck.setText("⚠ <b>Already failing now</b> (blocking):<ul style='margin:0'>"
                              f"{items}</ul>Unless this changes, the job waits at its slot and "
                              "is dead-lettered when its window closes.")
        self.precheck.show()
        self.checked.emit(lines)

    # -- create ----------------------------------------------------------------------
    def request(self) -> dict:
        """What :func:`scheduler.create_schedule` is called with (besides site and actor)."""
        requires: list[str] = []
        warns: list[str] = []
        for kind, check in self.checks.items():
            if not check.isChecked():
                continue
            spec = f"{kind}<{self.feed_age.currentText().strip()}" if kind == pre.FEEDS_FRESH \
                else kind
            (requires if self.modes[kind].currentText() == BLOCKING else warns).append(spec)
        start = self.start_edit.dateTime().toSecsSinceEpoch()
        return {"at": datetime.fromtimestamp(start, UTC),
                "window": self.window_combo.currentText().strip(),
                "requires": requires, "warns": warns, "until": self.until_combo.currentData()}

    def create_schedule(self) -> None:  # not `create`: QWidget.create() is a method
        site, pid, actor, request = self.ctx.site, self.promotion_id, self.ctx.actor or "", \
            self.request()
        self.create_button.setEnabled(False)
        self.result_label.hide()
        passphrase = session.passphrase_for(self.ctx.session, actor)
        (Operation(self, lambda: scheduler.create_schedule(  # the actor proves who they are
            site, pid, actor=session.confirm(site, actor, passphrase).name, **request),
                   tasks=self.ctx.tasks)
         .broadcasts(self.ctx.changes, ChangeSet(promotions=frozenset({pid}), schedules=True),
                     initiator=self)
         .success(self._created)
         .failure(self._create_failed)
         .run())

    def _created(self, info: ScheduleInfo) -> None:
        self.schedule = info
        self._say(f"Created <b>{escape(info.id)}</b>: {escape(info.state_text)}. The site agent "
                  "starts it at its slot, inside its window (or <code>stella scheduler "
                  "tick</code> from a timer where no agent runs).", True)
        self.close_button.setText("Done")
        for widget in (self.start_edit, self.window_combo, self.until_combo, self.preconditions):
            widget.setEnabled(False)  # what was created is what is shown
        self._update_create()
        self.created.emit(info)

    def _create_failed(self, failure: Failure) -> None:
        self._show_failure(failure)
        self._update_create()

    def _show_failure(self, failure: Failure) -> None:
        self._say(escape(failure.message, quote=False), False)

    def _say(self, html: str, ok: bool) -> None:
        colours = ("#1b5e20", "#e8f5e9", "#a5d6a7") if ok else ("#8e0000", "#ffebee", "#ef9a9a")
        self.result_label.setStyleSheet(f"color: {colours[0]}; background: {colours[1]}; border: 1px "
                                  f"solid {colours[2]}; border-radius: 4px; padding: 6px;")
        self.result_label.setText(html)
        self.result_label.show()
        self.adjustSize()  # grow rather than squeeze the form above

    def _open_runs(self) -> None:
        shown = self.schedule or (self.form.schedule if self.form else None)
        self.open_runs_requested.emit(shown.id if shown else "")


def _qt(moment: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())
