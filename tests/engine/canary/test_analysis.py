from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from engine.canary import (
    AnalysisStateError,
    CanaryAnalysis,
    HealthGate,
    HealthSample,
    Histogram,
    unreachable_sample,
)
from engine.canonical import canonical_bytes
from engine.clock import FixedClock

T0 = datetime(2026, 2, 18, 8, 30, tzinfo=UTC)
TARGETS = ("eu-prod-01", "eu-prod-02", "eu-prod-03")
# Latency buckets in seconds; the target below puts requests in them.
BOUNDS = (0.05, 0.1, 0.25, math.inf)


class FakeFleet:
    """Cumulative counters per target, advanced interval by interval like real targets."""

    def __init__(self, clock: FixedClock, targets: tuple[str, ...] = TARGETS) -> None:
        self.clock = clock
        self.requests = dict.fromkeys(targets, 0.0)
        self.errors = dict.fromkeys(targets, 0.0)
        self.buckets = {t: [0.0] * len(BOUNDS) for t in targets}
        self.down: set[str] = set()
        self.unready: set[str] = set()

    def serve(self, requests: int, *, errors: int = 0, slow: int = 0, target: str | None = None) -> None:
        """Each target serves ``requests`` (``slow`` of them take 200 ms, the rest 20 ms)."""
        for name in [target] if target else list(self.requests):
            self.requests[name] += requests
            self.errors[name] += errors
            fast = requests - slow
            cumulative = [fast, fast, requests, requests]
            self.buckets[name] = [b + c for b, c in zip(self.buckets[name], cumulative, strict=True)]

    def restart(self, name: str) -> None:
        self.requests[name] = self.errors[name] = 0.0
        self.buckets[name] = [0.0] * len(BOUNDS)

    def samples(self) -> list[HealthSample]:
        out = []
        for name in self.requests:
            if name in self.down:
                out.append(unreachable_sample(name, self.clock.now(), "connection refused"))
                continue
            histogram = Histogram(
                buckets=tuple(zip(BOUNDS, self.buckets[name], strict=True)),
                sum=0.0,
                count=self.buckets[name][-1],
            )
            out.append(
                HealthSample(
                    target=name,
                    scraped_at=self.clock.now(),
                    healthy=name not in self.unready,
                    version="1.3.0-rc1",
                    requests_total=self.requests[name],
                    errors_total=self.errors[name],
                    latency=histogram,
                )
            )
        return out


def run(analysis: CanaryAnalysis, fleet: FakeFleet, clock: FixedClock, seconds: float = 10) -> str:
    clock.advance(seconds)
    return analysis.observe(fleet.samples()).status


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(T0)


GATE = HealthGate(window_seconds=60, interval_seconds=10, max_p95_ms=150)


