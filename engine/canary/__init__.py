"""Canary analysis: read Prometheus metrics, judge a stage's health over a window.

The public surface, all plain values and no I/O:

- :class:`Exposition` — a strictly parsed Prometheus text scrape;
- :func:`histogram_quantile` / :class:`Histogram` — PromQL quantile semantics;
- :class:`HealthSample` / :func:`sample_from_exposition` — one target at one instant;
- :class:`HealthGate` — the stage policy ("proceed if 95% healthy for 5m, error rate < 1%");
- :class:`CanaryAnalysis` → :class:`Decision` + :class:`Measurement` records.
"""

from engine.canary.analysis import CanaryAnalysis, Decision
from engine.canary.errors import AnalysisStateError, CanaryError, GateConfigError, MetricsParseError
from engine.canary.exposition import Exposition, MetricFamily, Sample
from engine.canary.gate import HealthGate
from engine.canary.health import (
    HealthSample,
    MetricNames,
    sample_from_exposition,
    unreachable_sample,
)
from engine.canary.histogram import Histogram, IncompatibleHistograms, histogram_quantile
from engine.canary.measure import Measurement, TargetMeasurement

__all__ = [
    "AnalysisStateError",
    "CanaryAnalysis",
    "CanaryError",
    "Decision",
    "Exposition",
    "GateConfigError",
    "HealthGate",
    "HealthSample",
    "Histogram",
    "IncompatibleHistograms",
    "Measurement",
    "MetricFamily",
    "MetricNames",
    "MetricsParseError",
    "Sample",
    "TargetMeasurement",
    "histogram_quantile",
    "sample_from_exposition",
    "unreachable_sample",
]
