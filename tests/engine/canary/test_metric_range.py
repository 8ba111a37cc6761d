"""Range answers (``/api/v1/query_range``): the step stays within the point cap and a
body that is not a matrix is an error answer, never samples made up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.canary.metric_range import MAX_POINTS, range_from_response, range_step

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_step_is_the_interval_unless_the_window_would_exceed_the_point_cap():
    assert range_step(START, START + timedelta(minutes=5), 5.0) == 5.0
    assert range_step(START, START, 5.0) == 5.0
    day = range_step(START, START + timedelta(days=1), 1.0)
    assert day > 1.0 and 86400 / day + 1 <= MAX_POINTS


def test_a_matrix_keeps_its_raw_data_and_samples():
    body = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {}, "values": [[1772366400, "0.01"], [1772366405, "0.02"]]}]}}
    answer = range_from_response("error-rate", "up", START, START, 5.0, body)
    assert answer.error == "" and answer.series == (((1772366400.0, 0.01), (1772366405.0, 0.02)),)
    assert answer.to_json()["samples"] == 2 and answer.to_json()["raw"] == body["data"]


def test_anything_else_is_an_error_answer():
    vector = {"status": "success", "data": {"resultType": "vector", "result": []}}
    assert range_from_response("r", "up", START, START, 5, vector).error == "the answer holds no matrix"
    failed = {"status": "error", "errorType": "bad_data", "error": "parse error"}
    assert range_from_response("r", "up", START, START, 5, failed).error == "bad_data: parse error"
    junk = {"status": "success", "data": {"resultType": "matrix", "result": [{"values": [["x", "y"]]}]}}
    assert range_from_response("r", "up", START, START, 5, junk).error == "a sample in the answer is not a number"
    assert range_from_response("r", "up", START, START, 5, []).series == ()
