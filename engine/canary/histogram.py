"""Cumulative histograms and ``histogram_quantile`` with Prometheus semantics.

The quantile follows PromQL's classic-histogram ``bucketQuantile`` (promql/quantile.go):
buckets are sorted by upper bound and merged when bounds repeat, counts are forced
monotonic, the rank is ``q * observations``, and the value is interpolated linearly
inside the bucket that holds the rank, taking 0 as the lower edge of the lowest
bucket when its bound is positive. A rank in the ``+Inf`` bucket yields the highest
finite bound. Where PromQL returns NaN (no observations, fewer than two buckets, no
``+Inf`` bucket) this returns ``None`` so that callers must face "not measurable";
``q == 0`` over an empty lowest bucket returns its lower edge instead of NaN.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.canary.errors import CanaryError

INF = math.inf


def histogram_quantile(q: float, buckets: Iterable[tuple[float, float]]) -> float | None:
    """The ``q``-quantile of cumulative ``(upper_bound, count)`` buckets, or None."""
    if math.isnan(q) or not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {q!r}")
    ordered = sorted(buckets, key=lambda b: b[0])
    if not ordered or not math.isinf(ordered[-1][0]) or ordered[-1][0] < 0:
        return None
    merged: list[list[float]] = []
    for bound, count in ordered:
        if merged and merged[-1][0] == bound:
            merged[-1][1] += count
        else:
            merged.append([bound, count])
    highest = merged[0][1]
    for entry in merged[1:]:
        if entry[1] < highest:
            entry[1] = highest
        else:
            highest = entry[1]
    if len(merged) < 2:
        return None
    observations = merged[-1][1]
    if observations == 0:
        return None
    rank = q * observations
    counts = [count for _, count in merged[:-1]]
    b = bisect.bisect_left(counts, rank)
    if b == len(merged) - 1:
        return merged[-2][0]
    if b == 0 and merged[0][0] <= 0:
        return merged[0][0]
    start = 0.0
    end, count = merged[b]
    if b > 0:
        start = merged[b - 1][0]
        count -= merged[b - 1][1]
        rank -= merged[b - 1][1]
    if count == 0:
        # Only at q == 0 with an empty lowest bucket; PromQL yields NaN (0/0) here.
        return start
    return start + (end - start) * (rank / count)


class IncompatibleHistograms(CanaryError):
    """Histograms with different bucket bounds cannot be added bucket by bucket."""


@dataclass(frozen=True)
class Histogram:
    """A cumulative histogram: ``buckets`` are ``(upper_bound, count)`` ascending, last ``+Inf``."""

    buckets: tuple[tuple[float, float], ...]
    sum: float
    count: float

    def __post_init__(self) -> None:
        if len(self.buckets) < 1 or self.buckets[-1][0] != INF:
            raise CanaryError("a histogram needs a +Inf bucket as its last bucket")
        previous_bound = -INF
        previous_count = 0.0
        for bound, count in self.buckets:
            if math.isnan(bound) or bound <= previous_bound:
                raise CanaryError("histogram bucket bounds must be strictly ascending")
            if math.isnan(count) or count < 0 or count < previous_count:
                raise CanaryError("histogram bucket counts must be cumulative and non-negative")
            previous_bound, previous_count = bound, count

    @property
    def bounds(self) -> tuple[float, ...]:
        return tuple(bound for bound, _ in self.buckets)

    def quantile(self, q: float) -> float | None:
        return histogram_quantile(q, self.buckets)

    def increase_since(self, earlier: Histogram) -> Histogram:
        """Observations added since ``earlier``, like PromQL ``increase`` on each bucket.

        A lower count in any bucket, or different bounds, means the target restarted
        (counter reset): everything counted now is new, as Prometheus assumes.
        """
        if self.bounds != earlier.bounds or self.count < earlier.count:
            return self
        if any(now < before for (_, now), (_, before) in zip(self.buckets, earlier.buckets, strict=True)):
            return self
        deltas: list[tuple[float, float]] = []
        highest = 0.0
        for (bound, now), (_, before) in zip(self.buckets, earlier.buckets, strict=True):
            # A scrape is not atomic on every target: keep the deltas cumulative.
            highest = max(highest, now - before)
            deltas.append((bound, highest))
        return Histogram(
            buckets=tuple(deltas),
            sum=max(0.0, self.sum - earlier.sum),
            count=max(self.count - earlier.count, highest),
        )

    def plus(self, other: Histogram) -> Histogram:
        """Bucket-wise sum (``sum by (le)``); both must share the same bounds."""
        if self.bounds != other.bounds:
            raise IncompatibleHistograms(
                "targets expose latency histograms with different buckets; "
                "their latencies cannot be combined"
            )
        return Histogram(
            buckets=tuple(
                (bound, a + b) for (bound, a), (_, b) in zip(self.buckets, other.buckets, strict=True)
            ),
            sum=self.sum + other.sum,
            count=self.count + other.count,
        )

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[float, float]], *, sum: float, count: float) -> Histogram:
        return cls(buckets=tuple(sorted(pairs)), sum=sum, count=count)

    def to_json(self) -> dict[str, object]:
        """Plain JSON (bounds as strings, so ``+Inf`` survives canonical JSON)."""
        return {
            "le": [format_bound(bound) for bound, _ in self.buckets],
            "counts": [count for _, count in self.buckets],
            "sum": self.sum,
            "count": self.count,
        }


def format_bound(bound: float) -> str:
    if bound == INF:
        return "+Inf"
    return repr(float(bound))
