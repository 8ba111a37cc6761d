"""Metric-provider analysis without a server: settings, rendering, answers, verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.canary import HealthGate
from engine.canary.metrics import (
    MetricAnalysis,
    MetricsConfigError,
    MetricsSettings,
    QueryAnswer,
    answer_from_response,
    placeholders,
)
from engine.clock import FixedClock

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = {"address": "http://127.0.0.1:9090", "consecutive_error_limit": 1,
            "queries": [{"name": "error-rate", "success": "< 0.05",
                         "query": 'sum(rate(errors{t=~"{targets}", r="{release}"}[1m]))'}]}
GATE = HealthGate(window_seconds=3.0, interval_seconds=1.0, inconclusive_limit=1)


def vector(*values: str) -> dict:
    return {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {}, "value": [1.0, v]} for v in values]}}


def answer(body: dict, clock: FixedClock) -> QueryAnswer:
    return answer_from_response("error-rate", "q", clock.now(), body)


@pytest.mark.parametrize(("change", "field"), [
    ({"address": "ftp://x"}, "metrics.address"),
    ({"address": "http://u:p@x:9090"}, "metrics.address"),
    ({"queries": []}, "metrics.queries"),
    ({"queries": [{"name": "e", "query": "up"}]}, "metrics.queries[0]"),
    ({"queries": [{"name": "e", "query": "up", "success": "about 3"}]}, "metrics.queries[0].success"),
    ({"on_error": "ignore"}, "metrics.on_error"),
    ({"provider": "datadog"}, "metrics.provider"),
    ({"colour": 1}, "metrics.colour"),
])
def test_bad_settings_are_refused_naming_the_field(change, field):
    with pytest.raises(MetricsConfigError) as err:
        MetricsSettings.from_json({**SETTINGS, **change})
    assert err.value.field == field


def test_placeholders_are_escaped_into_promql_strings():
    query = MetricsSettings.from_json(SETTINGS).queries[0]
    values = placeholders(targets=["web.01", "web-02"], stage="deploy-10", environment="prod",
                          release='pl"at', version="1", digest="sha256:" + "a" * 64)
    assert query.render(values) == r'sum(rate(errors{t=~"web\\.01|web\\-02", r="pl\"at"}[1m]))'


def test_an_answer_keeps_the_raw_data_and_a_failed_one_is_an_error():
    clock = FixedClock(START)
    ok = answer(vector("0.5", "NaN"), clock)
    assert ok.error == "" and ok.values[0] == 0.5 and ok.raw["resultType"] == "vector"
    bad = answer({"status": "error", "errorType": "bad_data", "error": "parse error"}, clock)
    assert bad.error == "bad_data: parse error"
    assert answer({"status": "success", "data": {"resultType": "matrix", "result": []}}, clock).error


def test_breach_error_and_pass_decisions():
    settings = MetricsSettings.from_json(SETTINGS)
    clock = FixedClock(START)
    run = MetricAnalysis(GATE, settings, clock, 2)
    assert run.observe([answer(vector("0.01"), clock)]).status == "measuring"
    clock.advance(1)
    decision = run.observe([answer(vector("0.2"), clock)])
    assert decision.status == "breached" and decision.cause == "failures"
    assert "breaks success condition < 0.05" in decision.reason

    clock = FixedClock(START)
    run = MetricAnalysis(GATE, settings, clock, 2)
    down = QueryAnswer("error-rate", "q", clock.now(), error="no answer from http://127.0.0.1:9090")
    assert run.observe([down]).status == "measuring"  # one error tolerated
    clock.advance(1)
    run.observe([answer(vector("0.0"), clock)])  # an answer ends the streak
    for _ in range(2):
        clock.advance(1)
        decision = run.observe([down])
    assert decision.status == "inconclusive" and decision.cause == "errors"  # on_error: pause
    assert [m.phase for m in run.measurements] == ["error", "successful", "error", "error"]

    clock = FixedClock(START)
    run = MetricAnalysis(GATE, settings, clock, 2)
    for _ in range(3):
        run.observe([answer(vector("0.0"), clock)])
        clock.advance(1)
    decision = run.observe([answer(vector("0.0"), clock)])
    assert decision.status == "passed" and decision.measurements == 4


def test_errors_roll_back_when_so_configured_and_no_data_is_inconclusive():
    settings = MetricsSettings.from_json({**SETTINGS, "on_error": "rollback", "consecutive_error_limit": 0})
    clock = FixedClock(START)
    run = MetricAnalysis(GATE, settings, clock, 1)
    decision = run.observe([QueryAnswer("error-rate", "q", clock.now(), error="timed out")])
    assert decision.status == "breached" and decision.rollback and "metrics provider error" in decision.reason
    run = MetricAnalysis(GATE, MetricsSettings.from_json(SETTINGS), clock, 1)
    clock.advance(1)
    assert run.observe([answer(vector(), clock)]).last.phase == "inconclusive"
