"""Ask targets what they run, as ``target.observed`` rows (issue 11, "reconcile, don't
assume").

A run believes a target moved when it recorded the intent or the driver's answer;
after a crash neither may be the truth (a command kept running after its executor
died). Before a rollback is computed and when a crashed stage is recovered, each
target is asked through its driver. A target that cannot be asked is recorded as
not observed with the reason, never as "unchanged".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.deploy.drivers import DriverSet
from app.drivers.base import DriverError, Target


def observe_row(drivers: DriverSet, target: Target, purpose: str) -> dict[str, Any]:
    """The data of one ``target.observed`` event."""
    row: dict[str, Any] = {"target": target.name, "driver": target.driver, "purpose": purpose}
    try:
        seen = drivers.driver(target).observe(target)
    except DriverError as err:
        return {**row, "observed": False, "release": None, "version": None, "digest": None,
                "error": err.message}
    return {**row, "observed": True, "release": seen.release, "version": seen.version,
            "digest": seen.digest, "error": ""}


def observe_all(drivers: DriverSet, targets: Iterable[Target], purpose: str) -> list[dict[str, Any]]:
    return [observe_row(drivers, target, purpose) for target in targets]


def describe(row: dict[str, Any]) -> str:
    """``eu-prod-01 runs 1.3.0 (sha256:ab12…)`` or why it could not be told."""
    if not row.get("observed"):
        return f"{row['target']}: cannot tell what it runs ({row.get('error') or 'no answer'})"
    if row.get("digest") is None:
        return f"{row['target']} runs nothing"
    return f"{row['target']} runs {row.get('version') or '?'} ({str(row['digest'])[:19]}…)"
