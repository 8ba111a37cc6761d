"""Asks a Prometheus server one instant query over its HTTP API (``/api/v1/query``).

Bounded on every side: a timeout on connecting and reading, and a cap on the bytes
read (an answer larger than the cap is refused, never read whole). Whatever goes
wrong becomes an *error answer* naming the reason, so the analysis records an Error
measurement instead of raising: a provider that cannot answer is a fact to keep.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import urlencode

from engine.canary.metrics import MetricsSettings, QueryAnswer, answer_from_response

Opener = Callable[[urllib.request.Request, float], BinaryIO]


def _urlopen(request: urllib.request.Request, timeout: float) -> BinaryIO:
    # no proxies: the server is on the site's own network, and an air-gapped host's
    # proxy variables must not redirect (or leak) the query
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return opener.open(request, timeout=timeout)


class PrometheusClient:
    def __init__(self, settings: MetricsSettings, opener: Opener = _urlopen) -> None:
        self._settings = settings
        self._open = opener

    def query(self, name: str, promql: str, at: datetime) -> QueryAnswer:
        """Evaluate ``promql`` at ``at``; the answer keeps the query, the time and the raw data."""
        settings = self._settings
        url = f"{settings.address}/api/v1/query?" + urlencode(
            {"query": promql, "time": f"{at.timestamp():.3f}", "timeout": f"{settings.timeout_seconds:g}s"})
        request = urllib.request.Request(url, headers={"Accept": "application/json"})

        def error(why: str, body: Any = None) -> QueryAnswer:
            return QueryAnswer(name, promql, at, raw=body, error=why)

        try:
            with self._open(request, settings.timeout_seconds) as response:
                data = response.read(settings.max_response_bytes + 1)
        except urllib.error.HTTPError as err:
            # Prometheus answers 400/422/503 with a JSON body that says why
            body = _json(err.read(settings.max_response_bytes + 1))
            if isinstance(body, dict) and body.get("status") == "error":
                return answer_from_response(name, promql, at, body)
            return error(f"HTTP {err.code} from {settings.address}")
        except (urllib.error.URLError, OSError, ValueError) as err:
            reason = getattr(err, "reason", None) or err
            return error(f"no answer from {settings.address}: {reason}")
        if len(data) > settings.max_response_bytes:
            return error(f"answer larger than {settings.max_response_bytes} bytes; refused")
        body = _json(data)
        if body is None:
            return error("the answer is not JSON")
        return answer_from_response(name, promql, at, body)


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
