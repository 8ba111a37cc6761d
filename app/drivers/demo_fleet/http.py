"""Plain HTTP GETs to demo targets on 127.0.0.1, with a timeout and a size cap.

``http.client`` directly rather than ``urllib``: no proxy settings from the
environment can ever route a loopback scrape elsewhere (the app is offline).
"""

from __future__ import annotations

import http.client

from app.drivers.base import DriverError

MAX_BODY = 4 * 1024 * 1024


class TargetUnreachable(DriverError):
    """The target did not answer; ``reason`` says how (refused, timeout, …)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url} did not answer: {reason}")
        self.reason = reason


def http_get(port: int, path: str, *, timeout: float) -> tuple[int, bytes]:
    """``(status, body)`` of ``GET http://127.0.0.1:<port><path>``."""
    url = f"http://127.0.0.1:{port}{path}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            raise TargetUnreachable(url, f"answer larger than {MAX_BODY} bytes")
        return response.status, body
    except ConnectionRefusedError:
        raise TargetUnreachable(url, "connection refused") from None
    except TimeoutError:
        raise TargetUnreachable(url, f"no answer within {timeout:g}s") from None
    except (OSError, http.client.HTTPException) as err:
        raise TargetUnreachable(url, f"{type(err).__name__}: {err}") from None
    finally:
        connection.close()
