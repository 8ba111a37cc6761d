"""Canary analysis by a metrics provider's queries (Argo Rollouts' ``AnalysisTemplate``
with a Prometheus provider), pure: settings, query rendering, answers and verdicts.

An environment's deploy settings may hold::

    "metrics": {"provider": "prometheus", "address": "http://127.0.0.1:9090",
                "timeout_seconds": 5, "max_response_bytes": 1048576,
                "consecutive_error_limit": 2, "on_error": "pause",
                "queries": [{"name": "error-rate", "success": "< 0.01",
                             "query": "sum(rate(http_request_errors_total{stella_target=~\\"{targets}\\"}[30s]))"
                                      " / sum(rate(http_requests_total{stella_target=~\\"{targets}\\"}[30s]))"}]}

Placeholders in a query: ``{targets}`` (the stage's target names as an anchored
regular-expression alternation), ``{stage}``, ``{environment}``, ``{release}``,
``{version}``, ``{digest}``; each value is escaped for a PromQL string.

Every interval, each query is evaluated once; a measurement is **error** when the
provider could not answer one of them (distinct from **failed**: nothing was learnt),
else **failed** when a value breaks its condition, else **inconclusive** when a query
returned no number, else **successful**. Interval, window, count and the failure and
inconclusive limits are the stage's health gate's; errors have their own limit of
*consecutive* errors (Argo's ``consecutiveErrorLimit``), past which the stage pauses
for an operator or rolls back (``on_error``) — an unanswered query never passes.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from engine.canary.analysis import Cause, Decision, Status, window_verdict
from engine.canary.errors import CanaryError
from engine.canary.gate import HealthGate, duration
from engine.clock import Clock, rfc3339

Phase = Literal["successful", "failed", "inconclusive", "error"]
PROMETHEUS = "prometheus"
ON_ERROR = ("pause", "rollback")
ERROR_RATE_NAMES = ("error-rate", "error_rate")
P95_NAMES = ("p95-latency", "p95_latency", "latency-p95")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_CONDITION = re.compile(r"^\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")
_PLACEHOLDER = re.compile(r"\{(targets|stage|environment|release|version|digest)\}")
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_KNOWN = ("provider", "address", "timeout_seconds", "max_response_bytes",
          "consecutive_error_limit", "on_error", "queries")


class MetricsConfigError(CanaryError):
    """A metrics setting that cannot be used; ``field`` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"metrics setting {field!r}: {message}")
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class Condition:
    """``< 0.01``: the value must compare so with the threshold."""

    op: str
    threshold: float

    @classmethod
    def parse(cls, text: Any, *, field: str) -> Condition:
        found = _CONDITION.match(text) if isinstance(text, str) else None
        if found is None:
            raise MetricsConfigError("a comparison such as '< 0.01' or '>= 0.99'", field=field)
        return cls(found.group(1), float(found.group(2)))

    def holds(self, value: float) -> bool:
        return _OPS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.op} {self.threshold:g}"


