"""Asks a Prometheus server over its HTTP API: an instant query (``/api/v1/query``) per
measurement, and a range query (``/api/v1/query_range``) over a stage's whole window
for the evidence of its decision.

Bounded on every side: a timeout on connecting and on each read, a deadline on the
whole answer (a server trickling bytes cannot hold a stage), and a cap on the bytes
read (an answer larger than the cap is refused, never read whole). Whatever goes
wrong becomes an *error answer* naming the reason, so the analysis records an Error
measurement instead of raising: a provider that cannot answer is a fact to keep.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import urlencode

from engine.canary.metric_range import RangeAnswer, range_from_response
from engine.canary.metrics import MetricsSettings, QueryAnswer, answer_from_response

Opener = Callable[[urllib.request.Request, float], BinaryIO]
CHUNK = 64 * 1024


def _urlopen(request: urllib.request.Request, timeout: float) -> BinaryIO:
    # no proxies: the server is on the site's own network, and an air-gapped host's
    # proxy variables must not redirect (or leak) the query
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return opener.open(request, timeout=timeout)


class _Refused(Exception):
    """No usable answer; the message says why in words for the evidence."""


class PrometheusClient:
    def __init__(self, settings: MetricsSettings, opener: Opener = _urlopen,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._open = opener
        self._monotonic = monotonic

    def query(self, name: str, promql: str, at: datetime) -> QueryAnswer:
        """Evaluate ``promql`` at ``at``; the answer keeps the query, the time and the raw data."""
        try:
            body = self._get("/api/v1/query", {"query": promql, "time": _unix(at)})
        except _Refused as why:
            return QueryAnswer(name, promql, at, raw=why.args[1], error=str(why.args[0]))
        return answer_from_response(name, promql, at, body)

    def query_range(self, name: str, promql: str, start: datetime, end: datetime,
                    step_seconds: float) -> RangeAnswer:
        """Evaluate ``promql`` every ``step_seconds`` from ``start`` to ``end``: the raw matrix."""
        try:
            body = self._get("/api/v1/query_range", {"query": promql, "start": _unix(start),
                                                      "end": _unix(end), "step": f"{step_seconds:g}"})
        except _Refused as why:
            return RangeAnswer(name, promql, start, end, step_seconds, raw=why.args[1],
                               error=str(why.args[0]))
        return range_from_response(name, promql, start, end, step_seconds, body)

    def _get(self, path: str, params: Mapping[str, str]) -> Any:
        """The JSON body of a GET (Prometheus's error bodies included), or :class:`_Refused`."""
        settings = self._settings
        url = f"{settings.address}{path}?" + urlencode(
            {**params, "timeout": f"{settings.timeout_seconds:g}s"})
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        deadline = self._monotonic() + 2 * settings.timeout_seconds
        try:
            with self._open(request, settings.timeout_seconds) as response:
                data = self._read(response, deadline)
        except urllib.error.HTTPError as err:
            # Prometheus answers 400/422/503 with a JSON body that says why
            body = _json(err.read(settings.max_response_bytes + 1))
            if isinstance(body, dict) and body.get("status") == "error":
                return body
            raise _Refused(f"HTTP {err.code} from {settings.address}", None) from None
        except (urllib.error.URLError, OSError, ValueError) as err:
            reason = getattr(err, "reason", None) or err
            raise _Refused(f"no answer from {settings.address}: {reason}", None) from None
        body = _json(data)
        if body is None:
            raise _Refused("the answer is not JSON", None)
        return body

    def _read(self, response: BinaryIO, deadline: float) -> bytes:
        cap = self._settings.max_response_bytes
        parts: list[bytes] = []
        size = 0
        # read1: what has arrived, so the deadline is checked while a server trickles
        read = getattr(response, "read1", response.read)
        while True:
            chunk = read(min(CHUNK, cap + 1 - size))
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            size += len(chunk)
            if size > cap:
                raise _Refused(f"answer larger than {cap} bytes; refused", None)
            if self._monotonic() > deadline:
                raise _Refused(f"no whole answer from {self._settings.address} within "
                               f"{2 * self._settings.timeout_seconds:g}s", None)


def _unix(at: datetime) -> str:
    return f"{at.timestamp():.3f}"


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
