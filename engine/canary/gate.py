"""The health-gate policy of one canary stage, modelled on Argo Rollouts' analysis.

Argo's ``AnalysisTemplate`` measures a metric every ``interval``, ``count`` times,
judges each measurement by ``successCondition`` and fails the analysis once more
than ``failureLimit`` measurements failed (``inconclusiveLimit`` likewise). Here the
success condition is fixed to three criteria an operator states in one sentence —
"proceed if 95% healthy for 5m, error rate < 1%" — and ``count`` follows from the
window: ``ceil(window_seconds / interval_seconds)`` measurements.

Criteria of one measurement: healthy fraction ``>= min_healthy_fraction``; error
rate ``< max_error_rate``; p95 latency ``< max_p95_ms``. Either of the last two may
be None (not checked). A measurement with fewer than ``min_requests`` requests
cannot judge the rate or latency and is inconclusive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from engine.canary.errors import GateConfigError

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


@dataclass(frozen=True)
class HealthGate:
    min_healthy_fraction: float = 0.95
    max_error_rate: float | None = 0.01
    max_p95_ms: float | None = None
    window_seconds: float = 300.0
    interval_seconds: float = 10.0
    failure_limit: int = 0
    inconclusive_limit: int = 0
    min_requests: int = 1
    max_gap_seconds: float | None = None

    def __post_init__(self) -> None:
        _check_number(self.min_healthy_fraction, "min_healthy_fraction")
        if not 0.0 < self.min_healthy_fraction <= 1.0:
            raise GateConfigError("must be above 0% and at most 100%", field="min_healthy_fraction")
        if self.max_error_rate is not None:
            _check_number(self.max_error_rate, "max_error_rate")
            if not 0.0 < self.max_error_rate <= 1.0:
                raise GateConfigError("must be above 0% and at most 100%", field="max_error_rate")
        if self.max_p95_ms is not None:
            _check_number(self.max_p95_ms, "max_p95_ms")
            if self.max_p95_ms <= 0:
                raise GateConfigError("must be a positive number of milliseconds", field="max_p95_ms")
        _check_number(self.interval_seconds, "interval_seconds")
        _check_number(self.window_seconds, "window_seconds")
        if self.interval_seconds <= 0:
            raise GateConfigError("must be positive", field="interval_seconds")
        if self.window_seconds < self.interval_seconds:
            raise GateConfigError("must be at least one interval long", field="window_seconds")
        for name in ("failure_limit", "inconclusive_limit", "min_requests"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise GateConfigError("must be a whole number, 0 or more", field=name)
        if self.max_gap_seconds is not None:
            _check_number(self.max_gap_seconds, "max_gap_seconds")
            if self.max_gap_seconds < self.interval_seconds:
                raise GateConfigError("must be at least one interval", field="max_gap_seconds")

    @property
    def required_measurements(self) -> int:
        """Argo's ``count``: measurements needed to cover the window."""
        return max(1, math.ceil(self.window_seconds / self.interval_seconds - 1e-9))

    @property
    def gap_seconds(self) -> float:
        """Longest pause between observations still counted as continuous watching."""
        if self.max_gap_seconds is not None:
            return self.max_gap_seconds
        return 3.0 * self.interval_seconds

    @property
    def summary(self) -> str:
        """The operator's sentence, e.g. ``proceed if 95% healthy for 5m, error rate < 1%``."""
        parts = [f"proceed if {percent(self.min_healthy_fraction)} healthy for {duration(self.window_seconds)}"]
        if self.max_error_rate is not None:
            parts.append(f"error rate < {percent(self.max_error_rate)}")
        if self.max_p95_ms is not None:
            parts.append(f"p95 < {_number(self.max_p95_ms)}ms")
        return ", ".join(parts)

    def describe(self) -> str:
        """The summary plus how it is measured and when it rolls back."""
        if self.failure_limit == 0:
            tolerance = "roll back on the first failed measurement"
        else:
            plural = "s" if self.failure_limit > 1 else ""
            tolerance = f"tolerate {self.failure_limit} failed measurement{plural}, roll back on the next"
        return (
            f"{self.summary} (measured every {duration(self.interval_seconds)}, "
            f"{self.required_measurements} measurements; {tolerance})"
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HealthGate:
        """From configuration: field names as keys; ``"95%"``, ``"5m"``, ``"300ms"`` accepted."""
        if not isinstance(data, Mapping):
            raise GateConfigError("a health gate is a mapping of settings", field="(gate)")
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise GateConfigError(f"unknown setting; known: {', '.join(sorted(known))}", field=str(key))
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key in ("min_healthy_fraction", "max_error_rate"):
                values[key] = None if raw is None else _fraction(raw, key)
            elif key in ("window_seconds", "interval_seconds", "max_gap_seconds"):
                values[key] = None if raw is None else _seconds(raw, key)
            elif key == "max_p95_ms":
                values[key] = None if raw is None else _seconds(raw, key, default_unit="ms") * 1000.0
            else:
                values[key] = raw
        if values.get("min_healthy_fraction", 0.95) is None:
            raise GateConfigError("cannot be empty", field="min_healthy_fraction")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers, the form stored in evidence; ``from_dict`` reads it back."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def percent(fraction: float) -> str:
    return f"{_number(fraction * 100)}%"


def duration(seconds: float) -> str:
    """``300`` → ``5m``, ``90`` → ``90s``, ``0.5`` → ``500ms``, ``7200`` → ``2h``."""
    if seconds < 1:
        return f"{_number(seconds * 1000)}ms"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{_number(seconds / 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{_number(seconds / 60)}m"
    return f"{_number(seconds)}s"


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _check_number(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GateConfigError(f"must be a finite number, not {value!r}", field=name)


def _fraction(raw: Any, name: str) -> float:
    if isinstance(raw, str):
        text = raw.strip()
        if not text.endswith("%"):
            raise GateConfigError(f"write a percentage like '95%', not {raw!r}", field=name)
        try:
            return float(text[:-1]) / 100.0
        except ValueError:
            raise GateConfigError(f"not a percentage: {raw!r}", field=name) from None
    _check_number(raw, name)
    return float(raw)


def _seconds(raw: Any, name: str, *, default_unit: str = "s") -> float:
    if isinstance(raw, str):
        match = _DURATION.fullmatch(raw)
        if match is None:
            raise GateConfigError(f"write a duration like '5m', '30s' or '500ms', not {raw!r}", field=name)
        unit = match.group(2) or default_unit
        return float(match.group(1)) * _UNIT_SECONDS[unit]
    _check_number(raw, name)
    return float(raw) * _UNIT_SECONDS[default_unit]