def test_passes_once_the_criteria_held_for_the_whole_window(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    assert analysis.decision.status == "measuring" and analysis.decision.progress == 0
    assert analysis.observe(fleet.samples()).status == "measuring"  # baseline
    progress = []
    for _ in range(5):
        fleet.serve(100)
        assert run(analysis, fleet, clock) == "measuring"
        progress.append(analysis.decision.progress)
    assert progress == pytest.approx([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6])
    fleet.serve(100)
    assert run(analysis, fleet, clock) == "passed"
    decision = analysis.decision
    assert decision.final and not decision.rollback and decision.progress == 1.0
    assert decision.measurements == 6 and decision.observed_seconds == 60
    assert decision.reason == "criteria held for 1m: 6 measurements, 0 failed (limit 0)"
    records = analysis.measurements
    assert [m.phase for m in records] == ["baseline"] + ["successful"] * 6
    last = records[-1]
    assert last.requests == 300 and last.errors == 0 and last.error_rate == 0
    # 300 requests all <= 50 ms: p95 = 0.05 * 285/300 s
    assert last.p95_ms == pytest.approx(50 * 0.95)
    assert last.healthy_targets == 3 and last.healthy_fraction == 1.0


def test_error_rate_breach_asks_for_rollback_with_the_values(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    fleet.serve(100, errors=20)
    assert run(analysis, fleet, clock) == "breached"
    decision = analysis.decision
    assert decision.rollback and decision.final and decision.failures == 1
    assert "error rate 20% not below 1%" in decision.reason
    record = decision.last
    assert record is not None and record.phase == "failed"
    assert record.error_rate == pytest.approx(0.2)
    assert [t.error_rate for t in record.targets] == pytest.approx([0.2, 0.2, 0.2])


def test_p95_breach(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    fleet.serve(100, slow=20)  # 20% take 200 ms: p95 = 100 + 150 * (95-80)/20 = 212.5 ms
    assert run(analysis, fleet, clock) == "breached"
    record = analysis.decision.last
    assert record is not None and record.p95_ms == pytest.approx(212.5)
    assert record.breaches == ("p95 latency 212.5ms not below 150ms",)


def test_a_single_blip_within_the_failure_limit_is_tolerated(clock: FixedClock) -> None:
    gate = HealthGate(window_seconds=60, interval_seconds=10, failure_limit=1)
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(gate, clock)
    analysis.observe(fleet.samples())
    fleet.serve(100)
    assert run(analysis, fleet, clock) == "measuring"
    fleet.serve(100, errors=5)
    assert run(analysis, fleet, clock) == "measuring"
    assert analysis.decision.failures == 1 and analysis.decision.last.phase == "failed"  # type: ignore[union-attr]
    for _ in range(4):
        fleet.serve(100)
        status = run(analysis, fleet, clock)
    assert status == "passed"
    assert analysis.decision.reason == "criteria held for 1m: 6 measurements, 1 failed (limit 1)"


def test_a_second_blip_beyond_the_limit_breaches(clock: FixedClock) -> None:
    gate = HealthGate(window_seconds=60, interval_seconds=10, failure_limit=1)
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(gate, clock)
    analysis.observe(fleet.samples())
    for errors, expected in [(5, "measuring"), (0, "measuring"), (5, "breached")]:
        fleet.serve(100, errors=errors)
        assert run(analysis, fleet, clock) == expected


def test_an_unhealthy_target_lowers_the_healthy_fraction(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    fleet.unready.add("eu-prod-02")
    fleet.serve(100)
    assert run(analysis, fleet, clock) == "breached"
    record = analysis.decision.last
    assert record is not None
    assert (record.healthy_targets, record.total_targets) == (2, 3)
    assert record.breaches == ("healthy 2/3 (66.667%) below 95%",)


def test_a_killed_target_is_unhealthy_and_its_counters_leave_the_rate(clock: FixedClock) -> None:
    gate = HealthGate(min_healthy_fraction=0.6, window_seconds=20, interval_seconds=10)
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(gate, clock)
    analysis.observe(fleet.samples())
    fleet.serve(100, errors=50, target="eu-prod-03")
    fleet.down.add("eu-prod-03")
    fleet.serve(100, target="eu-prod-01")
    fleet.serve(100, target="eu-prod-02")
    assert run(analysis, fleet, clock) == "measuring"
    record = analysis.decision.last
    assert record is not None and record.healthy_targets == 2
    assert record.requests == 200 and record.error_rate == 0
    down = record.targets[2]
    assert not down.healthy and down.detail == "connection refused" and down.requests is None


def test_no_traffic_is_inconclusive_not_a_pass(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    assert run(analysis, fleet, clock) == "inconclusive"
    decision = analysis.decision
    assert decision.final and not decision.rollback
    assert "error rate not measurable: only 0 requests" in decision.reason
    assert "an operator decides" in decision.reason


def test_only_the_healthy_fraction_needs_no_traffic(clock: FixedClock) -> None:
    gate = HealthGate(max_error_rate=None, window_seconds=20, interval_seconds=10)
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(gate, clock)
    analysis.observe(fleet.samples())
    assert run(analysis, fleet, clock) == "measuring"
    assert run(analysis, fleet, clock) == "passed"


def test_a_restarted_target_counts_from_zero_not_negative(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    fleet.serve(1000)
    analysis.observe(fleet.samples())
    fleet.restart("eu-prod-01")
    fleet.serve(40, errors=0)
    run(analysis, fleet, clock)
    record = analysis.decision.last
    assert record is not None and record.targets[0].requests == 40
    assert record.requests == 120 and record.error_rate == 0


def test_a_long_gap_rebaselines_and_does_not_count(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    fleet.serve(100)
    run(analysis, fleet, clock)
    fleet.serve(100, errors=100)  # happened while nobody watched: not judged
    run(analysis, fleet, clock, seconds=600)
    decision = analysis.decision
    assert decision.status == "measuring" and decision.measurements == 1
    assert decision.observed_seconds == 10
    record = analysis.measurements[-1]
    assert record.phase == "baseline" and record.notes[0].startswith("re-baselined: 10m")


def test_evidence_json_is_canonical_and_keeps_every_value(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    fleet.serve(100, errors=20)
    run(analysis, fleet, clock)
    document = analysis.to_json()
    canonical_bytes(document)  # no NaN/Inf or other non-JSON values
    assert document["policy"] == "proceed if 95% healthy for 1m, error rate < 1%, p95 < 150ms"
    assert document["decision"]["status"] == "breached"  # type: ignore[index]
    measurements = document["measurements"]
    assert [m["phase"] for m in measurements] == ["baseline", "failed"]  # type: ignore[index, union-attr]
    assert measurements[1]["errorRate"] == pytest.approx(0.2)  # type: ignore[index]
    assert measurements[1]["at"] == "2026-02-18T08:30:10Z"  # type: ignore[index]


# One test per refused transition.


def test_observing_after_a_final_decision_is_refused(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    fleet.serve(100, errors=50)
    run(analysis, fleet, clock)
    with pytest.raises(AnalysisStateError, match="already breached") as caught:
        run(analysis, fleet, clock)
    assert caught.value.rule == "finished"


def test_an_observation_not_after_the_previous_is_refused(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    with pytest.raises(AnalysisStateError, match="not after the previous") as caught:
        analysis.observe(fleet.samples())
    assert caught.value.rule == "time-order"


def test_an_empty_observation_is_refused(clock: FixedClock) -> None:
    with pytest.raises(AnalysisStateError) as caught:
        CanaryAnalysis(GATE, clock).observe([])
    assert caught.value.rule == "no-targets"


def test_the_same_target_twice_is_refused(clock: FixedClock) -> None:
    sample = unreachable_sample("eu-prod-01", clock.now(), "timeout")
    with pytest.raises(AnalysisStateError, match="eu-prod-01") as caught:
        CanaryAnalysis(GATE, clock).observe([sample, sample])
    assert caught.value.rule == "duplicate-target"


def test_observations_always_further_apart_than_the_gap_end_inconclusive_not_measuring_for_ever(
        clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    for _ in range(2):
        fleet.serve(100)
        run(analysis, fleet, clock, seconds=GATE.gap_seconds + 1)  # sampling slower than the gap
        assert analysis.decision.status == "measuring"
    fleet.serve(100)
    run(analysis, fleet, clock, seconds=GATE.gap_seconds + 1)
    decision = analysis.decision
    assert decision.status == "inconclusive" and decision.measurements == 0 and not decision.rollback
    assert "3 observations in a row came more than" in decision.reason and "max_gap_seconds" in decision.reason


def test_one_judged_observation_between_gaps_resets_the_count(clock: FixedClock) -> None:
    fleet = FakeFleet(clock)
    analysis = CanaryAnalysis(GATE, clock)
    analysis.observe(fleet.samples())
    for seconds in (GATE.gap_seconds + 1, GATE.gap_seconds + 1, GATE.interval_seconds,
                    GATE.gap_seconds + 1, GATE.gap_seconds + 1):
        fleet.serve(100)
        run(analysis, fleet, clock, seconds=seconds)
    assert analysis.decision.status == "measuring"
