"""The deploy-driver interface (DESIGN §8): deploy one release to one target, roll
one target back, report one target's health, observe the release it runs now.

Outcomes versus errors: what happened on a target — the command exited 1, the
target never came up, the operator cancelled — is a :class:`DeployResult` with a
``status``, because the run records it as evidence either way. A
:class:`DriverError` means the attempt could not even be made (a bad template,
an unknown target, a release without the artifacts the driver needs); its message
is for the operator.

Streaming: drivers call ``log(line)`` for each line of output as it arrives, from
the thread that called them, and poll ``should_stop()`` between lines; a true
answer ends the attempt with status ``cancelled``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

from app.errors import StellaError
from engine.canary.health import HealthSample
from engine.canonical import canonical_digest
from engine.clock import rfc3339

LogSink = Callable[[str], None]
ShouldStop = Callable[[], bool]
Status = Literal["succeeded", "failed", "timed-out", "cancelled"]
Action = Literal["deploy", "rollback"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")

__all__ = [
    "Action",
    "Component",
    "DeployDriver",
    "DeployResult",
    "DriverError",
    "HealthSample",
    "LogSink",
    "Observed",
    "ReleaseRef",
    "ShouldStop",
    "Status",
    "Target",
    "never_stop",
]


class DriverError(StellaError):
    """A deployment that could not be attempted; ``str(err)`` tells the operator why."""


def never_stop() -> bool:
    return False


@dataclass(frozen=True)
class Target:
    """One deploy target of an environment; ``options`` are driver-specific strings."""

    env: str
    name: str
    driver: str
    options: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for label, value in (("environment", self.env), ("target", self.name)):
            if not isinstance(value, str) or not _NAME.fullmatch(value):
                raise DriverError(
                    f"{label} name {value!r} must be 1-63 letters, digits, '.', '_' or '-', "
                    "starting with a letter or digit"
                )
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))


@dataclass(frozen=True)
class Component:
    name: str
    image: str
    digest: str

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise DriverError(f"component name {self.name!r} is not a simple name")
        if not _DIGEST.fullmatch(self.digest):
            raise DriverError(f"component {self.name!r} digest must be sha256:<64 hex>")


@dataclass(frozen=True)
class ReleaseRef:
    """The release a driver deploys, pinned by digest (DESIGN §4.4)."""

    name: str
    version: str
    digest: str
    components: tuple[Component, ...] = ()
    artifacts_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.version:
            raise DriverError("a release needs a name and a version")
        if not _DIGEST.fullmatch(self.digest):
            raise DriverError(f"release digest {self.digest!r} must be sha256:<64 hex>")
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise DriverError(f"release {self.label} lists a component twice")

    @property
    def digest_hex(self) -> str:
        return self.digest.removeprefix("sha256:")

    @property
    def label(self) -> str:
        """``platform 1.3.0-rc1 (sha256:beef12345678…)`` for logs and messages."""
        return f"{self.name} {self.version} ({self.digest[:19]}…)"

    @classmethod
    def from_release_json(cls, document: Mapping[str, Any], *, artifacts_dir: Path | None = None) -> ReleaseRef:
        """From a bundle's ``release.json``; the digest is computed, never trusted."""
        try:
            components = tuple(
                Component(name=str(c["name"]), image=str(c["image"]), digest=str(c["digest"]))
                for c in document.get("components", [])
            )
            return cls(
                name=str(document["name"]),
                version=str(document["version"]),
                digest=canonical_digest(dict(document)),
                components=components,
                artifacts_dir=artifacts_dir,
            )
        except (KeyError, TypeError, AttributeError) as err:
            raise DriverError(f"release.json is missing a field a deployment needs: {err}") from None


@dataclass(frozen=True)
class DeployResult:
    """What one deploy or rollback did on one target."""

    target: str
    env: str
    action: Action
    release: str
    version: str
    digest: str
    status: Status
    started_at: datetime
    finished_at: datetime
    detail: str = ""
    exit_code: int | None = None
    previous_version: str | None = None
    previous_digest: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "env": self.env,
            "action": self.action,
            "release": self.release,
            "version": self.version,
            "digest": self.digest,
            "status": self.status,
            "startedAt": rfc3339(self.started_at),
            "finishedAt": rfc3339(self.finished_at),
            "detail": self.detail,
            "exitCode": self.exit_code,
            "previousVersion": self.previous_version,
            "previousDigest": self.previous_digest,
        }


@dataclass(frozen=True)
class Observed:
    """What a target itself says it runs now (``digest`` ``None``: nothing deployed).

    An observation that cannot be made raises :class:`DriverError` instead: "unknown"
    must never read as "nothing" or "unchanged"."""

    target: str
    version: str | None
    digest: str | None
    release: str | None = None

    def __post_init__(self) -> None:
        if self.digest is not None and not _DIGEST.fullmatch(self.digest):
            raise DriverError(f"target {self.target} reported {self.digest!r}, not a sha256:<64 hex> digest")

    def to_json(self) -> dict[str, str | None]:
        return {"target": self.target, "release": self.release, "version": self.version,
                "digest": self.digest}


@runtime_checkable
class DeployDriver(Protocol):
    """Deploys, rolls back and reads health of single targets; safe to call from a worker."""

    def deploy(
        self, target: Target, release: ReleaseRef, *, log: LogSink, should_stop: ShouldStop = never_stop
    ) -> DeployResult: ...

    def rollback(
        self, target: Target, to_release: ReleaseRef, *, log: LogSink, should_stop: ShouldStop = never_stop
    ) -> DeployResult: ...

    def health(self, target: Target) -> HealthSample: ...

    def observe(self, target: Target) -> Observed:
        """The release the target runs now, asked of the target itself."""
        ...


def health_of_all(driver: DeployDriver, targets: Sequence[Target]) -> list[HealthSample]:
    """One observation of ``targets`` for :class:`engine.canary.CanaryAnalysis`."""
    return [driver.health(target) for target in targets]
