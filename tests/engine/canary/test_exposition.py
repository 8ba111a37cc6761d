from __future__ import annotations

import math

import pytest

from engine.canary import CanaryError, Exposition, MetricsParseError

GOOD = """\
# HELP http_requests_total Requests served, by code.\\nSecond line with \\\\ backslash.
# TYPE http_requests_total counter
http_requests_total{code="200",path="/work"} 90 1700000000000
http_requests_total{ path = "/work" , code = "500" , } 10
# A plain comment is ignored.

# TYPE http_request_errors_total counter
http_request_errors_total 10
# TYPE temperature gauge
temperature{room="a \\"quoted\\" \\\\ name\\nnext"} -3.5e1
temperature{room="b"} NaN
temperature{room="c"} +Inf
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05",path="/work"} 70
http_request_duration_seconds_bucket{le="0.1",path="/work"} 90
http_request_duration_seconds_bucket{le="0.25",path="/work"} 100
http_request_duration_seconds_bucket{le="+Inf",path="/work"} 100
http_request_duration_seconds_sum{path="/work"} 7.5
http_request_duration_seconds_count{path="/work"} 100
http_request_duration_seconds_bucket{le="0.05",path="/other"} 1
http_request_duration_seconds_bucket{le="0.1",path="/other"} 1
http_request_duration_seconds_bucket{le="0.25",path="/other"} 2
http_request_duration_seconds_bucket{le="+Inf",path="/other"} 2
http_request_duration_seconds_sum{path="/other"} 0.3
http_request_duration_seconds_count{path="/other"} 2
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.01
rpc_seconds{quantile="0.99"} 0.2
rpc_seconds_sum 12
rpc_seconds_count 300
untyped_thing 4
"""


def test_parses_families_types_labels_and_escapes() -> None:
    exposition = Exposition.parse(GOOD)
    names = [f.name for f in exposition.families]
    assert names == [
        "http_requests_total",
        "http_request_errors_total",
        "temperature",
        "http_request_duration_seconds",
        "rpc_seconds",
        "untyped_thing",
    ]
    requests = exposition.family("http_requests_total")
    assert requests is not None and requests.type == "counter"
    assert requests.help == "Requests served, by code.\nSecond line with \\ backslash."
    first, second = requests.samples
    assert first.labels == (("code", "200"), ("path", "/work"))
    assert first.timestamp_ms == 1700000000000
    assert second.label("code") == "500" and second.timestamp_ms is None
    temperature = exposition.family("temperature")
    assert temperature is not None
    assert temperature.samples[0].label("room") == 'a "quoted" \\ name\nnext'
    assert temperature.samples[0].value == -35.0
    assert math.isnan(temperature.samples[1].value)
    assert temperature.samples[2].value == math.inf
    assert exposition.family("untyped_thing").type == "untyped"  # type: ignore[union-attr]


def test_sums_counters_with_label_filter() -> None:
    exposition = Exposition.parse(GOOD)
    assert exposition.value_sum("http_requests_total") == 100
    assert exposition.value_sum("http_requests_total", {"code": "500"}) == 10
    assert exposition.value_sum("absent_total") is None


def test_histogram_is_summed_by_le_across_other_labels() -> None:
    histogram = Exposition.parse(GOOD).histogram("http_request_duration_seconds")
    assert histogram is not None
    assert histogram.buckets == ((0.05, 71.0), (0.1, 91.0), (0.25, 102.0), (math.inf, 102.0))
    assert histogram.count == 102 and histogram.sum == pytest.approx(7.8)
    only_work = Exposition.parse(GOOD).histogram("http_request_duration_seconds", {"path": "/work"})
    assert only_work is not None and only_work.count == 100


def test_asking_a_counter_for_a_histogram_is_refused() -> None:
    exposition = Exposition.parse(GOOD)
    with pytest.raises(CanaryError, match="is a counter, not a histogram"):
        exposition.histogram("http_requests_total")
    with pytest.raises(CanaryError, match="is a histogram"):
        exposition.value_sum("http_request_duration_seconds")


def test_empty_scrape_and_crlf_lines_are_fine() -> None:
    assert Exposition.parse("").families == ()
    assert Exposition.parse(b"up 1\r\n").family("up").samples[0].value == 1.0  # type: ignore[union-attr]


MALFORMED = [
    ("1bad 1", 1, "invalid metric name"),
    ('m{a="1" 1', 1, "expected ',' or '}'"),
    ('m{a="unterminated} 1', 1, "unterminated value"),
    ('m{a="x\\q"} 1', 1, "invalid escape"),
    ("m{a=1} 1", 1, "must be quoted"),
    ("m{1a=\"x\"} 1", 1, "invalid label name"),
    ('m{a="1",a="2"} 1', 1, "appears twice"),
    ('m{a="1"}1', 1, "expected a blank"),
    ("m", 1, "expected a blank"),
    ("m abc", 1, "is not a number"),
    ("m 1_000", 1, "is not a number"),
    ("m 1 2 3", 1, "value and an optional timestamp"),
    ("m 1 1.5", 1, "not an integer"),
    ("# TYPE m gaugeish", 1, "unknown metric type"),
    ("# TYPE 9m counter", 1, "invalid metric name"),
    ("# TYPE m counter\n# TYPE m counter", 2, "second TYPE"),
    ("# HELP m a\n# HELP m b", 2, "second HELP"),
    ("# HELP m bad \\t escape", 1, "invalid escape in HELP"),
    ("m 1\n# TYPE m counter", 2, "after its samples"),
    ("m 1\nm 2", 2, "duplicate series"),
    ('a 1\nb 1\na{x="1"} 1', 3, "not grouped together"),
    ("# TYPE c counter\nc -1", 2, "counter value is negative"),
    ("# TYPE h histogram\nh_bucket 1", 2, "without an 'le' label"),
    ('# TYPE h histogram\nh_bucket{le="fast"} 1', 2, "is not a number"),
    ("# TYPE h histogram\nh 1", 2, "must end in _bucket, _sum or _count"),
    ('# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_count 1', 2, r'no le="\+Inf" bucket'),
    ('# TYPE h histogram\nh_bucket{le="0.1"} 5\nh_bucket{le="+Inf"} 3', 2, "not cumulative"),
    ('# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_count 4', 2, "_count differs"),
    ("# TYPE h histogram\nh_sum 1", 2, "has no buckets"),
    ('# TYPE s summary\ns{quantile="1.5"} 1', 2, "between 0 and 1"),
]


@pytest.mark.parametrize(("text", "line_no", "reason"), MALFORMED)
def test_malformed_lines_are_rejected_with_their_line(text: str, line_no: int, reason: str) -> None:
    with pytest.raises(MetricsParseError, match=reason) as caught:
        Exposition.parse(text)
    assert caught.value.line_no == line_no
    assert f"metrics line {line_no}" in str(caught.value)


def test_bytes_that_are_not_utf8_name_the_line() -> None:
    with pytest.raises(MetricsParseError, match="not UTF-8") as caught:
        Exposition.parse(b"up 1\nbad\xff 1\n")
    assert caught.value.line_no == 2


def test_long_offending_lines_are_truncated_in_the_message() -> None:
    with pytest.raises(MetricsParseError) as caught:
        Exposition.parse("m " + "x" * 500)
    assert len(str(caught.value)) < 250
    assert caught.value.line.endswith("x" * 10)
