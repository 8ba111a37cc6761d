from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.canary import CanaryError, Histogram, IncompatibleHistograms, histogram_quantile

INF = math.inf
# 100 requests: 70 took <= 50 ms, 20 more <= 100 ms, the last 10 <= 250 ms.
LATENCY = [(0.05, 70.0), (0.1, 90.0), (0.25, 100.0), (INF, 100.0)]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # rank 50 lies in the first bucket: 0 + 0.05 * 50/70
        (0.5, 0.05 * 50 / 70),
        # rank 70 is exactly the first bucket's count: its upper bound
        (0.7, 0.05),
        # rank 80: second bucket, 0.05 + 0.05 * (80-70)/(90-70) = 0.075
        (0.8, 0.075),
        # rank 95: third bucket, 0.1 + 0.15 * (95-90)/(100-90) = 0.175
        (0.95, 0.175),
        # rank 100: still the third bucket (the first whose count reaches the rank)
        (1.0, 0.25),
        (0.0, 0.0),
    ],
)
def test_quantiles_checked_by_hand(q: float, expected: float) -> None:
    assert histogram_quantile(q, LATENCY) == pytest.approx(expected)


def test_rank_in_the_inf_bucket_returns_the_highest_finite_bound() -> None:
    # 10 of 100 observations are above 0.2 s: p95 falls into +Inf.
    assert histogram_quantile(0.95, [(0.1, 50), (0.2, 90), (INF, 100)]) == 0.2


def test_lowest_bucket_at_or_below_zero_returns_its_bound() -> None:
    assert histogram_quantile(0.2, [(0.0, 5), (1.0, 10), (INF, 10)]) == 0.0


def test_input_order_and_repeated_bounds_do_not_matter() -> None:
    shuffled = [(INF, 100.0), (0.1, 60.0), (0.05, 40.0), (0.05, 30.0), (0.1, 30.0), (0.25, 100.0)]
    # merged: 0.05 -> 70, 0.1 -> 90: the same as LATENCY
    assert histogram_quantile(0.95, shuffled) == pytest.approx(0.175)


def test_non_monotonic_counts_are_forced_monotonic_like_prometheus() -> None:
    # 0.2 bucket (4) is below 0.1 bucket (6): treated as 6. Rank 5 in first bucket.
    assert histogram_quantile(0.5, [(0.1, 6), (0.2, 4), (INF, 10)]) == pytest.approx(0.1 * 5 / 6)


@pytest.mark.parametrize(
    "buckets",
    [
        [],
        [(INF, 10)],  # fewer than two buckets
        [(0.1, 5), (0.2, 10)],  # no +Inf
        [(0.1, 0), (INF, 0)],  # no observations
    ],
)
def test_not_measurable_is_none(buckets: list[tuple[float, float]]) -> None:
    assert histogram_quantile(0.95, buckets) is None


@pytest.mark.parametrize("q", [-0.1, 1.5, math.nan])
def test_quantile_outside_zero_one_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        histogram_quantile(q, LATENCY)


@given(
    increments=st.lists(st.integers(min_value=0, max_value=50), min_size=2, max_size=8),
    q1=st.floats(min_value=0, max_value=1),
    q2=st.floats(min_value=0, max_value=1),
)
def test_quantile_is_monotonic_in_q(increments: list[int], q1: float, q2: float) -> None:
    bounds = [0.01 * 2**i for i in range(len(increments) - 1)] + [INF]
    counts, total = [], 0
    for step in increments:
        total += step
        counts.append(float(total))
    buckets = list(zip(bounds, counts, strict=True))
    low, high = sorted((q1, q2))
    a, b = histogram_quantile(low, buckets), histogram_quantile(high, buckets)
    if total == 0:
        assert a is None and b is None
    else:
        assert a is not None and b is not None and a <= b + 1e-12


def test_increase_since_subtracts_bucket_by_bucket() -> None:
    before = Histogram.from_pairs([(0.1, 10), (INF, 12)], sum=1.0, count=12)
    now = Histogram.from_pairs([(0.1, 15), (INF, 20)], sum=2.5, count=20)
    delta = now.increase_since(before)
    assert delta.buckets == ((0.1, 5.0), (INF, 8.0))
    assert delta.count == 8 and delta.sum == pytest.approx(1.5)


def test_increase_after_a_restart_is_the_whole_current_value() -> None:
    before = Histogram.from_pairs([(0.1, 100), (INF, 120)], sum=9.0, count=120)
    now = Histogram.from_pairs([(0.1, 3), (INF, 4)], sum=0.2, count=4)
    assert now.increase_since(before) == now


def test_plus_needs_equal_bounds() -> None:
    a = Histogram.from_pairs([(0.1, 1), (INF, 2)], sum=0.1, count=2)
    b = Histogram.from_pairs([(0.2, 1), (INF, 2)], sum=0.1, count=2)
    assert a.plus(a).buckets == ((0.1, 2.0), (INF, 4.0))
    with pytest.raises(IncompatibleHistograms, match="different buckets"):
        a.plus(b)


@pytest.mark.parametrize(
    ("pairs", "reason"),
    [
        ([(0.1, 1)], r"\+Inf bucket"),
        ([(0.1, 5), (INF, 3)], "cumulative"),
        ([(0.1, -1), (INF, 3)], "non-negative"),
    ],
)
def test_invalid_histograms_cannot_exist(pairs: list[tuple[float, float]], reason: str) -> None:
    with pytest.raises(CanaryError, match=reason):
        Histogram.from_pairs(pairs, sum=0, count=3)


def test_to_json_writes_inf_as_text() -> None:
    h = Histogram.from_pairs([(0.1, 1), (INF, 2)], sum=0.1, count=2)
    assert h.to_json() == {"le": ["0.1", "+Inf"], "counts": [1.0, 2.0], "sum": 0.1, "count": 2}