@dataclass(frozen=True)
class MetricQuery:
    name: str
    query: str
    success: Condition | None
    failure: Condition | None

    def render(self, values: Mapping[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: _promql_string(values.get(m.group(1), "")), self.query)

    def judge(self, value: float) -> bool:
        """True when ``value`` is a success (Argo: failure condition first, then success)."""
        if self.failure is not None and self.failure.holds(value):
            return False
        return self.success is None or self.success.holds(value)

    def describe(self) -> str:
        parts = [f"success {self.success}" if self.success else "",
                 f"failure {self.failure}" if self.failure else ""]
        return f"{self.name} ({', '.join(p for p in parts if p)})"


@dataclass(frozen=True)
class MetricsSettings:
    address: str
    queries: tuple[MetricQuery, ...]
    provider: str = PROMETHEUS
    timeout_seconds: float = 5.0
    max_response_bytes: int = 1 << 20
    consecutive_error_limit: int = 2
    on_error: str = "pause"
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> MetricsSettings:
        if not isinstance(data, Mapping):
            raise MetricsConfigError("a mapping of metrics settings", field="metrics")
        for key in data:
            if key not in _KNOWN:
                raise MetricsConfigError(f"unknown; known: {', '.join(_KNOWN)}", field=f"metrics.{key}")
        provider = data.get("provider", PROMETHEUS)
        if provider != PROMETHEUS:
            raise MetricsConfigError("the only provider is 'prometheus'", field="metrics.provider")
        address = _address(data.get("address"))
        timeout = _number(data.get("timeout_seconds", 5.0), "metrics.timeout_seconds", 0.1, 120.0)
        cap = _whole(data.get("max_response_bytes", 1 << 20), "metrics.max_response_bytes", 1024, 64 << 20)
        errors = _whole(data.get("consecutive_error_limit", 2), "metrics.consecutive_error_limit", 0, 1000)
        on_error = data.get("on_error", "pause")
        if on_error not in ON_ERROR:
            raise MetricsConfigError("'pause' (an operator decides) or 'rollback'", field="metrics.on_error")
        queries = data.get("queries")
        if not isinstance(queries, Sequence) or isinstance(queries, str) or not queries:
            raise MetricsConfigError("a non-empty list of queries", field="metrics.queries")
        parsed = tuple(_query(q, i) for i, q in enumerate(queries))
        names = [q.name for q in parsed]
        if len(set(names)) != len(names):
            raise MetricsConfigError("query names must differ", field="metrics.queries")
        return cls(address=address, queries=parsed, timeout_seconds=timeout, max_response_bytes=cap,
                   consecutive_error_limit=errors, on_error=on_error, raw=dict(data))

    def policy(self, gate: HealthGate) -> str:
        """``proceed if error-rate < 0.05, p95-latency < 0.5 for 5m (prometheus)``."""
        rules = ", ".join(f"{q.name} {q.success}" if q.success else f"not {q.name} {q.failure}"
                          for q in self.queries)
        return f"proceed if {rules} for {duration(gate.window_seconds)} ({self.provider})"

    def describe(self) -> str:
        return (f"{self.provider} at {self.address}: {'; '.join(q.describe() for q in self.queries)}; "
                f"{self.consecutive_error_limit} consecutive error(s) tolerated, then {self.on_error}")


@dataclass(frozen=True)
class QueryAnswer:
    """One query as asked and as answered: the evidence of a measurement."""

    name: str
    promql: str
    evaluated_at: datetime
    raw: Any = None  # the provider's ``data`` exactly as it answered (None on error)
    values: tuple[float, ...] = ()
    error: str = ""
    result_type: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.promql, "evaluatedAt": rfc3339(self.evaluated_at),
                "resultType": self.result_type, "values": [_finite(v) for v in self.values],
                "raw": self.raw, "error": self.error}


def answer_from_response(name: str, promql: str, evaluated_at: datetime, body: Any) -> QueryAnswer:
    """Read a ``/api/v1/query`` JSON body; a malformed or failed one is an error answer."""
    def error(why: str) -> QueryAnswer:
        return QueryAnswer(name, promql, evaluated_at, raw=body if isinstance(body, Mapping) else None,
                           error=why)

    if not isinstance(body, Mapping):
        return error("the answer is not a JSON object")
    if body.get("status") != "success":
        return error(f"{body.get('errorType') or 'error'}: {body.get('error') or 'no reason given'}")
    data = body.get("data")
    if not isinstance(data, Mapping):
        return error("the answer has no data")
    kind, result = data.get("resultType"), data.get("result")
    values: list[float] = []
    try:
        if kind == "vector" and isinstance(result, list):
            values = [float(item["value"][1]) for item in result]
        elif kind == "scalar" and isinstance(result, list):
            values = [float(result[1])]
        else:
            return error(f"result type {kind!r} is neither a vector nor a scalar")
    except (KeyError, IndexError, TypeError, ValueError):
        return error("a sample in the answer is not a number")
    return QueryAnswer(name, promql, evaluated_at, raw=dict(data), values=tuple(values),
                       result_type=str(kind))


