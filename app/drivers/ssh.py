"""The SSH host driver: runs the environment's deploy, rollback, status and health
commands (:mod:`app.drivers.command` templates) on a host over SSH.

Library: paramiko. The driver interface is synchronous and every driver call already
runs on a worker thread (the canary samples targets from a thread pool); paramiko is
a blocking client that fits that as it is, where asyncssh would need an event loop per
call. It is also packaged by the distributions an air-gapped site mirrors.

Per target (``--option``): ``host``, ``port`` (22), ``user``, ``host_key`` (the pinned
known_hosts entry: an unknown or changed key is refused with its fingerprint, never
trusted on first use) and ``client_key`` (a secrets reference such as
``file:ssh/deploy-key``, read from the site's secrets provider when a command runs;
the key never reaches a log, an event or the database).

Each template's arguments are quoted one by one (``shlex.join``) before the remote
shell reads them, so a value lands in exactly one argument there too. Output is
streamed line by line into the step log (through the step's redaction), the command
has the environment's timeout, and ``should_stop`` is polled between reads.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import paramiko

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
from app.drivers.command import CommandTemplate, EnvironmentCommands, _values_per_run, parse_status
from app.drivers.ssh_keys import HostKeyRefused, PinnedKeyPolicy, client_key, pinned_key
from app.secrets.redact import Redactor
from engine.canary.health import HealthSample
from engine.clock import Clock, SystemClock

DRIVER_NAME = "ssh"
CONNECT_TIMEOUT = 10.0
MAX_LINE = 4096
ResolveSecret = Callable[[str], str]


class SshDriver:
    def __init__(self, environments: Mapping[str, EnvironmentCommands], *, resolve_secret: ResolveSecret,
                 clock: Clock | None = None, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self._environments = dict(environments)
        self._resolve = resolve_secret
        self._clock = clock or SystemClock()
        self._connect_timeout = connect_timeout

    def deploy(self, target: Target, release: ReleaseRef, *, log: LogSink,
               should_stop: ShouldStop = never_stop) -> DeployResult:
        commands = self._commands(target)
        return self._run("deploy", commands.deploy, commands, target, release, log, should_stop)

    def rollback(self, target: Target, to_release: ReleaseRef, *, log: LogSink,
                 should_stop: ShouldStop = never_stop) -> DeployResult:
        commands = self._commands(target)
        return self._run("rollback", commands.rollback or commands.deploy, commands, target, to_release,
                         log, should_stop)

    def observe(self, target: Target) -> Observed:
        """The status command's answer on the host, or DriverError saying why there is none."""
        commands = self._commands(target)
        lines: list[str] = []
        status, code, detail = self._exec(target, commands.status, {"target": target.name, "env": target.env},
                                          lines.append, never_stop, commands.health_timeout_seconds)
        if status != "succeeded":
            raise DriverError(f"{target.name}: the status command {detail}")
        return parse_status(target.name, "\n".join(lines))

    def health(self, target: Target) -> HealthSample:
        commands = self._commands(target)
        if commands.health is None:
            raise DriverError(f"environment {target.env!r} has no health command; measure SSH hosts with a "
                              "metrics provider (deploy setting 'metrics') or configure one")
        now = self._clock.now()
        try:
            status, _, detail = self._exec(target, commands.health, {"target": target.name, "env": target.env},
                                           lambda _line: None, never_stop, commands.health_timeout_seconds)
        except DriverError as err:
            return HealthSample(target=target.name, scraped_at=now, healthy=False, detail=err.message)
        ok = status == "succeeded"
        return HealthSample(target=target.name, scraped_at=now, healthy=ok,
                            detail="" if ok else f"health command {detail}")

    def _commands(self, target: Target) -> EnvironmentCommands:
        try:
            return self._environments[target.env]
        except KeyError:
            raise DriverError(f"environment {target.env!r} has no deploy commands configured "
                              "(the SSH driver runs the environment's 'commands' on each host)") from None

    def _run(self, action: Action, template: CommandTemplate, commands: EnvironmentCommands, target: Target,
             release: ReleaseRef, log: LogSink, should_stop: ShouldStop) -> DeployResult:
        started = self._clock.now()
        prefix = f"[{target.name}] "
        status: Status = "succeeded"
        code: int | None = None
        detail = ""
        runs = _values_per_run(template, target, release)
        for values in runs:
            status, code, detail = self._exec(target, template, values, lambda line: log(prefix + line),
                                              should_stop, commands.timeout_seconds, announce=log)
            log(f"{prefix}{detail}")
            if status != "succeeded":
                break
        return DeployResult(target=target.name, env=target.env, action=action, release=release.name,
                            version=release.version, digest=release.digest, status=status,
                            started_at=started, finished_at=self._clock.now(), exit_code=code,
                            detail=detail if len(runs) == 1 else f"{len(runs)} component runs; last {detail}")

    def _exec(self, target: Target, template: CommandTemplate, values: Mapping[str, str], line: LogSink,
              should_stop: ShouldStop, timeout: float,
              announce: LogSink | None = None) -> tuple[Status, int | None, str]:
        command = shlex.join(template.render(values))
        client, secret = self._connect(target)
        scrub = Redactor([secret])  # a host that echoes the key back never puts it in a log
        line = scrub.sink(line)
        try:
            if announce is not None:
                announce(f"[{target.name}] ssh {_where(target)} $ {command}")
            channel = client.get_transport().open_session(timeout=self._connect_timeout)  # type: ignore[union-attr]
            channel.set_combine_stderr(True)
            channel.settimeout(0.2)
            with _answer_within(self._connect_timeout, client) as late:
                try:
                    channel.exec_command(command)
                except paramiko.SSHException:
                    if late.is_set():
                        raise DriverError(f"{target.name}: {_where(target)} did not answer the command "
                                          f"request within {self._connect_timeout:g}s; the SSH session "
                                          "was closed") from None
                    raise
            return _stream(channel, line, should_stop, timeout)
        except (paramiko.SSHException, OSError) as err:
            raise DriverError(f"{target.name}: SSH to {_where(target)} failed: {err}") from None
        finally:
            client.close()

    def _connect(self, target: Target) -> tuple[paramiko.SSHClient, str]:
        options = target.options
        for name in ("host", "user", "host_key", "client_key"):
            if not options.get(name):
                raise DriverError(f"{target.name}: the SSH driver needs the target option {name}")
        host, port = options["host"], int(options.get("port") or 22)
        client = paramiko.SSHClient()
        key = pinned_key(options["host_key"], target=target.name)
        lookup = host if port == 22 else f"[{host}]:{port}"
        client.get_host_keys().add(lookup, key.get_name(), key)
        client.set_missing_host_key_policy(PinnedKeyPolicy(target.name))
        secret = self._resolve(options["client_key"])
        pkey = client_key(secret, target=target.name)
        try:
            client.connect(host, port=port, username=options["user"], pkey=pkey, timeout=self._connect_timeout,
                           banner_timeout=self._connect_timeout, auth_timeout=self._connect_timeout,
                           allow_agent=False, look_for_keys=False)
        except HostKeyRefused:
            client.close()
            raise
        except paramiko.BadHostKeyException as err:
            client.close()
            seen = str(err.key.fingerprint)
            raise HostKeyRefused(
                f"{target.name}: {_where(target)} presented the host key {seen}, not the pinned "
                f"{err.expected_key.fingerprint}; refused — the host was replaced or someone is in "
                "between: compare with the host's own `ssh-keygen -lf` before changing the pin",
                fingerprint=seen) from None
        except paramiko.AuthenticationException as err:
            client.close()
            raise DriverError(f"{target.name}: {_where(target)} refused the client key ({err})") from None
        except (TimeoutError, paramiko.SSHException, OSError) as err:
            client.close()
            raise DriverError(f"{target.name}: cannot reach {_where(target)} over SSH: {err}") from None
        return client, secret


