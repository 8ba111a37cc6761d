"""The demo-fleet deploy driver: deploy by switching a target's release folder.

Why write the folder rather than ``POST /admin/deploy``: a mutation endpoint on a
listening port would let any local process deploy to the fleet without the app;
writing ``<target>/releases/<digest>/`` and replacing ``current.json`` is how
real hosts are deployed (files first, one atomic switch), works for a target that
is restarting, and the check that counts is done over HTTP anyway: a deployment
succeeds only once the target's own ``/version`` answers with the new digest.

Deploy (and rollback, which is a deploy of the older release) runs:
1. ``GET /version`` — the target must answer; its answer is the previous release;
2. install the release folder (skipped when already installed) and switch the pointer;
3. poll ``/version`` until it reports the new digest (``deploy_timeout``).
Health is ``/healthz`` (200 = healthy) plus a strict parse of ``/metrics``; what a target
runs (``observe``) is its ``/version``.
"""

from __future__ import annotations

import json
import time

from app.drivers.base import (
    Action,
    DeployResult,
    DriverError,
    LogSink,
    Observed,
    ReleaseRef,
    ShouldStop,
    Status,
    Target,
    never_stop,
)
from app.drivers.demo_fleet.fleet import DemoFleet
from app.drivers.demo_fleet.http import TargetUnreachable, http_get
from app.drivers.demo_fleet.release_dir import RELEASE_FILE, RELEASES, activate, install_release
from engine.canary.errors import CanaryError
from engine.canary.exposition import Exposition
from engine.canary.health import (
    HealthSample,
    MetricNames,
    sample_from_exposition,
    unreachable_sample,
)
from engine.clock import Clock, SystemClock


class DemoFleetDriver:
    """:class:`app.drivers.base.DeployDriver` for the demo fleet (DEMO ONLY targets)."""

    name = "demo-fleet"

    def __init__(
        self,
        fleet: DemoFleet,
        *,
        clock: Clock | None = None,
        http_timeout: float = 2.0,
        deploy_timeout: float = 10.0,
        poll_interval: float = 0.05,
    ) -> None:
        self._fleet = fleet
        self._clock = clock or SystemClock()
        self._http_timeout = http_timeout
        self._deploy_timeout = deploy_timeout
        self._poll = poll_interval

    def deploy(
        self, target: Target, release: ReleaseRef, *, log: LogSink, should_stop: ShouldStop = never_stop
    ) -> DeployResult:
        return self._switch("deploy", target, release, log, should_stop)

    def rollback(
        self, target: Target, to_release: ReleaseRef, *, log: LogSink, should_stop: ShouldStop = never_stop
    ) -> DeployResult:
        return self._switch("rollback", target, to_release, log, should_stop)

    def health(self, target: Target) -> HealthSample:
        member = self._fleet.member(target.name)
        now = self._clock.now()
        try:
            status, body = http_get(member.port, "/healthz", timeout=self._http_timeout)
            healthy = status == 200
            detail = "" if healthy else f"/healthz answered {status}: {body.decode(errors='replace').strip()}"
            version = self._version(member.port)
            _, text = http_get(member.port, "/metrics", timeout=self._http_timeout)
        except TargetUnreachable as err:
            return unreachable_sample(target.name, now, f"unreachable: {err.reason}")
        try:
            return sample_from_exposition(
                target.name, now, healthy=healthy, exposition=Exposition.parse(text),
                names=MetricNames(), version=version.get("version"), digest=version.get("digest"),
                detail=detail,
            )
        except CanaryError as err:
            return HealthSample(target=target.name, scraped_at=now, healthy=False,
                                version=version.get("version"), digest=version.get("digest"),
                                detail=f"metrics unreadable: {err.message}")

    def observe(self, target: Target) -> Observed:
        """What ``/version`` answers now; a target that does not answer raises."""
        member = self._fleet.member(target.name)
        status, body = http_get(member.port, "/version", timeout=self._http_timeout)
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if status != 200 or not isinstance(document, dict):
            raise DriverError(f"{target.name}: /version answered {status} without a readable release")
        if document.get("target") not in (None, target.name):
            raise DriverError(f"{target.name}: the process on {member.url} says it is "
                              f"{document.get('target')!r}")
        text = {k: document.get(k) if isinstance(document.get(k), str) else None
                for k in ("release", "version", "digest")}
        return Observed(target.name, text["version"], text["digest"], text["release"])

    def _version(self, port: int) -> dict[str, str | None]:
        status, body = http_get(port, "/version", timeout=self._http_timeout)
        try:
            document = json.loads(body)
        except ValueError:
            document = {}
        if status != 200 or not isinstance(document, dict):
            return {"version": None, "digest": None}
        return {"version": document.get("version"), "digest": document.get("digest")}

    def _switch(
        self, action: Action, target: Target, release: ReleaseRef, log: LogSink, should_stop: ShouldStop
    ) -> DeployResult:
        member = self._fleet.member(target.name)
        started = self._clock.now()
        prefix = f"[{target.name}] "
        previous: dict[str, str | None] = {"version": None, "digest": None}

        def result(status: Status, detail: str) -> DeployResult:
            log(f"{prefix}{action} {status}: {detail}")
            return DeployResult(
                target=target.name, env=target.env, action=action, release=release.name,
                version=release.version, digest=release.digest, status=status, started_at=started,
                finished_at=self._clock.now(), detail=detail,
                previous_version=previous["version"], previous_digest=previous["digest"],
            )

        log(f"{prefix}{action} {release.label} to {member.url}")
        try:
            previous = self._version(member.port)
        except TargetUnreachable as err:
            return result("failed", f"target unreachable before the switch, nothing changed: {err.reason}")
        log(f"{prefix}currently serving {previous['version'] or 'nothing'}")
        if previous["digest"] == release.digest:
            return result("succeeded", f"already serving {release.version}")
        installed = (member.root / RELEASES / release.digest_hex / RELEASE_FILE).is_file()
        if release.artifacts_dir is not None or not installed:
            folder = install_release(member.root, release)
            log(f"{prefix}installed {folder.relative_to(member.root).as_posix()}/")
        activate(member.root, release)
        log(f"{prefix}switched current.json to {RELEASES}/{release.digest_hex[:12]}…")
        deadline = time.monotonic() + self._deploy_timeout
        reason = "no answer yet"
        while True:
            if should_stop():
                return result("cancelled", f"cancelled while waiting; the target now points at {release.version}")
            try:
                serving = self._version(member.port)
                if serving["digest"] == release.digest:
                    return result("succeeded", f"/version answers {release.version} (was {previous['version']})")
                reason = f"/version still answers {serving['version']}"
            except TargetUnreachable as err:
                reason = err.reason
            if time.monotonic() >= deadline:
                return result("timed-out", f"not serving {release.version} after {self._deploy_timeout:g}s: {reason}")
            time.sleep(self._poll)