@dataclass(frozen=True)
class MetricMeasurement:
    index: int
    at: datetime
    seconds: float
    phase: Phase
    provider: str
    address: str
    answers: tuple[QueryAnswer, ...]
    breaches: tuple[str, ...]
    notes: tuple[str, ...]
    total_targets: int

    def value(self, names: Sequence[str]) -> float | None:
        for answer in self.answers:
            if answer.name in names and not answer.error and answer.values:
                worst = max(answer.values)
                return worst if math.isfinite(worst) else None
        return None

    @property
    def error_rate(self) -> float | None:
        return self.value(ERROR_RATE_NAMES)

    @property
    def p95_ms(self) -> float | None:
        seconds = self.value(P95_NAMES)
        return None if seconds is None else seconds * 1000.0

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "at": rfc3339(self.at), "seconds": self.seconds,
                "phase": self.phase, "provider": self.provider, "address": self.address,
                "errorRate": _finite(self.error_rate), "p95Ms": _finite(self.p95_ms),
                "totalTargets": self.total_targets,
                "breaches": list(self.breaches), "notes": list(self.notes),
                "queries": [a.to_json() for a in self.answers], "targets": []}


def judge(index: int, at: datetime, seconds: float, settings: MetricsSettings,
          answers: Sequence[QueryAnswer], total_targets: int) -> MetricMeasurement:
    breaches: list[str] = []
    notes: list[str] = []
    errors = [f"{a.name}: {a.error}" for a in answers if a.error]
    by_name = {q.name: q for q in settings.queries}
    for answer in answers:
        if answer.error:
            continue
        query = by_name[answer.name]
        numbers = [v for v in answer.values if not math.isnan(v)]
        if not numbers:
            notes.append(f"{answer.name}: no data (the query returned no number)")
            continue
        bad = [v for v in numbers if not query.judge(v)]
        if bad:
            condition = query.failure if query.failure and query.failure.holds(bad[0]) else query.success
            verb = "meets failure" if condition is query.failure else "breaks success"
            breaches.append(f"{answer.name} {bad[0]:.4g} {verb} condition {condition}")
    phase: Phase = ("error" if errors else "failed" if breaches
                    else "inconclusive" if notes else "successful")
    return MetricMeasurement(index=index, at=at, seconds=seconds, phase=phase, provider=settings.provider,
                             address=settings.address, answers=tuple(answers), breaches=tuple(breaches),
                             notes=tuple(errors + notes), total_targets=total_targets)


@dataclass(frozen=True)
class MetricDecision(Decision):
    """A :class:`Decision` (the same rule and words), plus the provider's errors and what
    decided (``cause``: failures, inconclusive, errors or window)."""

    cause: Cause = ""
    errors: int = 0
    consecutive_errors: int = 0
    consecutive_error_limit: int = 0

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "cause": self.cause, "errors": self.errors,
                "consecutiveErrors": self.consecutive_errors,
                "consecutiveErrorLimit": self.consecutive_error_limit}


