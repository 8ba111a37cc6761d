"""Deploy drivers (DESIGN §8): one interface, a command driver and the demo fleet.

- :mod:`app.drivers.base` — :class:`DeployDriver`, :class:`Target`, :class:`ReleaseRef`,
  :class:`DeployResult`, :class:`HealthSample`, :class:`DriverError`;
- :mod:`app.drivers.command` — operator command templates per environment;
- :mod:`app.drivers.demo_fleet` — local demo targets (DEMO ONLY).

Kept light on purpose: a demo target process imports this package on start.
"""

from app.drivers.base import (
    Component,
    DeployDriver,
    DeployResult,
    DriverError,
    HealthSample,
    LogSink,
    ReleaseRef,
    ShouldStop,
    Target,
    health_of_all,
    never_stop,
)

__all__ = [
    "Component",
    "DeployDriver",
    "DeployResult",
    "DriverError",
    "HealthSample",
    "LogSink",
    "ReleaseRef",
    "ShouldStop",
    "Target",
    "health_of_all",
    "never_stop",
]
