from __future__ import annotations

import pytest

from engine.canary import GateConfigError, HealthGate


def test_defaults_read_as_the_seed_policy() -> None:
    assert HealthGate().summary == "proceed if 95% healthy for 5m, error rate < 1%"
    assert HealthGate().required_measurements == 30


def test_from_dict_accepts_human_units() -> None:
    gate = HealthGate.from_dict(
        {
            "min_healthy_fraction": "90%",
            "max_error_rate": "0.5%",
            "max_p95_ms": "0.3s",
            "window_seconds": "2m",
            "interval_seconds": "15s",
            "failure_limit": 2,
        }
    )
    assert gate.min_healthy_fraction == pytest.approx(0.9)
    assert gate.max_error_rate == pytest.approx(0.005)
    assert gate.max_p95_ms == pytest.approx(300)
    assert gate.window_seconds == 120 and gate.interval_seconds == 15
    assert gate.required_measurements == 8
    assert gate.summary == "proceed if 90% healthy for 2m, error rate < 0.5%, p95 < 300ms"
    assert gate.describe().endswith(
        "(measured every 15s, 8 measurements; tolerate 2 failed measurements, roll back on the next)"
    )


def test_plain_numbers_mean_fractions_seconds_and_milliseconds() -> None:
    gate = HealthGate.from_dict({"min_healthy_fraction": 1, "max_p95_ms": 250, "window_seconds": 0.6,
                                 "interval_seconds": 0.2, "max_error_rate": None})
    assert gate.max_p95_ms == 250 and gate.max_error_rate is None
    assert gate.summary == "proceed if 100% healthy for 600ms, p95 < 250ms"
    assert gate.required_measurements == 3


def test_round_trips_through_to_dict() -> None:
    gate = HealthGate(max_p95_ms=200, failure_limit=1, max_gap_seconds=45)
    assert HealthGate.from_dict(gate.to_dict()) == gate


def test_gap_defaults_to_three_intervals() -> None:
    assert HealthGate(interval_seconds=10).gap_seconds == 30
    assert HealthGate(interval_seconds=10, max_gap_seconds=12).gap_seconds == 12


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"min_healthy": 0.9}, "min_healthy"),
        ({"min_healthy_fraction": "95"}, "min_healthy_fraction"),
        ({"min_healthy_fraction": "lots%"}, "min_healthy_fraction"),
        ({"min_healthy_fraction": 0}, "min_healthy_fraction"),
        ({"min_healthy_fraction": None}, "min_healthy_fraction"),
        ({"max_error_rate": 1.5}, "max_error_rate"),
        ({"max_error_rate": 0}, "max_error_rate"),
        ({"max_p95_ms": -5}, "max_p95_ms"),
        ({"window_seconds": "five minutes"}, "window_seconds"),
        ({"window_seconds": 5, "interval_seconds": 10}, "window_seconds"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"failure_limit": -1}, "failure_limit"),
        ({"failure_limit": 1.5}, "failure_limit"),
        ({"failure_limit": True}, "failure_limit"),
        ({"min_requests": "10"}, "min_requests"),
        ({"max_gap_seconds": "1s"}, "max_gap_seconds"),
        ({"window_seconds": float("inf")}, "window_seconds"),
    ],
)
def test_bad_settings_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(GateConfigError) as caught:
        HealthGate.from_dict(data)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_a_gate_must_be_a_mapping() -> None:
    with pytest.raises(GateConfigError, match="mapping"):
        HealthGate.from_dict(["window_seconds", 5])  # type: ignore[arg-type]
