"""Driver instances for targets: ``Target.driver`` names the kind, the environment's
settings (and the site home) configure it.

- ``command``: :class:`app.drivers.command.CommandDriver` with the environment's
  ``commands`` settings; the materialised inputs are handed to the commands as
  ``STELLA_INPUT_*`` environment variables (:mod:`app.secrets.resolver`).
- ``ssh``: :class:`app.drivers.ssh.SshDriver` runs the same ``commands`` on each host
  over SSH (host key pinned per target, client key from the site's secrets provider).
- ``demo-fleet``: :class:`app.drivers.demo_fleet.DemoFleetDriver` over the demo
  targets running under ``<home>/demo-fleet/<env>/`` (adopted: started by the demo,
  verified by pid and name before use).

A :class:`DriverSet` lives for one step; tests may pass ``factories`` to put their
own driver behind a kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from app.context import Site
from app.deploy.settings import deploy_config
from app.drivers.base import DeployDriver, DriverError, Target
from app.drivers.command import CommandDriver
from app.drivers.demo_fleet import DRIVER_NAME as DEMO_FLEET
from app.drivers.demo_fleet import DemoFleet, DemoFleetDriver, TargetUnreachable
from app.drivers.demo_fleet.http import http_get
from app.drivers.ssh import DRIVER_NAME as SSH
from app.drivers.ssh import SshDriver
from app.secrets.resolver import InputResolver, site_providers
from engine.canary.health import HealthSample, unreachable_sample

COMMAND = "command"
DriverFactory = Callable[["DriverSet", str], DeployDriver]


class DriverSet:
    """Builds (once per environment and kind) and hands out drivers for targets."""

    def __init__(self, site: Site, *, extra_env: Mapping[str, str] | None = None,
                 factories: Mapping[str, DriverFactory] | None = None) -> None:
        self.site = site
        self.extra_env = dict(extra_env or {})
        self._factories: dict[str, DriverFactory] = {COMMAND: _command, DEMO_FLEET: _demo_fleet, SSH: _ssh}
        self._factories.update(factories or {})
        self._drivers: dict[tuple[str, str], DeployDriver] = {}
        self.fleets: dict[str, DemoFleet] = {}

    def driver(self, target: Target) -> DeployDriver:
        key = (target.driver, target.env)
        if key not in self._drivers:
            factory = self._factories.get(target.driver)
            if factory is None:
                raise DriverError(f"target {target.name} uses the driver {target.driver!r}, "
                                  f"which this build does not have ({', '.join(sorted(self._factories))})")
            self._drivers[key] = factory(self, target.env)
        return self._drivers[key]

    def health(self, target: Target) -> HealthSample:
        """One health sample; a driver that cannot ask is an unhealthy sample saying why."""
        try:
            return self.driver(target).health(target)
        except DriverError as err:
            return unreachable_sample(target.name, self.site.clock.now(), err.message)

    def runtime_report(self, target: Target) -> dict[str, Any] | None:
        """What the target says it runs (release and components), when its driver can tell."""
        if target.driver != DEMO_FLEET:
            return None
        try:
            self.driver(target)
            fleet = self.fleets.get(target.env)
            if fleet is None:
                return None
            member = fleet.member(target.name)
            status, body = http_get(member.port, "/version", timeout=2.0)
            document = json.loads(body) if status == 200 else None
        except (DriverError, TargetUnreachable, ValueError):
            return None
        return document if isinstance(document, dict) else None


def _command(drivers: DriverSet, env: str) -> DeployDriver:
    config = deploy_config(drivers.site, env)
    if config.commands is None:
        raise DriverError(f"environment {env!r} has command targets but no deploy commands configured "
                          "(stella env configure … with a 'commands' setting)")
    return CommandDriver({env: config.commands}, clock=drivers.site.clock, extra_env=drivers.extra_env)


def _ssh(drivers: DriverSet, env: str) -> DeployDriver:
    config = deploy_config(drivers.site, env)
    if config.commands is None:
        raise DriverError(f"environment {env!r} has SSH targets but no deploy commands configured "
                          "(stella env configure … with a 'commands' setting: they run on each host)")
    resolver = InputResolver(site_providers(drivers.site.paths.home / "secrets"))

    def secret(ref: str) -> str:
        found = resolver.resolve(ref)
        if not found.resolved or found.value is None:
            raise DriverError(f"SSH client key {ref}: {found.reason}")
        return found.value.reveal_text()

    return SshDriver({env: config.commands}, resolve_secret=secret, clock=drivers.site.clock)


def _demo_fleet(drivers: DriverSet, env: str) -> DeployDriver:
    fleet = DemoFleet(drivers.site.paths.home, env)
    fleet.adopt()
    drivers.fleets[env] = fleet
    return DemoFleetDriver(fleet, clock=drivers.site.clock, http_timeout=2.0, deploy_timeout=15.0)
