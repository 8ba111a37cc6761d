"""The canary loop of a deploy stage measured by a metrics provider (Prometheus):
every ``gate.interval_seconds`` each configured query is evaluated, judged by
:class:`engine.canary.metrics.MetricAnalysis` and recorded as a ``step.criteria``
event, until the analysis decides or an operator stops the stage.

Each event's data has the keys of :func:`app.deploy.canary.criteria` (what the Deploy
Stage View reads) plus ``provider`` (who answered, or could not) and the measurement's
``queries``: the PromQL as sent, its evaluation time and the raw answer. The event of
the decision also holds ``window``: each query over the whole measured window
(``/api/v1/query_range``), the raw matrix as the provider answered it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.deploy.canary import (
    CanaryResult,
    Record,
    Wait,
    json_safe,
    measure_until_decided,
    real_wait,
)
from app.deploy.prometheus import PrometheusClient
from app.drivers.base import ReleaseRef, Target
from engine.canary import HealthGate
from engine.canary.gate import percent
from engine.canary.metric_range import range_step
from engine.canary.metrics import (
    MetricAnalysis,
    MetricDecision,
    MetricMeasurement,
    MetricsSettings,
    placeholders,
)
from engine.clock import Clock


def run_metrics_canary(*, gate: HealthGate, settings: MetricsSettings, targets: Sequence[Target],
                       release: ReleaseRef, stage: str, environment: str, clock: Clock, record: Record,
                       should_stop: Callable[[], bool], wait: Wait = real_wait,
                       client: PrometheusClient | None = None, env_total: int | None = None) -> CanaryResult:
    client = client or PrometheusClient(settings)
    values = placeholders(targets=[t.name for t in targets], stage=stage, environment=environment,
                          release=release.name, version=release.version, digest=release.digest)
    rendered = [(q.name, q.render(values)) for q in settings.queries]
    analysis = MetricAnalysis(gate, settings, clock, len(targets))

    def measure_once() -> MetricDecision:
        at = clock.now()
        decision = analysis.observe([client.query(name, promql, at) for name, promql in rendered])
        criteria = metric_criteria(gate, settings, decision, analysis.measurements[-1], env_total or len(targets))
        if decision.final:
            criteria["window"] = window_evidence(client, rendered, analysis, gate.interval_seconds)
        record(criteria)
        return decision

    return measure_until_decided(analysis, clock=clock, should_stop=should_stop, wait=wait,
                                 measure_once=measure_once)


def window_evidence(client: PrometheusClient, rendered: Sequence[tuple[str, str]],
                    analysis: MetricAnalysis, interval_seconds: float) -> list[dict[str, Any]]:
    """Each query over the stage's whole window (``/api/v1/query_range``): every sample the
    provider held while the stage was measured, kept with its decision."""
    measured = analysis.measurements
    start, end = measured[0].at, measured[-1].at
    step = range_step(start, end, interval_seconds)
    return [json_safe(client.query_range(name, promql, start, end, step).to_json())
            for name, promql in rendered]


def metric_criteria(gate: HealthGate, settings: MetricsSettings, decision: MetricDecision,
                    last: MetricMeasurement, env_total: int) -> dict[str, Any]:
    status = decision.status
    return json_safe({
        "met": status == "passed",
        "summary": summary(settings, decision, last),
        "status": status,
        "reason": decision.reason,
        "policy": settings.policy(gate),
        "provider": {"name": settings.provider, "address": settings.address,
                     "answered": last.phase != "error"},
        # what each value was judged against (the charts draw these, not the gate's limits)
        "conditions": {q.name: {"success": None if q.success is None else str(q.success),
                                "failure": None if q.failure is None else str(q.failure)}
                       for q in settings.queries},
        "healthy": None,
        "total": last.total_targets,
        "environment_targets": env_total,
        "error_rate": last.error_rate,
        "p95_ms": last.p95_ms,
        "requests": None,
        "phase": last.phase,
        "progress": decision.progress,
        "auto_rollback": "triggered" if decision.rollback else "not triggered",
        "decision": decision.to_json(),
        "measurement": last.to_json(),
    })


def summary(settings: MetricsSettings, decision: MetricDecision, last: MetricMeasurement) -> str:
    """``prometheus · error rate 0.4% · p95 210ms · measuring 40%`` (or ``ERROR: …``)."""
    parts = [settings.provider]
    if last.phase == "error":
        parts.append(f"ERROR {decision.consecutive_errors}/{settings.consecutive_error_limit + 1}: "
                     + "; ".join(last.notes))
    else:
        parts.append("error rate " + ("n/a" if last.error_rate is None else percent(last.error_rate)))
        parts.append("p95 " + ("n/a" if last.p95_ms is None else f"{last.p95_ms:.0f}ms"))
    parts.append(f"measuring {decision.progress * 100:.0f}%" if decision.status == "measuring"
                 else decision.status)
    return " · ".join(parts)

