"""One measurement: what the fleet did between two observations, judged by the gate.

Counters are compared per target the way PromQL's ``increase`` does (a lower value
means the target restarted, so the whole current value is new). The fleet's error
rate is ``sum(errors) / sum(requests)`` and its p95 is ``histogram_quantile(0.95,
sum by (le) (increase(latency_bucket)))`` — the aggregate an SRE would query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from engine.canary.gate import HealthGate, percent
from engine.canary.health import HealthSample
from engine.canary.histogram import Histogram, IncompatibleHistograms
from engine.clock import rfc3339

Phase = Literal["baseline", "successful", "failed", "inconclusive"]
P95 = 0.95


@dataclass(frozen=True)
class TargetMeasurement:
    """One target's share of a measurement (a row of the targets table)."""

    target: str
    healthy: bool
    version: str | None
    digest: str | None
    requests: float | None
    errors: float | None
    error_rate: float | None
    p95_ms: float | None
    detail: str

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "healthy": self.healthy,
            "version": self.version,
            "digest": self.digest,
            "requests": self.requests,
            "errors": self.errors,
            "errorRate": self.error_rate,
            "p95Ms": self.p95_ms,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Measurement:
    """Everything measured at one instant and the verdict on it (evidence, charts)."""

    index: int
    at: datetime
    seconds: float
    phase: Phase
    healthy_targets: int
    total_targets: int
    requests: float
    errors: float
    error_rate: float | None
    p95_ms: float | None
    breaches: tuple[str, ...]
    notes: tuple[str, ...]
    targets: tuple[TargetMeasurement, ...]

    @property
    def healthy_fraction(self) -> float:
        return self.healthy_targets / self.total_targets

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "at": rfc3339(self.at),
            "seconds": self.seconds,
            "phase": self.phase,
            "healthyTargets": self.healthy_targets,
            "totalTargets": self.total_targets,
            "healthyFraction": self.healthy_fraction,
            "requests": self.requests,
            "errors": self.errors,
            "errorRate": self.error_rate,
            "p95Ms": self.p95_ms,
            "breaches": list(self.breaches),
            "notes": list(self.notes),
            "targets": [t.to_json() for t in self.targets],
        }


@dataclass(frozen=True)
class _Increase:
    requests: float | None
    errors: float | None
    latency: Histogram | None
    ms_per_unit: float


def _counter_increase(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return now - before if now >= before else now


def _increase(now: HealthSample, before: HealthSample | None) -> _Increase:
    if before is None:
        return _Increase(None, None, None, now.latency_ms_per_unit)
    latency = None
    if now.latency is not None and before.latency is not None:
        latency = now.latency.increase_since(before.latency)
    return _Increase(
        _counter_increase(now.requests_total, before.requests_total),
        _counter_increase(now.errors_total, before.errors_total),
        latency,
        now.latency_ms_per_unit,
    )


def _p95_ms(latency: Histogram | None, ms_per_unit: float) -> float | None:
    if latency is None:
        return None
    value = latency.quantile(P95)
    return None if value is None else value * ms_per_unit


def measure(
    *,
    index: int,
    at: datetime,
    seconds: float,
    previous: Mapping[str, HealthSample] | None,
    current: Sequence[HealthSample],
    gate: HealthGate,
    note: str = "",
) -> Measurement:
    """Judge ``current`` against ``previous`` (None: this is a baseline, not judged)."""
    rows: list[TargetMeasurement] = []
    requests = errors = 0.0
    counted_targets = 0
    combined: Histogram | None = None
    ms_per_unit = 1000.0
    notes: list[str] = [note] if note else []
    for sample in current:
        inc = _increase(sample, previous.get(sample.target) if previous else None)
        rate = None
        if inc.requests is not None and inc.errors is not None:
            requests += inc.requests
            errors += inc.errors
            counted_targets += 1
            rate = inc.errors / inc.requests if inc.requests > 0 else None
        if inc.latency is not None:
            try:
                combined = inc.latency if combined is None else combined.plus(inc.latency)
                ms_per_unit = inc.ms_per_unit
            except IncompatibleHistograms as err:
                notes.append(f"{sample.target}: {err.message}")
        rows.append(
            TargetMeasurement(
                target=sample.target,
                healthy=sample.healthy,
                version=sample.version,
                digest=sample.digest,
                requests=inc.requests,
                errors=inc.errors,
                error_rate=rate,
                p95_ms=_p95_ms(inc.latency, inc.ms_per_unit),
                detail=sample.detail,
            )
        )
    healthy = sum(1 for s in current if s.healthy)
    enough = counted_targets > 0 and requests >= max(1, gate.min_requests)
    error_rate = errors / requests if enough else None
    p95 = _p95_ms(combined, ms_per_unit) if enough else None
    breaches: tuple[str, ...] = ()
    phase: Phase = "baseline"
    if previous is not None:
        breaches, unjudged = _judge(gate, healthy, len(current), error_rate, p95, requests)
        notes.extend(unjudged)
        phase = "failed" if breaches else "inconclusive" if unjudged else "successful"
    return Measurement(
        index=index,
        at=at,
        seconds=seconds,
        phase=phase,
        healthy_targets=healthy,
        total_targets=len(current),
        requests=requests,
        errors=errors,
        error_rate=error_rate,
        p95_ms=p95,
        breaches=breaches,
        notes=tuple(notes),
        targets=tuple(rows),
    )


def _judge(
    gate: HealthGate,
    healthy: int,
    total: int,
    error_rate: float | None,
    p95: float | None,
    requests: float,
) -> tuple[tuple[str, ...], list[str]]:
    breaches: list[str] = []
    unjudged: list[str] = []
    fraction = healthy / total
    if fraction < gate.min_healthy_fraction:
        breaches.append(
            f"healthy {healthy}/{total} ({percent(fraction)}) below {percent(gate.min_healthy_fraction)}"
        )
    short = f"only {requests:g} requests in the interval (need {max(1, gate.min_requests)})"
    if gate.max_error_rate is not None:
        if error_rate is None:
            unjudged.append(f"error rate not measurable: {short}")
        elif error_rate >= gate.max_error_rate:
            breaches.append(f"error rate {percent(error_rate)} not below {percent(gate.max_error_rate)}")
    if gate.max_p95_ms is not None:
        if p95 is None:
            unjudged.append(f"p95 latency not measurable: {short if error_rate is None else 'no latency histogram'}")
        elif p95 >= gate.max_p95_ms:
            breaches.append(f"p95 latency {p95:.1f}ms not below {gate.max_p95_ms:g}ms")
    return tuple(breaches), unjudged
