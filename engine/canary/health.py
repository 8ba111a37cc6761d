"""What one target reported at one instant: the input of canary analysis.

Drivers produce :class:`HealthSample` values (the deploy-driver layer re-exports
this type); the analysis compares two of them per target to get what happened in
between. A target that could not be reached is a sample too — unhealthy, with the
reason in ``detail`` — so that it lowers the healthy fraction instead of vanishing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from engine.canary.errors import CanaryError
from engine.canary.exposition import Exposition
from engine.canary.histogram import Histogram
from engine.clock import rfc3339


@dataclass(frozen=True)
class MetricNames:
    """Which series of a scrape mean requests, errors and latency.

    ``requests`` and ``errors`` are counters summed over all their labels;
    ``latency`` is a histogram whose bucket bounds are in ``latency_unit``
    (``"s"`` as Prometheus recommends, or ``"ms"``).
    """

    requests: str = "http_requests_total"
    errors: str = "http_request_errors_total"
    latency: str = "http_request_duration_seconds"
    latency_unit: str = "s"

    def __post_init__(self) -> None:
        if self.latency_unit not in ("s", "ms"):
            raise CanaryError(f"latency unit must be 's' or 'ms', not {self.latency_unit!r}")

    @property
    def ms_per_unit(self) -> float:
        return 1000.0 if self.latency_unit == "s" else 1.0


@dataclass(frozen=True)
class HealthSample:
    """One target's health at ``scraped_at``; counters are cumulative since it started."""

    target: str
    scraped_at: datetime
    healthy: bool
    version: str | None = None
    digest: str | None = None
    requests_total: float | None = None
    errors_total: float | None = None
    latency: Histogram | None = None
    latency_ms_per_unit: float = 1000.0
    detail: str = ""

    def __post_init__(self) -> None:
        if not self.target:
            raise CanaryError("a health sample needs a target name")
        if self.scraped_at.tzinfo is None:
            raise CanaryError("a health sample needs a timezone-aware time")
        for name in ("requests_total", "errors_total"):
            value = getattr(self, name)
            if value is not None and (math.isnan(value) or value < 0):
                raise CanaryError(f"{name} of target {self.target!r} must be a non-negative number")

    @property
    def counters(self) -> dict[str, float]:
        """The counters this sample carries, by role (``requests``, ``errors``)."""
        found = {"requests": self.requests_total, "errors": self.errors_total}
        return {k: v for k, v in found.items() if v is not None}

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "scrapedAt": rfc3339(self.scraped_at),
            "healthy": self.healthy,
            "version": self.version,
            "digest": self.digest,
            "counters": self.counters,
            "latency": None if self.latency is None else self.latency.to_json(),
            "detail": self.detail,
        }


def sample_from_exposition(
    target: str,
    scraped_at: datetime,
    *,
    healthy: bool,
    exposition: Exposition,
    names: MetricNames | None = None,
    version: str | None = None,
    digest: str | None = None,
    detail: str = "",
) -> HealthSample:
    """A sample from a parsed ``/metrics`` scrape; series that are absent stay None."""
    names = names or MetricNames()
    return HealthSample(
        target=target,
        scraped_at=scraped_at,
        healthy=healthy,
        version=version,
        digest=digest,
        requests_total=exposition.value_sum(names.requests),
        errors_total=exposition.value_sum(names.errors),
        latency=exposition.histogram(names.latency),
        latency_ms_per_unit=names.ms_per_unit,
        detail=detail,
    )


def unreachable_sample(target: str, scraped_at: datetime, detail: str) -> HealthSample:
    """A target that did not answer: unhealthy, no metrics, the reason kept."""
    return HealthSample(target=target, scraped_at=scraped_at, healthy=False, detail=detail)
