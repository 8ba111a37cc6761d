"""The canary loop of one deploy stage: sample the stage's targets every
``gate.interval_seconds``, feed :class:`engine.canary.CanaryAnalysis`, record each
measurement as a ``step.criteria`` event, until the gate decides or an operator stops
the stage (pause, rollback, cancel: ``should_stop`` is polled while waiting).

Time for the analysis comes from the injected clock; the waiting itself is a real
sleep (``wait``), injected so that tests with a fixed clock can advance it instead.

Each ``step.criteria`` event's data (what the Deploy Stage View charts)::

    {"met": false, "summary": "2/2 healthy · error rate 0.4% · p95 21ms · measuring 40%",
     "status": "measuring|passed|breached|inconclusive", "reason": "…",
     "policy": "proceed if 95% healthy for 5m, error rate < 1%",
     "healthy": 2, "total": 2, "environment_targets": 10, "error_rate": 0.004,
     "p95_ms": 21.0, "requests": 812.0, "phase": "baseline|successful|failed|inconclusive",
     "progress": 0.4, "auto_rollback": "not triggered|triggered",
     "decision": Decision.to_json(), "measurement": Measurement.to_json()}

``measurement.targets`` holds the per-target rows (health, version, error rate, p95).
Before measuring, the deploy step records one progress event per deployed target,
``{"met": false, "status": "deploying", "summary": "deploying: 2/5 target(s) on …",
"targets": [{name, from, to, changed, status, detail, …}]}`` (no ``measurement`` key).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from app.drivers.base import Target
from engine.canary import CanaryAnalysis, Decision, HealthGate, HealthSample, Measurement
from engine.canary.gate import percent
from engine.canary.metrics import MetricAnalysis
from engine.clock import Clock

Sampler = Callable[[Target], HealthSample]
Wait = Callable[[float, Callable[[], bool]], bool]
Record = Callable[[Mapping[str, Any]], object]  # a step's ctx.record answers whether it kept it
Analysis = CanaryAnalysis | MetricAnalysis

STOPPED = "stopped"
POLL_SECONDS = 0.5  # each check re-reads the run (tens of ms on a long run); a pause waits at most this


def real_wait(seconds: float, should_stop: Callable[[], bool]) -> bool:
    """Sleep ``seconds`` in short slices; True as soon as ``should_stop()`` says so."""
    deadline = time.monotonic() + max(0.0, seconds)
    while True:
        if should_stop():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(POLL_SECONDS, left))


@dataclass(frozen=True)
class CanaryResult:
    status: str  # passed | breached | inconclusive | stopped
    decision: Decision
    analysis: Analysis

    @property
    def breach_reason(self) -> str:
        last = self.decision.last
        if last is not None and last.breaches:
            return "; ".join(last.breaches)
        return self.decision.reason


def sample_all(sampler: Sampler, targets: Sequence[Target]) -> list[HealthSample]:
    """One observation of every target, in parallel (a hung target costs one timeout)."""
    if len(targets) == 1:
        return [sampler(targets[0])]
    with ThreadPoolExecutor(max_workers=min(8, len(targets)), thread_name_prefix="health") as pool:
        return list(pool.map(sampler, targets))


def run_canary(*, gate: HealthGate, targets: Sequence[Target], sampler: Sampler, clock: Clock,
               record: Record, should_stop: Callable[[], bool], wait: Wait = real_wait,
               env_total: int | None = None) -> CanaryResult:
    analysis = CanaryAnalysis(gate, clock)

    def measure_once() -> Decision:
        decision = analysis.observe(sample_all(sampler, targets))
        record(criteria(gate, decision, analysis.measurements[-1], env_total or len(targets)))
        return decision

    return measure_until_decided(analysis, clock=clock, should_stop=should_stop, wait=wait,
                                 measure_once=measure_once)


def measure_until_decided(analysis: Analysis, *, clock: Clock, should_stop: Callable[[], bool],
                          wait: Wait, measure_once: Callable[[], Decision]) -> CanaryResult:
    """The canary loop of every analysis (the targets' own or a metrics provider's): one
    measurement per interval until the decision is final or an operator stops the stage."""
    interval = analysis.gate.interval_seconds
    while True:
        if should_stop():
            return CanaryResult(STOPPED, analysis.decision, analysis)
        began = clock.now()
        decision = measure_once()
        if decision.final:
            return CanaryResult(decision.status, decision, analysis)
        # the next observation is due one interval after this one began (scraping included),
        # by the injected clock; a clock step never makes the wait longer than one interval
        spent = (clock.now() - began).total_seconds()
        if wait(min(interval, max(interval - spent, 0.0)), should_stop):
            return CanaryResult(STOPPED, analysis.decision, analysis)


def criteria(gate: HealthGate, decision: Decision, last: Measurement, env_total: int) -> dict[str, Any]:
    """A ``step.criteria`` payload: the values behind the decision, for the stage view."""
    status = decision.status
    return json_safe({
        "met": status == "passed",
        "summary": summary(decision, last),
        "status": status,
        "reason": decision.reason,
        "policy": gate.summary,
        "healthy": last.healthy_targets,
        "total": last.total_targets,
        "environment_targets": env_total,
        "error_rate": last.error_rate,
        "p95_ms": last.p95_ms,
        "requests": last.requests,
        "phase": last.phase,
        "progress": decision.progress,
        "auto_rollback": "triggered" if decision.rollback else "not triggered",
        "decision": decision.to_json(),
        "measurement": last.to_json(),
    })


def summary(decision: Decision, last: Measurement) -> str:
    """``2/2 healthy · error rate 0.4% · p95 210ms · measuring 40%``."""
    parts = [f"{last.healthy_targets}/{last.total_targets} healthy"]
    parts.append("error rate " + ("n/a" if last.error_rate is None else percent(last.error_rate)))
    parts.append("p95 " + ("n/a" if last.p95_ms is None else f"{last.p95_ms:.0f}ms"))
    if decision.status == "measuring":
        parts.append(f"measuring {decision.progress * 100:.0f}%")
    else:
        parts.append(decision.status)
    return " · ".join(parts)


def json_safe(value: Any) -> Any:
    """Canonical JSON has no NaN or infinity: such values become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
