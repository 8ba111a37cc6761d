"""The headless executor: advances one run, step by step, from its events.

It holds the run's lease while it works, so a second executor on the same run stops
at once (exit code 4). Each step is announced (``step.started``) and committed before
its work begins, and its outcome is committed only if the step is still the one this
executor started — an operator who paused, marked it failed or rolled back meanwhile
wins. After a crash the next executor finds the step ``running`` with no live lease
holder and records it ``interrupted`` for an operator to decide.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.context import Site
from app.drivers.process import pid_alive
from app.errors import NotNow, Rejected
from app.services import schedule_hold
from app.services.promotions import load_run_in
from app.services.stage_names import require_stage
from app.site_keys import executor_signer
from app.steps.approval import approval_refusal
from app.steps.base import StepContext, StepOutcome, StepRegistry
from engine.roster import sign_new_events
from engine.run import actions as run_actions
from engine.run import events as ev
from engine.run import planner, stages
from engine.run import state as st
from engine.run.status import StepStatus
from models import leases, run_store
from models.tables import StepLog

log = logging.getLogger(__name__)

EXECUTOR_ACTOR = "system:executor"
LEASE_TTL = timedelta(seconds=30)
HEARTBEAT_EVERY = 5.0


class StepUnavailable(Rejected):
    """The build has no implementation for a step: refuse instead of faking success."""


@dataclass(frozen=True)
class ExecutionResult:
    status: str
    why: str
    steps_run: int


class Executor:
    def __init__(self, site: Site, promotion_id: str, registry: StepRegistry,
                 on_change: Callable[[], None] | None = None,
                 should_stop: Callable[[], bool] | None = None,
                 should_drain: Callable[[], bool] | None = None,
                 scheduled: bool = False) -> None:
        """``should_stop``: stop now, parking a running step as interrupted;
        ``should_drain``: let the running step finish, start no other (the agent
        shutting down); ``scheduled``: run by its schedule's slot, the only executor
        allowed to advance a scheduled promotion."""
        self.site = site
        self.promotion_id = promotion_id
        self.registry = registry
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._on_change = on_change or (lambda: None)
        self._external_stop = should_stop or (lambda: False)
        self._drain = should_drain or (lambda: False)
        self.scheduled = scheduled
        self._last_heartbeat = 0.0
        self._signer = executor_signer(site.paths.keys)  # enrolled in the site roster

    # -- lease -----------------------------------------------------------------
    def _acquire(self) -> None:
        with self.site.db.write(site_wide=False) as session:
            load_run_in(session, self.promotion_id)  # not found / broken chain surface here
            holder = leases.take(session, self.promotion_id, self.owner, socket.gethostname(),
                                 os.getpid(), self.site.clock.now(), LEASE_TTL, pid_alive)
        if holder is not None:
            raise NotNow(f"promotion {self.promotion_id} is being executed by process {holder.pid} "
                         f"on {holder.host} (last heartbeat {holder.heartbeat_at:%H:%M:%S}); "
                         "only one executor may advance a run")
        self._last_heartbeat = time.monotonic()

    def heartbeat(self) -> None:
        if time.monotonic() - self._last_heartbeat < HEARTBEAT_EVERY:
            return
        with self.site.db.write(site_wide=False) as session:
            ok = leases.renew(session, self.promotion_id, self.owner, self.site.clock.now())
        if not ok:
            raise NotNow(f"lost the lease on {self.promotion_id}: another executor took over")
        self._last_heartbeat = time.monotonic()

    def _release(self) -> None:
        with self.site.db.write(site_wide=False) as session:
            leases.release(session, self.promotion_id, self.owner)

    # -- loop ------------------------------------------------------------------
    def run(self, until: str | None = None, max_steps: int | None = None) -> ExecutionResult:
        """Advance until the run ends, waits for a person, or reaches ``until``."""
        self._acquire()
        steps_run = 0
        try:
            while True:
                self.heartbeat()
                with self.site.db.read() as session:
                    _, state = load_run_in(session, self.promotion_id)
                work = planner.next_work(state)
                if until and work.step and _is_past(state, work.step, until):
                    return ExecutionResult(state.status, f"reached {until}", steps_run)
                if self._external_stop() or self._drain():
                    return ExecutionResult(state.status, "stopped on request", steps_run)
                if work.kind in (planner.DONE, planner.IDLE):
                    return ExecutionResult(state.status, work.why, steps_run)
                if max_steps is not None and steps_run >= max_steps:
                    return ExecutionResult(state.status, "step budget used", steps_run)
                if work.kind == planner.RECOVER:
                    self._recover(_step_of(work))
                elif work.kind == planner.ROLLBACK:
                    self._rollback(state)
                elif work.kind == planner.SEAL:
                    self._seal_ended(state)
                    steps_run += 1
                elif work.kind == planner.RUN_STEP:
                    hold = self._schedule_hold()
                    if hold is not None:  # schedules are law: only its slot starts a step
                        if steps_run == 0:
                            raise NotNow(hold)
                        return ExecutionResult(state.status, hold, steps_run)
                    self._run_step(state, _step_of(work))
                    steps_run += 1
        finally:
            self._release()

    def _schedule_hold(self) -> str | None:
        if self.scheduled:
            return None
        with self.site.db.read() as session:
            hold = schedule_hold.hold_of(session, self.promotion_id)
        return hold.message if hold is not None else None

    def _event(self, kind: str, step: str | None, data: Mapping[str, Any],
               reason: str | None = None) -> ev.NewEvent:
        return ev.NewEvent(kind, actor=EXECUTOR_ACTOR, at=self.site.now(), step=step,
                           reason=reason, data=dict(data))

    def _append_if(self, still_valid: Callable[[st.RunState], bool],
                   new: list[ev.NewEvent]) -> st.RunState | None:
        """Append ``new`` if, on the latest state, ``still_valid`` holds; else drop it."""
        with self.site.db.write(site_wide=False) as session:
            events, state = load_run_in(session, self.promotion_id)
            if not still_valid(state):
                log.info("dropping %s: the run changed meanwhile", [e.type for e in new])
                return None
            run_store.append(session, self.promotion_id, state.head, self._signed(state, new))
        self._on_change()
        return state

    def _signed(self, state: st.RunState, new: list[ev.NewEvent]) -> list[ev.NewEvent]:
        """The executor's events carry the signature of the site's executor key (a site
        created before executor keys has none, and its events stay unsigned)."""
        if self._signer is None:
            return new
        return sign_new_events(self.promotion_id, state.event_count, state.head, new, self._signer)

    def _recover(self, step: str) -> None:
        def still_running(s: st.RunState) -> bool:
            return s.current is not None and s.current.name == step and s.current.status == st.RUNNING

        seen = [self._event(ev.TARGET_OBSERVED, step, row) for row in self._observe_stage(step)]
        self._append_if(still_running, [*seen, self._event(
            ev.STEP_INTERRUPTED, step,
            {"error": "the process running this step stopped before it finished; "
                      "retry it or roll back"})])

    def _observe_stage(self, step: str) -> list[Mapping[str, Any]]:
        """What a crashed deploy stage's targets run now: its driver child may have
        finished after the executor died (reconcile, don't assume)."""
        observe = getattr(self.registry.rollback_handler, "observe_stage", None)
        if observe is None:
            return []
        with self.site.db.read() as session:
            _, state = load_run_in(session, self.promotion_id)
        try:
            return list(observe(self.site, state, step))
        except Exception:  # recovery must still park the step for an operator
            log.exception("could not observe the targets of %s", step)
            return []

    def _run_step(self, state: st.RunState, step: str) -> None:
        handler = self.registry.handler_for(step)
        if handler is None:
            raise StepUnavailable(
                f"cannot start {state.step(step).title}: this build has no implementation for the "
                f"'{step}' step, so the run stops here rather than pretend it passed")
        self._refuse_unbacked_approval(state, step)
        attempt = state.step(step).attempt + 1
        started = self._append_if(lambda s: s.current is not None and s.current.name == step and
                                  s.current.status == st.PENDING and not s.paused,
                                  [self._event(ev.STEP_STARTED, step, {"attempt": attempt})])
        if started is None:
            return
        ctx = self._step_context(step, attempt, lambda: self._step_should_stop(step, attempt),
                                 lambda kind, data: self._record(step, attempt, kind, data))
        try:
            outcome = handler.run(ctx)
        except Exception as exc:  # a handler bug must fail the step, not the executor
            log.exception("step %s failed with an unexpected error", step)
            outcome = StepOutcome(StepStatus.FAILED, error=f"unexpected error: {exc}")
        if self._external_stop() and outcome.status in (StepStatus.FAILED, StepStatus.WAITING):
            # Stopped from outside (the app closing): the step did not fail on its own,
            # so it waits for an operator like a crashed one.
            self._append_if(self._still_running(step, attempt), [self._event(
                ev.STEP_INTERRUPTED, step,
                {"error": "the executor was stopped while this step ran; retry it or roll back"})])
            return
        self._finish(step, attempt, outcome)

    def _refuse_unbacked_approval(self, state: st.RunState, step: str) -> None:
        """Never pass an approval step the signed approvals do not back: record it
        failed, saying why, and stop (app/steps/approval.py)."""
        why = approval_refusal(self.site, state, step)
        if why is None:
            return
        self._append_if(lambda s: s.head == state.head, [self._event(
            ev.STEP_FAILED, stages.APPROVAL,
            {"error": why, "summary": "approvals not backed by signatures"})])
        raise Rejected(f"{self.promotion_id} cannot pass {state.step(stages.APPROVAL).title}: {why}")

    def _still_running(self, step: str, attempt: int) -> Callable[[st.RunState], bool]:
        def check(s: st.RunState) -> bool:
            view = s.step(step)
            return s.current_step == step and view.status == st.RUNNING and view.attempt == attempt
        return check

    def _finish(self, step: str, attempt: int, outcome: StepOutcome) -> None:
        kinds: dict[str, str] = {StepStatus.SUCCEEDED: ev.STEP_SUCCEEDED, StepStatus.WARNED: ev.STEP_WARNED,
                 StepStatus.FAILED: ev.STEP_FAILED, StepStatus.WAITING: ev.STEP_WAITING,
                 StepStatus.SKIPPED: ev.STEP_SKIPPED}
        if outcome.status not in kinds:
            outcome = StepOutcome(StepStatus.FAILED, error=f"step returned unknown status {outcome.status!r}")
        data: dict[str, Any] = {"summary": outcome.summary, "outputs": dict(outcome.outputs)}
        if outcome.status == StepStatus.FAILED:
            data["error"] = outcome.error or "failed"
        if outcome.status == StepStatus.WAITING:
            data.update(dict(outcome.waiting_detail), **{"for": outcome.waiting_for})
        new = [self._event(kinds[outcome.status], step, data)]
        if outcome.auto_rollback:
            rollback = {**outcome.auto_rollback, "scope": "full", "automatic": True}
            new.append(ev.NewEvent(ev.ROLLBACK_REQUESTED, actor=EXECUTOR_ACTOR, at=self.site.now(),
                                   step=step, reason=str(outcome.auto_rollback.get("reason", "health gate breached")),
                                   data=rollback))
        self._append_if(self._still_running(step, attempt), new)

    def _step_should_stop(self, step: str, attempt: int) -> bool:
        self.heartbeat()
        if self._external_stop():
            return True
        with self.site.db.read() as session:
            _, state = load_run_in(session, self.promotion_id)
        return not self._still_running(step, attempt)(state) or state.paused \
            or state.pending_rollback is not None

    def _record(self, step: str, attempt: int, kind: str, data: Mapping[str, Any]) -> bool:
        """Append for a step; ``False`` when the run changed meanwhile and it was dropped."""
        return self._append_if(self._still_running(step, attempt), [self._event(kind, step, data)]) is not None

    def _step_context(self, step: str, attempt: int, should_stop: Callable[[], bool],
                      record: Callable[[str, Mapping[str, Any]], bool]) -> StepContext:
        """What a step handler is given: the run as stored now, the clock, the site, its
        log, and how it asks to stop and records an event."""
        with self.site.db.read() as session:
            _, state = load_run_in(session, self.promotion_id)
        return StepContext(
            promotion_id=self.promotion_id, step=step, attempt=attempt, state=state,
            clock=self.site.clock, site=self.site,
            log=lambda line: self._log(step, attempt, line),
            should_stop=should_stop, record=record,
        )

    def _log(self, step: str, attempt: int, line: str) -> None:
        with self.site.db.write(site_wide=False) as session:
            session.add(StepLog(promotion_id=self.promotion_id, step=step, attempt=attempt,
                                at=self.site.now(), line=line.rstrip("\n")))
        self._on_change()

    def _rollback(self, state: st.RunState) -> None:
        request = dict(state.pending_rollback or {})
        scope = request.get("scope", "full")
        steps = list(request.get("steps") or run_actions.rollback_steps(state, scope))
        handler = self.registry.rollback_handler
        if handler is None:
            raise StepUnavailable("cannot roll back: this build has no deploy driver to revert "
                                  "targets with, so the rollback request stays pending")
        step = state.current_step or steps[-1]
        ctx = StepContext(
            promotion_id=self.promotion_id, step=step, attempt=0, state=state,
            clock=self.site.clock, site=self.site,
            log=lambda line: self._log(step, 0, line),
            should_stop=self._external_stop,
            record=lambda kind, data: self._append_if(pending, [self._event(kind, step, data)]) is not None,
        )
        pending = lambda s: s.pending_rollback == state.pending_rollback  # noqa: E731
        outcome = handler.rollback(ctx, scope, steps)
        if outcome.ok:
            self._append_if(pending, [self._event(
                ev.ROLLBACK_COMPLETED, step,
                {"scope": scope, "steps": steps, "summary": outcome.summary,
                 "targets": [dict(t) for t in outcome.targets]})])
        else:
            self._append_if(pending, [self._event(
                ev.ROLLBACK_FAILED, step, {"scope": scope, "error": outcome.error})])


    def _seal_ended(self, state: st.RunState) -> None:
        """Seal a run that ended rolled back or cancelled, like a completed one: its
        seal step gets a new attempt, its outcome is kept only while the run is still
        ended and that attempt is the latest."""
        step = stages.SEAL
        handler = self.registry.handler_for(step)
        if handler is None:
            raise StepUnavailable(f"cannot seal {self.promotion_id}: this build has no "
                                  "'seal-evidence' step")
        attempt = state.step(step).attempt + 1

        def unsealed(s: st.RunState) -> bool:
            return planner.needs_seal(s) and s.step(step).attempt == attempt - 1

        def ours(s: st.RunState) -> bool:
            return s.terminal and s.step(step).attempt == attempt and s.step(step).status == st.RUNNING

        if self._append_if(unsealed, [self._event(ev.STEP_STARTED, step, {"attempt": attempt})]) is None:
            return
        ctx = self._step_context(
            step, attempt, self._external_stop,
            lambda kind, data: self._append_if(ours, [self._event(kind, step, data)]) is not None)
        try:
            outcome = handler.run(ctx)
        except Exception as exc:  # a handler bug fails the seal, not the executor
            log.exception("sealing %s failed with an unexpected error", self.promotion_id)
            outcome = StepOutcome(StepStatus.FAILED, error=f"unexpected error: {exc}")
        if outcome.status == StepStatus.SUCCEEDED:
            data: dict[str, Any] = {"summary": outcome.summary, "outputs": dict(outcome.outputs)}
            self._append_if(ours, [self._event(ev.STEP_SUCCEEDED, step, data)])
        else:
            self._append_if(ours, [self._event(ev.STEP_FAILED, step, {
                "summary": outcome.summary, "error": outcome.error or "sealing failed"})])


def _is_past(state: st.RunState, step: str, until: str) -> bool:
    names = [s.name for s in state.steps]
    require_stage(state, until, "until")  # an unknown stage must never mean "no limit"
    return names.index(step) > names.index(until)


def _step_of(work: planner.Work) -> str:
    """The step a RECOVER or RUN_STEP names (the planner always gives the current one);
    work without a step is a planner bug, and running nothing in its place would hide it."""
    if work.step is None:
        raise RuntimeError(f"the planner asked for {work.kind} without naming a step")
    return work.step
