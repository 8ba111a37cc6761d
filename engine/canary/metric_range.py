"""A query evaluated over a window (``/api/v1/query_range``), pure: what was asked (the
PromQL, start, end, step) and what came back (the raw matrix and its samples).

A canary stage's decision keeps one of these per query as evidence of the whole
window: an auditor sees every sample the provider held for the stage, not only the
instant values the measurements were judged by.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import rfc3339

MAX_POINTS = 1000  # per series; Prometheus itself refuses more than 11,000


def range_step(start: datetime, end: datetime, interval_seconds: float) -> float:
    """The interval, widened so a series of the window stays within :data:`MAX_POINTS`."""
    span = max((end - start).total_seconds(), 0.0)
    return max(interval_seconds, math.ceil(span / (MAX_POINTS - 1)) if span else interval_seconds)


@dataclass(frozen=True)
class RangeAnswer:
    name: str
    promql: str
    start: datetime
    end: datetime
    step_seconds: float
    raw: Any = None  # the provider's ``data`` exactly as it answered (None on error)
    series: tuple[tuple[tuple[float, float], ...], ...] = ()  # per series: (unix time, value)
    error: str = ""

    @property
    def samples(self) -> int:
        return sum(len(s) for s in self.series)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.promql, "start": rfc3339(self.start),
                "end": rfc3339(self.end), "stepSeconds": self.step_seconds, "samples": self.samples,
                "raw": self.raw, "error": self.error}


def range_from_response(name: str, promql: str, start: datetime, end: datetime, step: float,
                        body: Any) -> RangeAnswer:
    """Read a ``/api/v1/query_range`` JSON body; a malformed or failed one is an error answer."""
    def error(why: str) -> RangeAnswer:
        return RangeAnswer(name, promql, start, end, step,
                           raw=body if isinstance(body, Mapping) else None, error=why)

    if not isinstance(body, Mapping):
        return error("the answer is not a JSON object")
    if body.get("status") != "success":
        return error(f"{body.get('errorType') or 'error'}: {body.get('error') or 'no reason given'}")
    data = body.get("data")
    if not isinstance(data, Mapping) or data.get("resultType") != "matrix":
        return error("the answer holds no matrix")
    result = data.get("result")
    if not isinstance(result, list):
        return error("the answer holds no matrix")
    try:
        series = tuple(tuple((float(t), float(v)) for t, v in item["values"]) for item in result)
    except (KeyError, TypeError, ValueError):
        return error("a sample in the answer is not a number")
    return RangeAnswer(name, promql, start, end, step, raw=dict(data), series=series)
