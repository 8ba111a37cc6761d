"""The demo artifact: ``artifacts/<component>/app.json`` of a release, which tells a
demo target how that release behaves.

``{"version": "1.3.0-rc1", "error_rate": 0.0, "latency_ms": 20, "latency_jitter_ms": 5,
"ready": true}`` — ``error_rate`` is the share of ``/work`` requests answered 500,
``latency_ms`` (± a seeded jitter) how long each takes, ``ready: false`` makes
``/healthz`` answer 503. A target serves all components of a release in series:
a request fails if any component fails and takes the sum of their latencies.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.drivers.base import DriverError
from app.drivers.demo_fleet.files import atomic_write_json

ARTIFACT_FILE = "app.json"
MAX_LATENCY_MS = 10_000.0


class DemoArtifactError(DriverError):
    """A demo artifact that a target cannot run."""


@dataclass(frozen=True)
class DemoBehaviour:
    version: str
    error_rate: float = 0.0
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    ready: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version:
            raise DemoArtifactError("a demo artifact needs a version")
        _number(self.error_rate, "error_rate", 0.0, 1.0)
        _number(self.latency_ms, "latency_ms", 0.0, MAX_LATENCY_MS)
        _number(self.latency_jitter_ms, "latency_jitter_ms", 0.0, MAX_LATENCY_MS)
        if not isinstance(self.ready, bool):
            raise DemoArtifactError("ready must be true or false")

    @classmethod
    def from_json(cls, data: bytes | str, *, source: str = ARTIFACT_FILE) -> DemoBehaviour:
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError) as err:
            raise DemoArtifactError(f"{source} is not JSON: {err}") from None
        if not isinstance(document, Mapping):
            raise DemoArtifactError(f"{source} must be a JSON object")
        # Unknown fields are ignored, as DESIGN §4.4 asks of the files in a bundle
        # (the sample releases also name their component and release here).
        known = {"version", "error_rate", "latency_ms", "latency_jitter_ms", "ready"}
        document = {key: value for key, value in document.items() if key in known}
        if "version" not in document:
            raise DemoArtifactError(f"{source}: a demo artifact needs a version")
        return cls(**document)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "error_rate": self.error_rate,
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "ready": self.ready,
        }


def combined(behaviours: Sequence[DemoBehaviour]) -> DemoBehaviour:
    """The behaviour of components served in series."""
    if not behaviours:
        raise DemoArtifactError("a demo release needs at least one component artifact")
    success = math.prod(1.0 - b.error_rate for b in behaviours)
    return DemoBehaviour(
        version="+".join(b.version for b in behaviours),
        error_rate=min(1.0, max(0.0, 1.0 - success)),
        latency_ms=min(MAX_LATENCY_MS, sum(b.latency_ms for b in behaviours)),
        latency_jitter_ms=min(MAX_LATENCY_MS, sum(b.latency_jitter_ms for b in behaviours)),
        ready=all(b.ready for b in behaviours),
    )


def write_demo_artifact(artifacts_dir: Path, component: str, behaviour: DemoBehaviour) -> Path:
    """Write ``<artifacts_dir>/<component>/app.json`` (for sample releases and tests)."""
    folder = artifacts_dir / component
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ARTIFACT_FILE
    atomic_write_json(path, behaviour.to_json())
    return path


def _number(value: Any, name: str, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DemoArtifactError(f"{name} must be a number, not {value!r}")
    if not low <= value <= high:
        raise DemoArtifactError(f"{name} must be between {low:g} and {high:g}, not {value!r}")