class MetricAnalysis:
    """Consumes one set of answers per interval; decides like :class:`CanaryAnalysis`."""

    def __init__(self, gate: HealthGate, settings: MetricsSettings, clock: Clock, total_targets: int) -> None:
        self._gate = gate
        self._settings = settings
        self._clock = clock
        self._total = total_targets
        self._records: list[MetricMeasurement] = []
        self._started: datetime | None = None
        self._judged = self._failures = self._inconclusives = self._errors = self._streak = 0
        self._decision = self._decide(None)

    @property
    def gate(self) -> HealthGate:
        return self._gate

    @property
    def settings(self) -> MetricsSettings:
        return self._settings

    @property
    def decision(self) -> MetricDecision:
        return self._decision

    @property
    def measurements(self) -> tuple[MetricMeasurement, ...]:
        return tuple(self._records)

    def observe(self, answers: Sequence[QueryAnswer]) -> MetricDecision:
        if self._decision.final:
            raise CanaryError(f"the analysis already {self._decision.status}; start a new one")
        now = self._clock.now()
        previous = self._records[-1].at if self._records else None
        if previous is not None and now <= previous:
            raise CanaryError(f"measurement at {rfc3339(now)} is not after the previous one")
        self._started = self._started or now
        seconds = 0.0 if previous is None else (now - previous).total_seconds()
        record = judge(len(self._records), now, seconds, self._settings, answers, self._total)
        self._records.append(record)
        if record.phase == "error":
            self._errors += 1
            self._streak += 1
        else:
            self._streak = 0
            self._judged += 1
            self._failures += record.phase == "failed"
            self._inconclusives += record.phase == "inconclusive"
        self._decision = self._decide(record)
        return self._decision

    def _observed(self) -> float:
        if self._started is None or not self._records:
            return 0.0
        return (self._records[-1].at - self._started).total_seconds()

    def _decide(self, last: MetricMeasurement | None) -> MetricDecision:
        gate, settings = self._gate, self._settings
        observed = self._observed()
        status: Status
        cause: Cause
        if self._streak > settings.consecutive_error_limit:
            why = "; ".join(last.notes) if last else "no answer"
            status = "breached" if settings.on_error == "rollback" else "inconclusive"
            cause = "errors"
            then = "roll back" if status == "breached" else "an operator decides"
            reason = (f"metrics provider error: {self._streak} consecutive measurement(s) without an "
                      f"answer from {settings.provider} at {settings.address}, more than the "
                      f"{settings.consecutive_error_limit} tolerated — {why}; {then}")
        else:
            status, cause, reason = window_verdict(gate, failures=self._failures,
                                                   inconclusives=self._inconclusives, observed=observed,
                                                   judged=self._judged, last=last)
            if status == "passed":
                reason += f", {self._errors} error(s)"
            elif status == "measuring":
                reason += (f", {self._streak} consecutive error(s) "
                           f"(limit {settings.consecutive_error_limit})")
        return MetricDecision(
            status=status, reason=reason, cause=cause, observed_seconds=observed,
            window_seconds=gate.window_seconds, measurements=self._judged,
            required_measurements=gate.required_measurements, failures=self._failures,
            failure_limit=gate.failure_limit, inconclusives=self._inconclusives,
            inconclusive_limit=gate.inconclusive_limit, errors=self._errors,
            consecutive_errors=self._streak, consecutive_error_limit=settings.consecutive_error_limit,
            last=last)

    def to_json(self) -> dict[str, Any]:
        return {"policy": self._settings.policy(self._gate), "gate": self._gate.to_dict(),
                "provider": {"name": self._settings.provider, "address": self._settings.address,
                             "queries": [{"name": q.name, "query": q.query,
                                          "success": None if q.success is None else str(q.success),
                                          "failure": None if q.failure is None else str(q.failure)}
                                         for q in self._settings.queries],
                             "consecutiveErrorLimit": self._settings.consecutive_error_limit,
                             "onError": self._settings.on_error},
                "startedAt": None if self._started is None else rfc3339(self._started),
                "decision": self._decision.to_json(),
                "measurements": [m.to_json() for m in self._records]}


def placeholders(*, targets: Sequence[str], stage: str, environment: str, release: str,
                 version: str, digest: str) -> dict[str, str]:
    """The values a query's placeholders take (``{targets}`` as an anchored alternation)."""
    return {"targets": "|".join(re.escape(t) for t in targets), "stage": stage,
            "environment": environment, "release": release, "version": version, "digest": digest}


def _promql_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _query(item: Any, index: int) -> MetricQuery:
    where = f"metrics.queries[{index}]"
    if not isinstance(item, Mapping):
        raise MetricsConfigError("a mapping with name, query and success/failure", field=where)
    unknown = set(item) - {"name", "query", "success", "failure"}
    if unknown:
        raise MetricsConfigError(f"unknown {sorted(unknown)[0]!r}", field=where)
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise MetricsConfigError("a short lower-case name such as 'error-rate'", field=f"{where}.name")
    query = item.get("query")
    if not isinstance(query, str) or not query.strip() or len(query) > 4096:
        raise MetricsConfigError("a PromQL expression (at most 4096 characters)", field=f"{where}.query")
    success = None if item.get("success") is None else Condition.parse(item["success"], field=f"{where}.success")
    failure = None if item.get("failure") is None else Condition.parse(item["failure"], field=f"{where}.failure")
    if success is None and failure is None:
        raise MetricsConfigError("needs a success or a failure condition", field=where)
    return MetricQuery(name=name, query=query, success=success, failure=failure)


def _address(value: Any) -> str:
    if not isinstance(value, str):
        raise MetricsConfigError("the server's URL, such as http://127.0.0.1:9090", field="metrics.address")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MetricsConfigError("an http:// or https:// URL with a host", field="metrics.address")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise MetricsConfigError("no credentials, query or fragment in the URL", field="metrics.address")
    return value.rstrip("/")


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise MetricsConfigError(f"a number from {low:g} to {high:g}", field=where)
    return float(value)


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise MetricsConfigError(f"a whole number from {low} to {high}", field=where)
    return value


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
