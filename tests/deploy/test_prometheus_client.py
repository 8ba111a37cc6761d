"""The Prometheus HTTP client's bounds against a local server that misbehaves:
an oversized answer is refused, a slow one times out, neither raises."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.deploy.prometheus import PrometheusClient
from engine.canary.metrics import MetricsSettings


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if "trickle" in self.path:  # one byte at a time, each read well within the timeout
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            return
        if "slow" in self.path:
            time.sleep(2)
        body = b'{"status":"success","data":{"resultType":"vector","result":[]}}'
        if "big" in self.path:
            body = b" " * 5000 + body
        if "bad" in self.path:
            self.send_response(400)
            body = b'{"status":"error","errorType":"bad_data","error":"1:5: parse error"}'
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up first (the slow case)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def client(address: str) -> PrometheusClient:
    return PrometheusClient(MetricsSettings.from_json({
        "address": address, "timeout_seconds": 0.5, "max_response_bytes": 1024,
        "queries": [{"name": "error-rate", "query": "up", "success": "< 1"}]}))


def test_bounds_and_failures_become_error_answers(server):
    at = datetime.now(UTC)
    assert client(server).query("error-rate", "up", at).error == ""
    assert "larger than 1024 bytes" in client(server).query("error-rate", "big", at).error
    assert "no answer from" in client(server).query("error-rate", "slow", at).error
    assert client(server).query("error-rate", "bad", at).error == "bad_data: 1:5: parse error"
    assert "no answer from" in client("http://127.0.0.1:9").query("error-rate", "up", at).error


def test_a_trickling_answer_is_cut_at_the_deadline_not_read_forever(server):
    began = time.monotonic()
    answer = client(server).query("error-rate", "trickle", datetime.now(UTC))
    assert "no whole answer" in answer.error and time.monotonic() - began < 2.0


def test_range_answers_are_bounded_the_same_way(server):
    end = datetime.now(UTC)
    start = end - timedelta(seconds=30)
    bad = client(server).query_range("error-rate", "up", start, end, 5.0)
    assert bad.error == "the answer holds no matrix"  # the double answers a vector
    assert "larger than 1024 bytes" in client(server).query_range("error-rate", "big", start, end, 5.0).error
    assert "no answer from" in client("http://127.0.0.1:9").query_range("error-rate", "up", start, end, 5).error
