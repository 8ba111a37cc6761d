"""The command driver: operator-configured command templates per environment
(ssh, ansible, kubectl, docker compose …) run once per target, or once per
component of the release when the template names a component.

A template is split into arguments with ``shlex.split`` when it is configured, and
each argument is filled in on its own: a value lands inside exactly one argument
and no shell ever reads it, so a release name or image containing ``;``, spaces or
quotes cannot inject anything. Unknown placeholders, positional ``{}``, attribute
or index access and format specs are refused at configuration time.

Placeholders: ``{target} {env} {release} {version} {digest} {component} {image}
{component_digest} {artifacts}``; health and status templates may use ``{target} {env}``.

The required ``status`` command asks a target what it runs now. It prints one line,
``sha256:<64 hex> [VERSION [RELEASE]]`` (or ``none`` when nothing is deployed), or a
JSON object with ``digest``, ``version`` and ``release``. A rollback after a crash
trusts this answer, not what the run believed it had done.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.drivers.base import (
    Action,
    Component,
    DeployResult,
    DriverError,
    LogSink,
    Observed,
    ReleaseRef,
    ShouldStop,
    Target,
    never_stop,
)
from app.drivers.process import ProcessOutcome, run_streaming
from engine.canary.errors import CanaryError
from engine.canary.exposition import Exposition
from engine.canary.health import HealthSample, MetricNames, sample_from_exposition
from engine.clock import Clock, SystemClock

logger = logging.getLogger(__name__)

RELEASE_PLACEHOLDERS = frozenset(
    {"target", "env", "release", "version", "digest", "component", "image", "component_digest", "artifacts"}
)
COMPONENT_PLACEHOLDERS = frozenset({"component", "image", "component_digest"})
HEALTH_PLACEHOLDERS = frozenset({"target", "env"})
HealthOutput = Literal["exit-status", "prometheus"]


__all__ = [
    "CommandDriver",
    "CommandTemplate",
    "CommandTemplateError",
    "EnvironmentCommands",
    "commands_from_config",
]


class CommandTemplateError(DriverError):
    """A command setting that cannot be used; ``field`` (and ``env``) say which one."""

    def __init__(self, reason: str, *, field: str, env: str | None = None) -> None:
        where = f"environment {env!r}: " if env else ""
        super().__init__(f"{where}command setting {field!r}: {reason}")
        self.reason = reason
        self.field = field
        self.env = env


@dataclass(frozen=True)
class CommandTemplate:
    """A validated template: the split arguments and the placeholders they use."""

    text: str
    arguments: tuple[str, ...]
    placeholders: frozenset[str]

    @classmethod
    def parse(cls, text: str, *, allowed: frozenset[str], field: str) -> CommandTemplate:
        if not isinstance(text, str) or not text.strip():
            raise CommandTemplateError("is empty", field=field)
        try:
            arguments = tuple(shlex.split(text))
        except ValueError as err:
            raise CommandTemplateError(f"cannot be split into arguments ({err})", field=field) from None
        used: set[str] = set()
        for argument in arguments:
            try:
                parts = list(string.Formatter().parse(argument))
            except ValueError as err:
                raise CommandTemplateError(
                    f"argument {argument!r} has unbalanced braces ({err}); write {{{{ or }}}} for a literal brace",
                    field=field,
                ) from None
            for _, name, spec, conversion in parts:
                if name is None:
                    continue
                if name == "" or name.isdigit():
                    raise CommandTemplateError("positional placeholders like {} are not allowed", field=field)
                if spec or conversion:
                    raise CommandTemplateError(f"placeholder {{{name}}} may not carry a format or conversion",
                                               field=field)
                if name not in allowed:
                    raise CommandTemplateError(
                        f"unknown placeholder {{{name}}}; allowed: "
                        + " ".join(f"{{{p}}}" for p in sorted(allowed)),
                        field=field,
                    )
                used.add(name)
        return cls(text=text, arguments=arguments, placeholders=frozenset(used))

    @property
    def per_component(self) -> bool:
        return bool(self.placeholders & COMPONENT_PLACEHOLDERS)

    def render(self, values: Mapping[str, str]) -> list[str]:
        """The argument vector; each value stays inside its own argument."""
        return [argument.format_map(values) for argument in self.arguments]


@dataclass(frozen=True)
class EnvironmentCommands:
    """The command templates of one environment."""

    deploy: CommandTemplate
    status: CommandTemplate
    rollback: CommandTemplate | None = None
    health: CommandTemplate | None = None
    timeout_seconds: float = 600.0
    health_timeout_seconds: float = 10.0
    health_output: HealthOutput = "exit-status"
    metric_names: MetricNames = MetricNames()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnvironmentCommands:
        """``{"deploy": "...", "status": "...", "rollback": "...", "health": "...", "timeout_seconds": 300,
        "health_timeout_seconds": 10, "health_output": "exit-status" | "prometheus",
        "metric_names": {"requests": ..., "errors": ..., "latency": ..., "latency_unit": "s"}}``."""
        known = {"deploy", "status", "rollback", "health", "timeout_seconds", "health_timeout_seconds",
                 "health_output", "metric_names"}
        for key in data:
            if key not in known:
                raise CommandTemplateError(f"unknown setting; known: {', '.join(sorted(known))}", field=str(key))
        if "deploy" not in data:
            raise CommandTemplateError("a deploy command is required", field="deploy")
        if "status" not in data:
            raise CommandTemplateError(
                "a status command is required: it prints the digest (sha256:…) of the release the "
                "target runs, so a rollback after a crash knows where each target really is",
                field="status")
        rollback = data.get("rollback")
        health = data.get("health")
        output = data.get("health_output", "exit-status")
        if output not in ("exit-status", "prometheus"):
            raise CommandTemplateError("must be 'exit-status' or 'prometheus'", field="health_output")
        timeouts = {}
        for key in ("timeout_seconds", "health_timeout_seconds"):
            if key in data:
                value = data[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                    raise CommandTemplateError("must be a positive number of seconds", field=key)
                timeouts[key] = float(value)
        names = data.get("metric_names") or {}
        try:
            metric_names = MetricNames(**names)
        except (TypeError, CanaryError) as err:
            raise CommandTemplateError(f"cannot be used ({err})", field="metric_names") from None
        return cls(
            metric_names=metric_names,
            deploy=CommandTemplate.parse(data["deploy"], allowed=RELEASE_PLACEHOLDERS, field="deploy"),
            status=CommandTemplate.parse(data["status"], allowed=HEALTH_PLACEHOLDERS, field="status"),
            rollback=None if rollback is None
            else CommandTemplate.parse(rollback, allowed=RELEASE_PLACEHOLDERS, field="rollback"),
            health=None if health is None
            else CommandTemplate.parse(health, allowed=HEALTH_PLACEHOLDERS, field="health"),
            health_output=output,
            **timeouts,
        )


class CommandDriver:
    """Runs the environment's templates; the exit status decides.

    ``rollback`` runs the rollback template with the release to return to, or the
    deploy template when the environment has none (deploying the older release).
    ``extra_env`` is added to the inherited environment of every command.
    """

    def __init__(
        self,
        environments: Mapping[str, EnvironmentCommands],
        *,
        clock: Clock | None = None,
        extra_env: Mapping[str, str] | None = None,
        kill_grace_seconds: float = 2.0,
    ) -> None:
        self._environments = dict(environments)
        self._clock = clock or SystemClock()
        self._extra_env = dict(extra_env or {})
        self._grace = kill_grace_seconds

    def _commands(self, target: Target) -> EnvironmentCommands:
        try:
            return self._environments[target.env]
        except KeyError:
            raise DriverError(f"environment {target.env!r} has no deploy commands configured") from None

    def deploy(
        self, target: Target, release: ReleaseRef, *, log: LogSink, should_stop: ShouldStop = never_stop
    ) -> DeployResult:
        commands = self._commands(target)
        return self._run("deploy", commands.deploy, commands, target, release, log, should_stop)

    def rollback(
        self, target: Target, to_release: ReleaseRef, *, log: LogSink, should_stop: ShouldStop = never_stop
    ) -> DeployResult:
        commands = self._commands(target)
        template = commands.rollback or commands.deploy
        return self._run("rollback", template, commands, target, to_release, log, should_stop)

    def health(self, target: Target) -> HealthSample:
        commands = self._commands(target)
        if commands.health is None:
            raise DriverError(
                f"environment {target.env!r} has no health command; its health gates cannot be measured"
            )
        argv = commands.health.render({"target": target.name, "env": target.env})
        outcome = run_streaming(
            argv,
            log_line=lambda line: logger.debug("health %s: %s", target.name, line),
            timeout=commands.health_timeout_seconds,
            env=self._env(),
            kill_grace=self._grace,
            keep_stdout=commands.health_output == "prometheus",
        )
        now = self._clock.now()
        healthy = outcome.status == "succeeded"
        if commands.health_output == "exit-status" or not healthy:
            return HealthSample(target=target.name, scraped_at=now, healthy=healthy,
                                detail="" if healthy else f"health command {outcome.detail}")
        try:
            return sample_from_exposition(target.name, now, healthy=True,
                                          exposition=Exposition.parse(outcome.stdout),
                                          names=commands.metric_names)
        except CanaryError as err:
            return HealthSample(target=target.name, scraped_at=now, healthy=False,
                                detail=f"health command output is not usable Prometheus text: {err.message}")

    def observe(self, target: Target) -> Observed:
        """Run the status command; its answer (or why there is none) is the observation."""
        commands = self._commands(target)
        argv = commands.status.render({"target": target.name, "env": target.env})
        outcome = run_streaming(
            argv,
            log_line=lambda line: logger.debug("status %s: %s", target.name, line),
            timeout=commands.health_timeout_seconds,
            env=self._env(),
            kill_grace=self._grace,
            keep_stdout=True,
        )
        if outcome.status != "succeeded":
            raise DriverError(f"{target.name}: the status command {outcome.detail}")
        return parse_status(target.name, outcome.stdout)

    def _env(self) -> dict[str, str] | None:
        if not self._extra_env:
            return None
        return {**os.environ, **self._extra_env}

    def _run(
        self,
        action: Action,
        template: CommandTemplate,
        commands: EnvironmentCommands,
        target: Target,
        release: ReleaseRef,
        log: LogSink,
        should_stop: ShouldStop,
    ) -> DeployResult:
        started = self._clock.now()
        runs = _values_per_run(template, target, release)
        outcome: ProcessOutcome | None = None
        prefix = f"[{target.name}] "
        for values in runs:
            argv = template.render(values)
            log(f"{prefix}$ {shlex.join(argv)}")
            outcome = run_streaming(
                argv,
                log_line=log,
                timeout=commands.timeout_seconds,
                should_stop=should_stop,
                prefix=prefix,
                env=self._env(),
                kill_grace=self._grace,
            )
            log(f"{prefix}{outcome.detail}")
            if outcome.status != "succeeded":
                break
        assert outcome is not None
        return DeployResult(
            target=target.name,
            env=target.env,
            action=action,
            release=release.name,
            version=release.version,
            digest=release.digest,
            status=outcome.status,
            started_at=started,
            finished_at=self._clock.now(),
            detail=outcome.detail if len(runs) == 1 else f"{len(runs)} component runs; last {outcome.detail}",
            exit_code=outcome.exit_code,
        )


def parse_status(target: str, text: str) -> Observed:
    """A status command's output as an observation; anything else raises DriverError."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except ValueError as err:
            raise DriverError(f"{target}: the status command printed unreadable JSON ({err})") from None
        if not isinstance(document, dict):
            raise DriverError(f"{target}: the status command printed JSON that is not an object")
        fields = {k: document.get(k) for k in ("digest", "version", "release")}
        if any(v is not None and not isinstance(v, str) for v in fields.values()):
            raise DriverError(f"{target}: the status command's digest, version and release must be text")
        return Observed(target, fields["version"], fields["digest"], fields["release"])
    first = stripped.splitlines()[0].split() if stripped else []
    if first == ["none"]:
        return Observed(target, None, None)
    if not first or not first[0].startswith("sha256:") or len(first) > 3:
        raise DriverError(f"{target}: the status command must print 'sha256:<digest> [version [release]]' "
                          f"or 'none', not {stripped[:80]!r}")
    version = first[1] if len(first) > 1 else None
    release = first[2] if len(first) > 2 else None
    return Observed(target, version, first[0], release)


