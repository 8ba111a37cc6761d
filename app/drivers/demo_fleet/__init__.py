"""The demo fleet (DEMO ONLY): real HTTP target processes on 127.0.0.1 and their driver.

- :class:`DemoFleet` — start / stop / restart / kill targets, a state file for later processes;
- :class:`DemoFleetDriver` — the :class:`app.drivers.base.DeployDriver` for them;
- :class:`DemoLoadGenerator` — synthetic traffic so their metrics move;
- :class:`DemoBehaviour` / :func:`write_demo_artifact` — ``artifacts/<component>/app.json``.
"""

from app.drivers.demo_fleet.artifact import DemoArtifactError, DemoBehaviour, write_demo_artifact
from app.drivers.demo_fleet.driver import DemoFleetDriver
from app.drivers.demo_fleet.fleet import DRIVER_NAME, DemoFleet, FleetError, FleetMember
from app.drivers.demo_fleet.http import TargetUnreachable
from app.drivers.demo_fleet.load import DemoLoadGenerator, LoadStats

__all__ = [
    "DRIVER_NAME",
    "DemoArtifactError",
    "DemoBehaviour",
    "DemoFleet",
    "DemoFleetDriver",
    "DemoLoadGenerator",
    "FleetError",
    "FleetMember",
    "LoadStats",
    "TargetUnreachable",
    "write_demo_artifact",
]