@contextmanager
def _answer_within(seconds: float, client: paramiko.SSHClient) -> Iterator[threading.Event]:
    """paramiko waits for the answer to a command request without a deadline: a host that
    accepted the session but never answers would hold the stage for ever. Past ``seconds``
    the connection is closed, which ends that wait with an error; the event says so."""
    late = threading.Event()

    def close() -> None:
        late.set()
        client.close()

    timer = threading.Timer(seconds, close)
    timer.daemon = True
    timer.start()
    try:
        yield late
    finally:
        timer.cancel()


def _where(target: Target) -> str:
    port = target.options.get("port") or "22"
    return f"{target.options.get('user')}@{target.options.get('host')}:{port}"


def _stream(channel: paramiko.Channel, line: LogSink, should_stop: ShouldStop,
            timeout: float) -> tuple[Status, int | None, str]:
    deadline = time.monotonic() + timeout
    pending = b""
    while True:
        if should_stop():
            channel.close()
            return "cancelled", None, "cancelled: the SSH session was closed"
        if time.monotonic() > deadline:
            channel.close()
            return "timed-out", None, f"timed out after {timeout:g}s; the SSH session was closed"
        try:
            chunk = channel.recv(65536)
        except TimeoutError:
            chunk = None
        if chunk:
            pending += chunk
            *done, pending = pending.split(b"\n")
            for raw in done:
                line(raw[:MAX_LINE].decode("utf-8", errors="replace").rstrip("\r"))
            if len(pending) > MAX_LINE:
                line(pending[:MAX_LINE].decode("utf-8", errors="replace"))
                pending = b""
            continue
        if chunk == b"" or channel.exit_status_ready():
            if pending:
                line(pending.decode("utf-8", errors="replace").rstrip("\r"))
                pending = b""
            if channel.exit_status_ready() and not channel.recv_ready():
                code = channel.recv_exit_status()
                if code == -1:
                    return "failed", None, "the SSH session ended without an exit status"
                return ("succeeded" if code == 0 else "failed"), code, f"exited {code}"
            if chunk == b"":
                time.sleep(0.02)  # output closed, exit status not here yet
