"""An environment's deploy settings, validated before they are stored or used.

::

    {"gates": {"default": {"min_healthy_fraction": "95%", "max_error_rate": "1%",
                           "window_seconds": "5m", "interval_seconds": "10s"},
               "deploy-100": {"window_seconds": "10m"}},
     "auto_continue": false,
     "commands": {"deploy": "ssh {target} deploy {digest}", "status": "ssh {target} cat /etc/release",
                  "health": "…", …},
     "DEMO_ONLY_window_seconds": 2}

``gates`` hold :class:`engine.canary.HealthGate` fields per workflow stage
(``deploy-<pct>``) over ``default`` over the built-in default, "proceed if 95%
healthy for 5m, error rate < 1%" measured every 10s. ``auto_continue`` lets a stage
whose criteria held succeed without an operator's Continue (demo, tests).
``commands`` are the command driver's templates (:mod:`app.drivers.command`).
``DEMO_ONLY_window_seconds`` shortens every stage's window (and its interval to a
fifth of it when longer) so a demo or a test runs a whole canary in seconds; the
gate actually used is recorded in each stage's evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.drivers.command import CommandTemplateError, EnvironmentCommands
from app.errors import UsageError
from engine.canary import GateConfigError, HealthGate
from engine.canary.metrics import MetricsConfigError, MetricsSettings
from engine.run.stages import deploy_percent

DEFAULT_GATE = HealthGate(min_healthy_fraction=0.95, max_error_rate=0.01,
                          window_seconds=300.0, interval_seconds=10.0)
DEMO_WINDOW = "DEMO_ONLY_window_seconds"
_KNOWN = ("gates", "auto_continue", "commands", "metrics", DEMO_WINDOW)


class DeployConfigError(UsageError):
    """A deploy setting that cannot be used; ``field`` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"deploy setting {field!r}: {message}")
        self.field = field


@dataclass(frozen=True)
class DeployConfig:
    gates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    auto_continue: bool = False
    commands: EnvironmentCommands | None = None
    demo_window_seconds: float | None = None
    metrics: MetricsSettings | None = None  # a metrics provider measures the canary instead of the targets
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DeployConfig:
        data = dict(data or {})
        if not isinstance(data, dict):
            raise DeployConfigError("settings are a JSON object", field="(settings)")
        for key in data:
            if key not in _KNOWN:
                raise DeployConfigError(f"unknown; known: {', '.join(_KNOWN)}", field=str(key))
        gates = data.get("gates") or {}
        if not isinstance(gates, Mapping):
            raise DeployConfigError("a mapping of stage → gate settings", field="gates")
        for stage, settings in gates.items():
            if stage != "default" and deploy_percent(str(stage)) is None:
                raise DeployConfigError("stages are 'default' or 'deploy-<percent>'", field=f"gates.{stage}")
            try:
                _normalised(settings)
            except GateConfigError as err:
                raise DeployConfigError(str(err), field=f"gates.{stage}") from None
        auto = data.get("auto_continue", False)
        if not isinstance(auto, bool):
            raise DeployConfigError("true or false", field="auto_continue")
        commands = None
        if data.get("commands") is not None:
            if not isinstance(data["commands"], Mapping):
                raise DeployConfigError("a mapping of command settings", field="commands")
            try:
                commands = EnvironmentCommands.from_dict(data["commands"])
            except CommandTemplateError as err:
                raise DeployConfigError(err.reason, field=f"commands.{err.field}") from None
        metrics = None
        if data.get("metrics") is not None:
            try:
                metrics = MetricsSettings.from_json(data["metrics"])
            except MetricsConfigError as err:
                raise DeployConfigError(err.reason, field=err.field) from None
        demo = data.get(DEMO_WINDOW)
        if demo is not None and (isinstance(demo, bool) or not isinstance(demo, (int, float)) or demo <= 0):
            raise DeployConfigError("a positive number of seconds", field=DEMO_WINDOW)
        config = cls(gates={str(k): dict(v) for k, v in gates.items()}, auto_continue=auto,
                     commands=commands, demo_window_seconds=None if demo is None else float(demo),
                     metrics=metrics, raw=data)
        for stage in ("default", *config.gates):
            config.gate_for(stage)  # each merged gate must be valid too
        return config

    def gate_for(self, step: str) -> HealthGate:
        """The gate of ``deploy-<pct>``: built-in default, then ``default``, then the stage."""
        merged = DEFAULT_GATE.to_dict()
        try:
            merged.update(_normalised(self.gates.get("default", {})))
            merged.update(_normalised(self.gates.get(step, {})))
            gate = HealthGate(**merged)
            if self.demo_window_seconds is not None:
                window = self.demo_window_seconds
                interval = min(gate.interval_seconds, window / 5)
                gap = None if gate.max_gap_seconds is None else max(gate.max_gap_seconds, interval)
                gate = replace(gate, window_seconds=window, interval_seconds=interval, max_gap_seconds=gap)
        except GateConfigError as err:
            raise DeployConfigError(str(err), field=f"gates.{step}") from None
        return gate

    def to_json(self) -> dict[str, Any]:
        return dict(self.raw)


# Settings that are only valid next to another one are parsed beside a value that
# cannot make them fail, so each is normalised on its own ("95%" → 0.95, "5m" → 300.0);
# the merged gate then checks how they combine.
_BESIDE = {"window_seconds": {"interval_seconds": 1e-6}, "interval_seconds": {"window_seconds": 1e9},
           "max_gap_seconds": {"interval_seconds": 1e-6}}


def _normalised(layer: Any) -> dict[str, Any]:
    if not isinstance(layer, Mapping):
        raise GateConfigError("a health gate is a mapping of settings", field="(gate)")
    return {key: HealthGate.from_dict({**_BESIDE.get(key, {}), key: value}).to_dict()[key]
            for key, value in layer.items()}