def _values_per_run(template: CommandTemplate, target: Target, release: ReleaseRef) -> list[dict[str, str]]:
    """One placeholder mapping per command run: per component when the template names one."""
    base = {
        "target": target.name,
        "env": target.env,
        "release": release.name,
        "version": release.version,
        "digest": release.digest,
    }
    if "artifacts" in template.placeholders:
        if release.artifacts_dir is None:
            raise DriverError(f"release {release.label} has no artifacts folder for {{artifacts}}")
        base["artifacts"] = str(release.artifacts_dir)
    if not template.per_component:
        return [base]
    if not release.components:
        raise DriverError(f"release {release.label} has no components for a per-component command")
    return [{**base, **_component_values(c)} for c in release.components]


def _component_values(component: Component) -> dict[str, str]:
    return {"component": component.name, "image": component.image, "component_digest": component.digest}


def commands_from_config(config: Mapping[str, Mapping[str, Any]]) -> dict[str, EnvironmentCommands]:
    """``{env: {...}}`` → validated commands per environment (errors name the environment)."""
    out: dict[str, EnvironmentCommands] = {}
    for env, data in config.items():
        try:
            out[env] = EnvironmentCommands.from_dict(data)
        except CommandTemplateError as err:
            raise CommandTemplateError(err.reason, field=err.field, env=env) from None
    return out
