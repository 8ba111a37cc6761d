"""The agent's loop: advance every run that can move, tick every schedule, sleep lightly.

Each run moves on a thread of its own with the same :class:`app.executor.Executor`
(and run lease) as ``stella run``, so a long canary never holds up another run's
approval. Each schedule is ticked on a thread of its own
(:func:`app.services.scheduler_tick.tick_one`), when its slot opens, when
something changed, and every ``RECHECK_SECONDS`` while it waits on preconditions.

The loop asks the change signal every 0.1 s and looks at the site when it fires,
when a run it moved stops, and at least every second (slots open by the clock, not
by a write). A look costs one grouped query over the run events; only runs whose
events changed since the last look are folded again.

Stopping (SIGTERM): no new step or run starts; a running step gets ``grace``
seconds to finish, then is told to stop and recorded interrupted, for an operator
to retry — a canary stage is never left half-measured without a word. A SIGKILL
loses nothing either: every step is committed before it starts, and the next
executor finds a step left running with no live lease holder and records it
interrupted (:mod:`app.executor`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.agent.change_signal import POLL_SECONDS, ChangeSignal
from app.agent.selection import Choice, choose
from app.context import Site
from app.errors import NotNow, StellaError
from app.executor import Executor
from app.services import schedule_hold, scheduler_tick
from app.services.promotions import load_run_in
from app.steps.base import StepRegistry
from engine.clock import parse_rfc3339
from models import agent_reads

log = logging.getLogger(__name__)

LOOK_EVERY = 1.0  # seconds: how late a slot may start at worst, plus a tick
RECHECK_SECONDS = 15.0  # a due job waiting on preconditions is looked at again
MIN_TICK_GAP = 1.0  # a job is not ticked again on every write its own tick makes
BUSY_BACKOFF = 2.0  # another executor holds the run: ask again after this
STOP_GRACE = 20.0  # seconds a running step may take to finish when the agent stops
FOLDS_PER_LOOK = 200  # runs read and folded in one look (~1-3 ms each)


@dataclass
class LookReport:
    started: list[str] = field(default_factory=list)
    ticked: list[str] = field(default_factory=list)


@dataclass
class _Job:
    promotion_id: str
    moment: datetime | None  # when its slot opens (or its retry is due)


class Agent:
    def __init__(self, site: Site, registry_factory: Callable[[], StepRegistry],
                 max_runs: int = 8) -> None:
        self.site = site
        self._registry_factory = registry_factory
        self._max_runs = max_runs
        self._lock = threading.Lock()
        self._runs: dict[str, threading.Thread] = {}
        self._ticks: dict[str, tuple[threading.Thread, str]] = {}  # schedule → (thread, run)
        self._seen: dict[str, tuple[int, object]] = {}  # run → (last seq, schedules) judged idle
        self._busy_until: dict[str, float] = {}
        self._said: dict[str, str] = {}  # the last "not now" logged per run
        self._folds = 0
        self._ticked_at: dict[str, tuple[float, datetime]] = {}  # monotonic, site time
        self._drain = threading.Event()
        self._halt = threading.Event()
        self._wake = threading.Event()

    # -- one look -----------------------------------------------------------------
    def look(self, changed: bool = True) -> LookReport:
        """Start what can move now: runs, and schedules whose moment has come."""
        report = LookReport()
        if self._drain.is_set():
            return report
        with self.site.db.read() as session:
            heads = agent_reads.run_heads(session)
            rows = agent_reads.schedule_states(session)
        jobs = {row.id: _Job(row.promotion_id, _moment(row.window_start, row.not_before))
                for row in rows if row.status in ("scheduled", "running")}
        schedules: dict[str, tuple] = {}  # a run's schedules as they stand: a change re-judges it
        for row in sorted(rows, key=lambda r: r.id):
            schedules[row.promotion_id] = (*schedules.get(row.promotion_id, ()), row.id,
                                           row.status, row.updated_at)
        self._folds = 0
        for promotion_id, seq in sorted(heads.items(), reverse=True):  # the newest first
            if self._folds >= FOLDS_PER_LOOK:  # a big site's first look: the rest next time,
                self._wake.set()  # at once, so a change is never behind a long look
                break
            choice = self._judge(promotion_id, seq, schedules.get(promotion_id, ()))
            if choice is not None and choice.run and self._start_run(promotion_id, choice.until):
                report.started.append(promotion_id)
        for schedule_id, job in jobs.items():
            if self._tick_due(schedule_id, job, changed) and self._start_tick(schedule_id, job):
                report.ticked.append(schedule_id)
        return report

    def _judge(self, promotion_id: str, seq: int, schedules: object) -> Choice | None:
        with self._lock:
            if promotion_id in self._runs or promotion_id in self._ticking():
                return None
            if self._busy_until.get(promotion_id, 0.0) > time.monotonic():
                return None
            if self._seen.get(promotion_id) == (seq, schedules):
                return None
        self._folds += 1
        try:
            with self.site.db.read() as session:
                events, state = load_run_in(session, promotion_id)
                hold = schedule_hold.hold_of(session, promotion_id, state, events)
        except StellaError as exc:  # e.g. a broken chain: say it once per change
            log.warning("not advancing %s: %s", promotion_id, exc.message)
            self._seen[promotion_id] = (seq, schedules)
            return None
        choice = choose(state, events, hold.message if hold else None)
        if not choice.run:
            self._seen[promotion_id] = (seq, schedules)
        return choice

    def _ticking(self) -> set[str]:
        return {promotion for _thread, promotion in self._ticks.values()}

    def _tick_due(self, schedule_id: str, job: _Job, changed: bool) -> bool:
        last = self._ticked_at.get(schedule_id)
        if last is None:
            return True
        at_monotonic, at_site = last
        now = self.site.clock.now()
        if job.moment is not None and at_site < job.moment <= now:
            return True  # its slot (or retry) opened since the last look
        gap = time.monotonic() - at_monotonic
        return gap >= RECHECK_SECONDS or (changed and gap >= MIN_TICK_GAP)

    # -- threads ------------------------------------------------------------------
    def _start_run(self, promotion_id: str, until: str | None) -> bool:
        with self._lock:
            if promotion_id in self._runs or len(self._runs) >= self._max_runs:
                return False
            thread = threading.Thread(target=self._advance, args=(promotion_id, until),
                                      name=f"agent run {promotion_id}", daemon=True)
            self._runs[promotion_id] = thread
        log.info("advancing %s%s", promotion_id, f" until {until}" if until else "")
        thread.start()
        return True

    def _advance(self, promotion_id: str, until: str | None) -> None:
        try:
            result = Executor(self.site, promotion_id, self._registry_factory(),
                              should_stop=self._halt.is_set,
                              should_drain=self._drain.is_set).run(until=until)
            log.info("%s: %s — %s (%d step(s))", promotion_id, result.status.upper(),
                     result.why, result.steps_run)
            self._said.pop(promotion_id, None)
        except NotNow as exc:  # another executor holds it, or its schedule does
            if self._said.get(promotion_id) != exc.message:  # once, not every back-off
                log.info("%s: not now: %s", promotion_id, exc.message)
                self._said[promotion_id] = exc.message
            self._busy_until[promotion_id] = time.monotonic() + BUSY_BACKOFF
        except StellaError as exc:
            log.warning("%s stopped: %s", promotion_id, exc.message)
            self._busy_until[promotion_id] = time.monotonic() + RECHECK_SECONDS
        except Exception:  # a bug must not take the agent (and every other run) down
            log.exception("%s stopped with an unexpected error", promotion_id)
            self._busy_until[promotion_id] = time.monotonic() + RECHECK_SECONDS
        finally:
            with self._lock:
                self._runs.pop(promotion_id, None)
                self._seen.pop(promotion_id, None)
            self._wake.set()

    def _start_tick(self, schedule_id: str, job: _Job) -> bool:
        with self._lock:
            if schedule_id in self._ticks or job.promotion_id in self._runs:
                return False
            thread = threading.Thread(target=self._tick, args=(schedule_id,),
                                      name=f"agent tick {schedule_id}", daemon=True)
            self._ticks[schedule_id] = (thread, job.promotion_id)
            self._ticked_at[schedule_id] = (time.monotonic(), self.site.clock.now())
        thread.start()
        return True

    def _tick(self, schedule_id: str) -> None:
        runner = scheduler_tick.executor_runner(self._registry_factory(),
                                                should_stop=self._halt.is_set,
                                                should_drain=self._drain.is_set)
        try:
            report = scheduler_tick.tick_one(self.site, schedule_id, runner)
            for result in report.results:
                if result.action != "nothing":
                    log.info("%s %s: %s → %s — %s", schedule_id, result.promotion_id,
                             result.action, result.status.upper(), result.text)
        except Exception:
            log.exception("tick of %s failed", schedule_id)
        finally:
            with self._lock:
                self._ticks.pop(schedule_id, None)
                self._ticked_at[schedule_id] = (time.monotonic(), self.site.clock.now())
            self._wake.set()

    # -- serving ------------------------------------------------------------------
    def serve(self, stop: threading.Event, grace: float = STOP_GRACE) -> None:
        """Look whenever something changed (and every second) until ``stop`` is set."""
        signal = ChangeSignal(self.site)
        try:
            next_look = 0.0
            while not stop.is_set():
                changed = signal.changed()
                if changed or self._wake.is_set() or time.monotonic() >= next_look:
                    self._wake.clear()
                    try:
                        self.look(changed)
                    except Exception:  # the database may be busy or gone for a moment
                        log.exception("looking at the site failed; trying again")
                    next_look = time.monotonic() + LOOK_EVERY
                stop.wait(POLL_SECONDS)
        finally:
            signal.close()
            self.shutdown(grace)

    def busy(self) -> bool:
        with self._lock:
            return bool(self._runs or self._ticks)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no run or tick of this agent is going (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def shutdown(self, grace: float = STOP_GRACE) -> bool:
        """Start nothing new; let running steps finish for ``grace`` s, then park them."""
        self._drain.set()
        if self.wait_idle(grace):
            return True
        log.info("asking the steps still running to stop; they are recorded interrupted")
        self._halt.set()
        return self.wait_idle(30.0)


def _moment(window_start: str, not_before: str | None) -> datetime:
    opens = parse_rfc3339(window_start)
    return max(opens, parse_rfc3339(not_before)) if not_before else opens
